import type { ResourceType } from '../registry/resource-type';
import { badRequest, invalid, invalidValue, resourceNotFound } from '../status-error';
import type { KubeObject, KubeResource, UpdateOptions } from '../types';
import { isRecord } from '../types';
import type { FieldManagerOptions } from './managed-fields';
import type { ResourceStore } from './resource-store';

/**
 * The scale subresource (autoscaling/v1 Scale) of kinds that declare one: spec.replicas and
 * status.replicas read from and written to the paths the kind names, status.selector as the
 * label selector's string form (`kubectl scale`, HorizontalPodAutoscalers).
 */

export interface Scale {
  kind: 'Scale';
  apiVersion: 'autoscaling/v1';
  metadata: Record<string, unknown>;
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

type ScaleSpec = NonNullable<ResourceType['scale']>;

function at(object: unknown, dotted: string): unknown {
  let node = object;
  for (const part of dotted.split('.')) node = isRecord(node) ? node[part] : undefined;
  return node;
}

/** A metav1.LabelSelector as its string form: `app=web,tier in (a,b)`, requirements sorted by key. */
export function formatLabelSelector(selector: unknown): string | undefined {
  if (!isRecord(selector)) return undefined;
  const parts: [string, string][] = [];
  if (isRecord(selector.matchLabels))
    for (const [k, v] of Object.entries(selector.matchLabels)) parts.push([k, `${k}=${String(v)}`]);
  if (Array.isArray(selector.matchExpressions))
    for (const e of selector.matchExpressions) {
      if (!isRecord(e) || typeof e.key !== 'string') continue;
      const values = Array.isArray(e.values) ? [...e.values].map(String).sort().join(',') : '';
      if (e.operator === 'In') parts.push([e.key, `${e.key} in (${values})`]);
      else if (e.operator === 'NotIn') parts.push([e.key, `${e.key} notin (${values})`]);
      else if (e.operator === 'Exists') parts.push([e.key, e.key]);
      else if (e.operator === 'DoesNotExist') parts.push([e.key, `!${e.key}`]);
    }
  return parts
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, text]) => text)
    .join(',');
}

function selectorOf(object: KubeObject, scale: ScaleSpec): string | undefined {
  if (scale.labelSelectorPath) {
    const value = at(object, scale.labelSelectorPath);
    return typeof value === 'string' ? value : undefined;
  }
  // apps/v1 Deployments and ReplicaSets name no selector path: their spec.selector is it.
  return formatLabelSelector(at(object, 'spec.selector'));
}

function scaleOf(object: KubeObject, scale: ScaleSpec): Scale {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  const specReplicas = at(object, scale.specReplicasPath);
  const statusReplicas = at(object, scale.statusReplicasPath);
  const selector = selectorOf(object, scale);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: typeof specReplicas === 'number' ? { replicas: specReplicas } : {},
    status: {
      replicas: typeof statusReplicas === 'number' ? statusReplicas : 0,
      ...(selector ? { selector } : {}),
    },
  };
}

function scaleSpecOf(store: ResourceStore, gvr: KubeResource): ScaleSpec {
  const scale = store.registry.resolve(gvr).type.scale;
  if (!scale) throw resourceNotFound();
  return scale;
}

export function getScale(
  store: ResourceStore,
  gvr: KubeResource,
  namespace: string | undefined,
  name: string,
) {
  return scaleOf(store.get(gvr, namespace, name), scaleSpecOf(store, gvr));
}

/** Writes a Scale's spec.replicas into the object (a resourceVersion in it is a precondition). */
export function updateScale(
  store: ResourceStore,
  gvr: KubeResource,
  namespace: string | undefined,
  name: string,
  input: unknown,
  options: UpdateOptions & FieldManagerOptions,
): Scale {
  const scale = scaleSpecOf(store, gvr);
  if (!isRecord(input)) throw badRequest('the body must be an autoscaling/v1 Scale object');
  if (input.kind !== undefined && input.kind !== 'Scale')
    throw badRequest(`the kind in the data (${String(input.kind)}) does not match the expected kind (Scale)`);
  const meta = isRecord(input.metadata) ? input.metadata : {};
  if (typeof meta.name === 'string' && meta.name !== name)
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  const replicas = isRecord(input.spec) ? input.spec.replicas : undefined;
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0))
    throw invalid('Scale', 'autoscaling', name, [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: invalidValue(replicas, 'must be greater than or equal to 0'),
      },
    ]);
  // The replicas land at the kind's spec path, as a merge patch of that path alone.
  const patch: Record<string, unknown> = {};
  let node = patch;
  const parts = scale.specReplicasPath.split('.');
  parts.forEach((part, i) => {
    if (i === parts.length - 1) node[part] = replicas ?? null;
    else node = node[part] = {} as Record<string, unknown>;
  });
  if (typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '')
    patch.metadata = { resourceVersion: meta.resourceVersion };
  const { subresource: _, ...mainOptions } = options;
  const updated = store.patch(gvr, namespace, name, 'merge', patch, {
    ...mainOptions,
    managedSubresource: 'scale',
  });
  return scaleOf(updated, scale);
}

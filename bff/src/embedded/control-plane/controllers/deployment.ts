import { jsonEqual } from '../../../lib/json';
import type { KubeObject } from '../types';
import type { ControllerContext } from './context';
import { GVR, labelsOf, now, rec, tolerant } from './context';
import { controllerOf, controllerReference } from './informer';
import { NOT_READY_REPLICAS_ANNOTATION, POD_TEMPLATE_HASH, podTemplateHash } from './pods';

/**
 * The Deployment controller: one ReplicaSet per pod template (`<deployment>-<pod-template-hash>`),
 * the current one scaled to spec.replicas and the older ones to 0 at once (a rollout without
 * surge; kept up to revisionHistoryLimit for `kubectl rollout undo`), and a status that lets
 * `kubectl rollout status` and `kubectl wait --for=condition=Available` finish.
 */

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const DESIRED_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
const MAX_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

const revisionOf = (rs: KubeObject): number =>
  Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);

/** An intstr (`25%` or 2) against a total; percentages round down for maxUnavailable, up for maxSurge. */
function scaled(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
  if (!m) return 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function ownedReplicaSets(ctx: ControllerContext, deployment: KubeObject): KubeObject[] {
  return ctx.replicaSets
    .ownedBy(deployment.metadata.uid)
    .filter((rs) => controllerOf(rs)?.uid === deployment.metadata.uid);
}

export function reconcileDeployment(ctx: ControllerContext, namespace: string, name: string): void {
  const deployment = ctx.deployments.get(namespace, name);
  if (!deployment) return;
  const spec = rec(deployment.spec);
  const desired = num(spec.replicas, 1);
  const template = rec(spec.template);
  const hash = podTemplateHash(template);
  const owned = ownedReplicaSets(ctx, deployment);
  const maxRevision = owned.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
  let current = owned.find((rs) => labelsOf(rs)[POD_TEMPLATE_HASH] === hash);
  const strategy = rec(spec.strategy);
  const maxSurge =
    strategy.type === 'RollingUpdate' ? scaled(rec(strategy.rollingUpdate).maxSurge, desired, true) : 0;
  const demoAnnotation = deployment.metadata.annotations?.[NOT_READY_REPLICAS_ANNOTATION];
  const annotations = (revision: number): Record<string, string> => ({
    [DESIRED_ANNOTATION]: String(desired),
    [MAX_ANNOTATION]: String(desired + maxSurge),
    [REVISION_ANNOTATION]: String(revision),
    ...(demoAnnotation !== undefined ? { [NOT_READY_REPLICAS_ANNOTATION]: demoAnnotation } : {}),
  });

  if (!current && spec.paused !== true) {
    const templateMeta = rec(template.metadata);
    const labels = {
      ...(templateMeta.labels as Record<string, string> | undefined),
      [POD_TEMPLATE_HASH]: hash,
    };
    const selector = rec(spec.selector);
    tolerant(ctx.log, `create ReplicaSet for ${namespace}/${name}`, () => {
      current = ctx.store.create(GVR.replicaSets, namespace, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${name}-${hash}`,
          namespace,
          labels,
          annotations: annotations(maxRevision + 1),
          ownerReferences: [controllerReference(deployment)],
        },
        spec: {
          replicas: desired,
          minReadySeconds: spec.minReadySeconds,
          selector: {
            ...selector,
            matchLabels: { ...rec(selector.matchLabels), [POD_TEMPLATE_HASH]: hash },
          },
          template: { ...template, metadata: { ...templateMeta, labels } },
        },
      });
    });
  } else if (current) {
    // Rolling back to an older template makes its ReplicaSet the newest revision again.
    const revision = revisionOf(current) === maxRevision ? maxRevision : maxRevision + 1;
    const wanted = { ...current.metadata.annotations, ...annotations(revision) };
    if (demoAnnotation === undefined) Reflect.deleteProperty(wanted, NOT_READY_REPLICAS_ANNOTATION);
    const rsSpec = rec(current.spec);
    if (rsSpec.replicas !== desired || !jsonEqual(wanted, current.metadata.annotations ?? {})) {
      ctx.store.update(GVR.replicaSets, namespace, current.metadata.name ?? '', {
        ...current,
        metadata: { ...current.metadata, annotations: wanted },
        spec: { ...rsSpec, replicas: desired },
      });
    }
  }

  // The rollout, all at once: every older ReplicaSet goes to 0.
  const olds = ownedReplicaSets(ctx, deployment).filter((rs) => rs.metadata.uid !== current?.metadata.uid);
  if (current) {
    for (const old of olds) {
      const oldSpec = rec(old.spec);
      if (oldSpec.replicas === 0) continue;
      ctx.store.update(GVR.replicaSets, namespace, old.metadata.name ?? '', {
        ...old,
        spec: { ...oldSpec, replicas: 0 },
      });
    }
  }
  // Old, scaled-down ReplicaSets beyond revisionHistoryLimit go, oldest first.
  const limit = num(spec.revisionHistoryLimit, 10);
  const history = olds
    .filter((rs) => rec(ctx.replicaSets.get(namespace, rs.metadata.name ?? '')?.spec).replicas === 0)
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const old of history.slice(0, Math.max(0, history.length - limit)))
    tolerant(ctx.log, `delete old ReplicaSet ${old.metadata.name ?? ''}`, () =>
      ctx.store.delete(GVR.replicaSets, namespace, old.metadata.name ?? ''),
    );

  // The Deployment carries its current revision too (`kubectl describe` and rollout tools read it).
  const newest = current ? ctx.replicaSets.get(namespace, current.metadata.name ?? '') : undefined;
  const revision = newest?.metadata.annotations?.[REVISION_ANNOTATION];
  if (revision !== undefined && deployment.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
    ctx.store.update(GVR.deployments, namespace, name, {
      ...deployment,
      metadata: {
        ...deployment.metadata,
        annotations: { ...deployment.metadata.annotations, [REVISION_ANNOTATION]: revision },
      },
    });
  }
  const latest = ctx.deployments.get(namespace, name);
  if (latest) writeStatus(ctx, latest, newest);
}

function writeStatus(ctx: ControllerContext, deployment: KubeObject, current: KubeObject | undefined): void {
  const spec = rec(deployment.spec);
  const desired = num(spec.replicas, 1);
  const all = ownedReplicaSets(ctx, deployment);
  const sum = (field: string) => all.reduce((n, rs) => n + num(rec(rs.status)[field]), 0);
  const replicas = sum('replicas');
  const ready = sum('readyReplicas');
  const available = sum('availableReplicas');
  const updated = current ? num(rec(current.status).replicas) : 0;
  const strategy = rec(spec.strategy);
  const maxUnavailable =
    strategy.type === 'RollingUpdate'
      ? scaled(rec(strategy.rollingUpdate).maxUnavailable, desired, false)
      : 0;
  const previous = rec(deployment.status);
  const previousConditions = Array.isArray(previous.conditions) ? previous.conditions.map(rec) : [];
  const at = now();
  const condition = (type: string, status: boolean, reason: string, message: string) => {
    const before = previousConditions.find((c) => c.type === type);
    const statusText = status ? 'True' : 'False';
    if (before && before.status === statusText && before.reason === reason && before.message === message)
      return before;
    return {
      type,
      status: statusText,
      lastUpdateTime: at,
      lastTransitionTime: before?.status === statusText ? (before.lastTransitionTime ?? at) : at,
      reason,
      message,
    };
  };
  const rsName = current?.metadata.name ?? '';
  const complete =
    current !== undefined && updated === desired && replicas === updated && available >= desired;
  const availableCondition =
    available >= desired - maxUnavailable
      ? condition('Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
      : condition(
          'Available',
          false,
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
        );
  const progressing = complete
    ? condition(
        'Progressing',
        true,
        'NewReplicaSetAvailable',
        `ReplicaSet "${rsName}" has successfully progressed.`,
      )
    : condition('Progressing', true, 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`);
  const status: Record<string, unknown> = {
    observedGeneration: deployment.metadata.generation ?? 1,
    replicas,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: available,
    ...(desired - available > 0 ? { unavailableReplicas: desired - available } : {}),
    conditions: [availableCondition, progressing],
  };
  // Kubernetes leaves out counts that are zero.
  for (const key of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas'])
    if (status[key] === 0) Reflect.deleteProperty(status, key);
  if (jsonEqual(status, previous)) return;
  ctx.store.update(
    GVR.deployments,
    deployment.metadata.namespace,
    deployment.metadata.name ?? '',
    { ...deployment, status },
    { subresource: 'status' },
  );
}

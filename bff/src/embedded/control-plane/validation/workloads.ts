import type { FieldError } from '../status-error';
import { invalid, invalidValue } from '../status-error';
import type { KubeObject } from '../types';
import { isRecord } from '../types';
import { jsonEqual } from '../../../lib/json';
import { selectorIsEmpty, selectorMatches } from './label-selector';

/**
 * What kube-apiserver's apps/v1 registry defaults and checks on a Deployment or ReplicaSet write:
 * replicas 1; for Deployments strategy RollingUpdate 25%/25%, revisionHistoryLimit 10 and
 * progressDeadlineSeconds 600; a non-empty selector that matches the template's labels and never
 * changes afterwards.
 */

/** Go's %#v of a map[string]string, which is how the apiserver shows template labels. */
function goStringMap(labels: Record<string, string>): string {
  const entries = Object.keys(labels)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(labels[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function workloadErrors(
  object: KubeObject,
  old: KubeObject | undefined,
  requireTemplate: boolean,
): FieldError[] {
  const errors: FieldError[] = [];
  const spec = isRecord(object.spec) ? object.spec : {};
  const template = isRecord(spec.template) ? spec.template : undefined;
  const templateMeta = template && isRecord(template.metadata) ? template.metadata : {};
  const labels = (isRecord(templateMeta.labels) ? templateMeta.labels : {}) as Record<string, string>;
  if (selectorIsEmpty(spec.selector)) {
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'spec.selector',
      message: invalidValue('{}', 'empty selector is invalid for deployment'),
    });
  } else if ((template || requireTemplate) && !selectorMatches(spec.selector, labels)) {
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      message: `Invalid value: ${goStringMap(labels)}: \`selector\` does not match template \`labels\``,
    });
  }
  const oldSpec = old && isRecord(old.spec) ? old.spec : undefined;
  if (oldSpec && !jsonEqual(oldSpec.selector, spec.selector))
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'spec.selector',
      message: invalidValue(spec.selector, 'field is immutable'),
    });
  return errors;
}

export function defaultDeployment(object: KubeObject, old: KubeObject | undefined): void {
  const spec = isRecord(object.spec) ? object.spec : {};
  object.spec = spec;
  spec.replicas ??= 1;
  const strategy = isRecord(spec.strategy) ? spec.strategy : {};
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rolling = isRecord(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
    rolling.maxUnavailable ??= '25%';
    rolling.maxSurge ??= '25%';
    strategy.rollingUpdate = rolling;
  }
  spec.strategy = strategy;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template);
  const errors = workloadErrors(object, old, true);
  if (errors.length > 0) throw invalid('Deployment', 'apps', object.metadata.name ?? '', errors);
}

export function defaultReplicaSet(object: KubeObject, old: KubeObject | undefined): void {
  const spec = isRecord(object.spec) ? object.spec : {};
  object.spec = spec;
  spec.replicas ??= 1;
  defaultPodTemplate(spec.template);
  const errors = workloadErrors(object, old, false);
  if (errors.length > 0) throw invalid('ReplicaSet', 'apps', object.metadata.name ?? '', errors);
}

/** The pod spec defaults a real server fills in, which `kubectl get -o yaml` users see. */
export function defaultPodTemplate(template: unknown): void {
  if (!isRecord(template) || !isRecord(template.spec)) return;
  const spec = template.spec;
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  if (Array.isArray(spec.containers)) {
    for (const c of spec.containers) {
      if (!isRecord(c)) continue;
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.resources ??= {};
      if (c.imagePullPolicy === undefined && typeof c.image === 'string')
        c.imagePullPolicy = /:latest$|^[^:]*$/.test(c.image.replace(/^[^/]*\//, ''))
          ? 'Always'
          : 'IfNotPresent';
      if (Array.isArray(c.ports)) for (const p of c.ports) if (isRecord(p)) p.protocol ??= 'TCP';
    }
  }
}

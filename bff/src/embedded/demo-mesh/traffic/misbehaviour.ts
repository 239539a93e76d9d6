import type { Logger } from '../../../lib/logger';
import type { RawObject } from './istio/types';
import type { RuleSnapshot } from './rules';

/**
 * Making a version misbehave on cue (issue 17's canary demos): two annotations, on a version's Pods
 * or on their Deployment, change how that version answers.
 *
 *  - `demo.mesh-console.io/error-rate`: a number in [0, 1], the share of requests the application
 *    answers with its own HTTP 500 (in place of its usual share);
 *  - `demo.mesh-console.io/latency-ms`: a non-negative number, milliseconds added to every request
 *    it serves.
 *
 * A Pod's own annotation wins over its Deployment's. A Deployment's are read from its
 * `metadata.annotations` and its pod template's (`spec.template.metadata.annotations`, which a
 * rollout copies onto new Pods anyway); the Deployment's own metadata wins over its template's.
 * A Pod's Deployment is found as Kubernetes links them: the Pod's controller ownerReference names
 * a ReplicaSet, whose controller ownerReference names the Deployment. Selectors are not used: they
 * may overlap (Kubernetes leaves that to the user, and the Deployment controller itself only adopts
 * through ownership), while ownerReferences say exactly which Deployment made the Pod.
 */
export const ERROR_RATE_ANNOTATION = 'demo.mesh-console.io/error-rate';
export const LATENCY_ANNOTATION = 'demo.mesh-console.io/latency-ms';

/** What a Pod's annotations (or its Deployment's) ask of it; absent: as usual. */
export interface PodMisbehaviour {
  errorRate?: number;
  latencyMs?: number;
}

interface Meta {
  name: string;
  namespace?: string;
  annotations?: Record<string, unknown>;
  ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
}

const metaOf = (o: RawObject): Meta => o.metadata as Meta;

function controllerOwner(o: RawObject, kind: string): string | null {
  const refs = metaOf(o).ownerReferences ?? [];
  const ref = refs.find((r) => r.controller === true && r.kind === kind) ?? refs.find((r) => r.kind === kind);
  return typeof ref?.name === 'string' ? ref.name : null;
}

/**
 * Reads the annotations of the Pods and Deployments of a rules snapshot. Keeps the invalid values it
 * has warned about, so each object's bad value is logged once, not on every rebuild.
 */
export class MisbehaviourReader {
  private readonly warned = new Set<string>();

  constructor(private readonly log?: Logger) {}

  /** Each annotated Pod's misbehaviour, by `namespace/name`; Pods that ask nothing are absent. */
  read(rules: RuleSnapshot): Map<string, PodMisbehaviour> {
    const key = (namespace: string | undefined, name: string) => `${namespace ?? 'default'}/${name}`;
    const deployments = new Map<string, PodMisbehaviour>();
    for (const d of rules.deployments ?? []) {
      const meta = metaOf(d);
      const template = (
        (d.spec ?? {}) as { template?: { metadata?: { annotations?: Record<string, unknown> } } }
      ).template?.metadata?.annotations;
      const fromTemplate = this.parse(d, template);
      const own = this.parse(d, meta.annotations);
      const merged = { ...fromTemplate, ...own };
      if (Object.keys(merged).length > 0) deployments.set(key(meta.namespace, meta.name), merged);
    }
    const deploymentOfReplicaSet = new Map<string, string>();
    for (const rs of rules.replicaSets ?? []) {
      const owner = controllerOwner(rs, 'Deployment');
      if (owner) deploymentOfReplicaSet.set(key(metaOf(rs).namespace, metaOf(rs).name), owner);
    }
    const out = new Map<string, PodMisbehaviour>();
    for (const pod of rules.pods ?? []) {
      const meta = metaOf(pod);
      const rs = controllerOwner(pod, 'ReplicaSet');
      const deployment = rs ? deploymentOfReplicaSet.get(key(meta.namespace, rs)) : undefined;
      const inherited = deployment ? deployments.get(key(meta.namespace, deployment)) : undefined;
      const merged = { ...inherited, ...this.parse(pod, meta.annotations) };
      if (Object.keys(merged).length > 0) out.set(key(meta.namespace, meta.name), merged);
    }
    return out;
  }

  private parse(o: RawObject, annotations: Record<string, unknown> | undefined): PodMisbehaviour {
    const out: PodMisbehaviour = {};
    if (!annotations) return out;
    const errorRate = this.number(o, annotations, ERROR_RATE_ANNOTATION, (n) => n >= 0 && n <= 1);
    if (errorRate !== undefined) out.errorRate = errorRate;
    const latency = this.number(o, annotations, LATENCY_ANNOTATION, (n) => n >= 0);
    if (latency !== undefined) out.latencyMs = latency;
    return out;
  }

  private number(
    o: RawObject,
    annotations: Record<string, unknown>,
    name: string,
    valid: (n: number) => boolean,
  ): number | undefined {
    const raw = annotations[name];
    if (raw === undefined) return undefined;
    const text = typeof raw === 'string' ? raw.trim() : '';
    const n = text === '' ? NaN : Number(text);
    if (Number.isFinite(n) && valid(n)) return n;
    const meta = metaOf(o);
    const id = `${o.kind}/${meta.namespace ?? 'default'}/${meta.name}/${name}=${String(raw)}`;
    if (!this.warned.has(id)) {
      this.warned.add(id);
      this.log?.warn(
        { kind: o.kind, object: `${meta.namespace ?? 'default'}/${meta.name}`, annotation: name, value: raw },
        'demo traffic: ignoring an invalid misbehaviour annotation',
      );
    }
    return undefined;
  }
}

/** What a version does, from its Pods' misbehaviour (requests spread evenly over its Pods). */
export interface VersionMisbehaviour {
  /** Share of its Pods that set an error rate, and their mean rate; the others answer as usual. */
  errorShare: number;
  errorRate: number;
  /** Mean added latency over its Pods (0 where unset). */
  latencyMs: number;
}

export function versionMisbehaviour(
  pods: readonly { namespace: string; name: string }[],
  byPod: ReadonlyMap<string, PodMisbehaviour>,
): VersionMisbehaviour | undefined {
  if (pods.length === 0) return undefined;
  let errorPods = 0;
  let errorSum = 0;
  let latencySum = 0;
  let any = false;
  for (const p of pods) {
    const m = byPod.get(`${p.namespace}/${p.name}`);
    if (!m) continue;
    any = true;
    if (m.errorRate !== undefined) {
      errorPods++;
      errorSum += m.errorRate;
    }
    latencySum += m.latencyMs ?? 0;
  }
  if (!any) return undefined;
  return {
    errorShare: errorPods / pods.length,
    errorRate: errorPods > 0 ? errorSum / errorPods : 0,
    latencyMs: latencySum / pods.length,
  };
}

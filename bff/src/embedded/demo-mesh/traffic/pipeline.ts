/**
 * The stages a tick's requests pass through at an instance, and the hook where rate limiting goes.
 *
 *   route (VirtualService: which version) → spread over the version's ready instances
 *     → admit (AdmissionPolicy: the sidecar's rate limit) → serve (the application: errors, latency)
 *
 * Requests an AdmissionPolicy turns away never reach the application: they are answered 429 with
 * response_flags "RL" (what Envoy reports for a local rate limit), take almost no time, and cause no
 * calls downstream. The default policy admits everything; the rate-limit feature supplies one that
 * reads the mesh's rate-limit rules (e.g. a token bucket per instance, refilled by `dtSeconds`).
 */
export interface Flow {
  serviceId: string;
  namespace: string;
  app: string;
  version: string;
  /** The Pod or WorkloadEntry the requests arrive at. */
  instance: string;
  /** The calling workload and its labels (what a rule's sourceLabels would match). */
  sourceWorkload: string;
  sourceNamespace: string;
  sourceLabels: Readonly<Record<string, string>>;
}

export interface TickInfo {
  nowMs: number;
  dtSeconds: number;
}

export interface AdmissionPolicy {
  /** How many of `count` requests arriving in this tick get through (0..count). Called in a stable order. */
  admit(flow: Flow, count: number, tick: TickInfo): number;
  /** Called once at the start of every tick (to refill buckets, re-read rules). */
  beginTick?(tick: TickInfo): void;
  /** The status refused requests of a flow are answered with (429 when absent); asked after `admit`. */
  limitedStatus?(flow: Flow): number | undefined;
  /**
   * What each rule decided in the last `admit`, as Envoy's local rate limit counts it
   * (`<stat_prefix>.http_local_rate_limit.*`): `rateLimited` requests found no token, `enforced` of
   * them were refused. A rule in shadow mode counts rate_limited and never enforced: its requests pass.
   */
  decisions?(): readonly LimitDecision[];
}

export interface LimitDecision {
  rule: string;
  rateLimited: number;
  enforced: number;
}

export const ADMIT_ALL: AdmissionPolicy = { admit: (_flow, count) => count };

/**
 * DestinationRules: which one a caller sees for a host, the subsets it defines, and the traffic policy
 * in effect for one destination.
 *
 * Lookup (DestinationRule reference, "exportTo"; pilot/pkg/model/push_context.go destinationRule):
 *   1. rules in the caller's namespace (exported or not); a caller in the root namespace looks only at
 *      the root namespace's private rules here;
 *   2. else rules in the service's namespace exported to the caller (`*`, or the caller's namespace);
 *   3. else rules in the root namespace exported to the caller.
 *   In each namespace the most specific host wins (exact, then the longest wildcard).
 *   `exportTo` defaults to every namespace; `.` is the rule's own namespace. A rule with a
 *   `workloadSelector` is private to its namespace and applies only to callers whose labels it selects,
 *   before any rule without a selector.
 * Merging (push_context.go setDestinationRules, destination_rule.go mergeDestinationRule): rules for one
 *   host in one namespace, oldest first (creationTimestamp, then name), with the same `exportTo` become
 *   one: subsets are concatenated and the first definition of a subset name wins; the first top-level
 *   `trafficPolicy` wins.
 * Policy (DestinationRule reference, TrafficPolicy.portLevelSettings and Subset.trafficPolicy;
 *   pilot/pkg/networking/util MergeSubsetTrafficPolicy): a port-level setting for the destination port
 *   replaces the rule's policy wholesale (fields it omits fall back to defaults, not to the rule's); a
 *   subset's policy then overrides the result field group by field group (connectionPool,
 *   outlierDetection, loadBalancer, tls), or wholesale when the subset has its own port-level setting.
 * Defaults (ConnectionPoolSettings and OutlierDetection reference; cluster_traffic_policy.go): connection
 *   pool limits unset are unlimited (Istio sets 2^32-1); `maxRetries` unset is unlimited likewise. When
 *   `outlierDetection` is present, unset fields take Envoy's defaults: 5 consecutive 5xx, interval 10s,
 *   base ejection time 30s, at most 10% of hosts ejected; gateway errors are counted only when
 *   `consecutiveGatewayErrors` is set. The deprecated `consecutiveErrors` has been ignored since Istio 1.7
 *   (validation only warns), so Envoy's default of 5 consecutive 5xx applies in its place.
 */
import type { RawObject, TrafficPolicy } from './types';
import { fields, isFields, labelsSubsetOf, list, num, str, stringMap, strings, durationMs } from './read';
import type { Fields } from './read';
import { isWildcard, mostSpecificMatch, qualifyHost } from './hosts';

interface Subset {
  name: string;
  labels: Record<string, string>;
  trafficPolicy?: Fields;
}

interface ConsolidatedRule {
  /** The raw exportTo entries (`.` kept as written); empty means the default (every namespace). */
  exportTo: ReadonlySet<string>;
  selector?: Record<string, string>;
  namespace: string;
  /** The rules merged into this one, oldest first. */
  from: { namespace: string; name: string }[];
  subsets: Subset[];
  trafficPolicy?: Fields;
}

type HostIndex = Map<string, ConsolidatedRule[]>;

interface NamespaceRules {
  specific: HostIndex;
  wildcard: HostIndex;
}

const newNamespaceRules = (): NamespaceRules => ({ specific: new Map(), wildcard: new Map() });

const created = (o: RawObject) => o.metadata.creationTimestamp ?? '';

export function byAge(a: RawObject, b: RawObject): number {
  const ca = created(a);
  const cb = created(b);
  if (ca !== cb) {
    const ta = Date.parse(ca);
    const tb = Date.parse(cb);
    if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta - tb;
    return ca < cb ? -1 : 1;
  }
  if (a.metadata.name !== b.metadata.name) return a.metadata.name < b.metadata.name ? -1 : 1;
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

const setsEqual = (a: ReadonlySet<string>, b: ReadonlySet<string>) =>
  a.size === b.size && [...a].every((x) => b.has(x));
const superset = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...b].every((x) => a.has(x));

function readSubsets(v: unknown): Subset[] {
  const out: Subset[] = [];
  for (const s of list(v)) {
    const f = fields(s);
    const name = str(f.name);
    if (!name) continue;
    out.push({
      name,
      labels: stringMap(f.labels),
      trafficPolicy: isFields(f.trafficPolicy) ? f.trafficPolicy : undefined,
    });
  }
  return out;
}

export class DestinationRuleIndex {
  private readonly local = new Map<string, NamespaceRules>();
  private readonly exported = new Map<string, NamespaceRules>();
  private readonly rootLocal = newNamespaceRules();
  /** Whether any rule has a workloadSelector, i.e. whether the caller's labels can change a lookup. */
  readonly hasWorkloadSelectors: boolean;

  constructor(
    objects: readonly RawObject[],
    private readonly rootNamespace: string,
  ) {
    // Selector-bound rules first, then oldest first (sortConfigBySelectorAndCreationTime).
    const sorted = [...objects].sort((a, b) => {
      const sa = isFields(fields(a.spec).workloadSelector) ? 0 : 1;
      const sb = isFields(fields(b.spec).workloadSelector) ? 0 : 1;
      return sa - sb || byAge(a, b);
    });
    for (const o of sorted) this.add(o);
    this.hasWorkloadSelectors = objects.some((o) => isFields(fields(o.spec).workloadSelector));
  }

  private add(o: RawObject): void {
    const spec = fields(o.spec);
    const ns = o.metadata.namespace ?? 'default';
    const rawHost = str(spec.host);
    if (!rawHost) return;
    const host = qualifyHost(rawHost, ns);
    const selectorSpec = isFields(spec.workloadSelector)
      ? stringMap(spec.workloadSelector.matchLabels)
      : undefined;
    const exportTo = new Set(selectorSpec ? ['.'] : strings(spec.exportTo));
    const incoming: ConsolidatedRule = {
      exportTo,
      selector: selectorSpec,
      namespace: ns,
      from: [{ namespace: ns, name: o.metadata.name }],
      subsets: readSubsets(spec.subsets),
      trafficPolicy: isFields(spec.trafficPolicy) ? spec.trafficPolicy : undefined,
    };
    if (exportTo.size === 0 || exportTo.has('*') || exportTo.has('.') || exportTo.has(ns)) {
      merge(namespaceRules(this.local, ns), host, incoming);
    }
    const privateOnly = exportTo.size === 1 && (exportTo.has('.') || exportTo.has(ns));
    if (!privateOnly) merge(namespaceRules(this.exported, ns), host, incoming);
    else if (ns === this.rootNamespace) merge(this.rootLocal, host, incoming);
  }

  /** The rule a caller in `callerNamespace` with `callerLabels` uses for `host` of a service in `serviceNamespace`. */
  lookup(
    host: string,
    serviceNamespace: string | undefined,
    callerNamespace: string,
    callerLabels: Record<string, string>,
  ): ConsolidatedRule | undefined {
    let candidates: ConsolidatedRule[] | undefined;
    if (callerNamespace !== this.rootNamespace) {
      const local = this.local.get(callerNamespace);
      if (local) candidates = find(local, host);
    } else {
      candidates = find(this.rootLocal, host);
    }
    if (!candidates?.length && serviceNamespace)
      candidates = this.exportedTo(serviceNamespace, host, callerNamespace);
    if (!candidates?.length) candidates = this.exportedTo(this.rootNamespace, host, callerNamespace);
    if (!candidates?.length) return undefined;
    // SidecarScope.DestinationRule: a selector-bound rule of the caller's namespace that selects the
    // caller wins; else the last rule without a selector.
    let catchAll: ConsolidatedRule | undefined;
    for (const r of candidates) {
      if (!r.selector) catchAll = r;
      else if (r.namespace === callerNamespace && labelsSubsetOf(r.selector, callerLabels)) return r;
    }
    return catchAll;
  }

  private exportedTo(owner: string, host: string, caller: string): ConsolidatedRule[] | undefined {
    const rules = this.exported.get(owner);
    if (!rules) return undefined;
    const found = find(rules, host);
    return found?.filter((r) => r.exportTo.size === 0 || r.exportTo.has('*') || r.exportTo.has(caller));
  }
}

function namespaceRules(m: Map<string, NamespaceRules>, ns: string): NamespaceRules {
  let r = m.get(ns);
  if (!r) m.set(ns, (r = newNamespaceRules()));
  return r;
}

function find(rules: NamespaceRules, host: string): ConsolidatedRule[] | undefined {
  if (!isWildcard(host)) {
    const exact = rules.specific.get(host);
    if (exact) return exact;
  }
  return mostSpecificMatch(host, rules.wildcard);
}

function merge(rules: NamespaceRules, host: string, incoming: ConsolidatedRule): void {
  const index = isWildcard(host) ? rules.wildcard : rules.specific;
  const existing = index.get(host);
  if (!existing) {
    index.set(host, [copy(incoming)]);
    return;
  }
  let appendSeparately = true;
  for (let i = 0; i < existing.length; i++) {
    const mdr = existing[i];
    if (!mdr) continue;
    if (setsEqual(incoming.exportTo, mdr.exportTo)) appendSeparately = false;
    else if (mdr.exportTo.size > 0 && superset(incoming.exportTo, mdr.exportTo)) appendSeparately = true;
    else {
      appendSeparately = true;
      continue;
    }
    const bothWithout = !incoming.selector && !mdr.selector;
    const bothWith = !!incoming.selector && !!mdr.selector;
    const selectorsMatch =
      bothWith &&
      labelsSubsetOf(incoming.selector ?? {}, mdr.selector ?? {}) &&
      labelsSubsetOf(mdr.selector ?? {}, incoming.selector ?? {});
    if (bothWith && !selectorsMatch) {
      appendSeparately = true;
      continue;
    }
    if (bothWithout || selectorsMatch) appendSeparately = false;
    const merged = copy(mdr);
    merged.from.push(...incoming.from);
    const names = new Set(merged.subsets.map((s) => s.name));
    for (const s of incoming.subsets) if (!names.has(s.name)) merged.subsets.push(s);
    if (!merged.trafficPolicy && incoming.trafficPolicy) merged.trafficPolicy = incoming.trafficPolicy;
    existing[i] = merged;
  }
  if (appendSeparately) existing.push(copy(incoming));
}

const copy = (r: ConsolidatedRule): ConsolidatedRule => ({
  ...r,
  from: [...r.from],
  subsets: [...r.subsets],
});

export function findSubset(rule: ConsolidatedRule | undefined, name: string): Subset | undefined {
  return rule?.subsets.find((s) => s.name === name);
}

/** The port-level setting for `port`, replacing the policy wholesale (GetPortLevelTrafficPolicy). */
function portLevel(
  policy: Fields | undefined,
  port: number | undefined,
): { policy?: Fields; hasPortLevel: boolean } {
  if (!policy) return { hasPortLevel: false };
  if (port === undefined) return { policy, hasPortLevel: false };
  for (const p of list(policy.portLevelSettings)) {
    const f = fields(p);
    if (num(fields(f.port).number) === port) {
      return {
        policy: {
          connectionPool: f.connectionPool,
          loadBalancer: f.loadBalancer,
          outlierDetection: f.outlierDetection,
          tls: f.tls,
        },
        hasPortLevel: true,
      };
    }
  }
  return { policy, hasPortLevel: false };
}

const GROUPS = ['connectionPool', 'outlierDetection', 'loadBalancer', 'tls'] as const;

/** The Istio traffic policy in effect for one destination (MergeSubsetTrafficPolicy). */
export function effectivePolicy(
  rule: ConsolidatedRule | undefined,
  subset: Subset | undefined,
  port: number | undefined,
): Fields | undefined {
  const original = portLevel(rule?.trafficPolicy, port).policy;
  if (!subset?.trafficPolicy) return original;
  const sub = portLevel(subset.trafficPolicy, port);
  if (!original) return sub.policy;
  const merged: Fields = { ...original };
  for (const g of GROUPS) {
    if (sub.policy?.[g] !== undefined || sub.hasPortLevel) merged[g] = sub.policy?.[g];
  }
  return merged;
}

const positive = (v: unknown): number | undefined => {
  const n = num(v);
  return n !== undefined && n > 0 ? n : undefined;
};

/** Istio's TrafficPolicy → the contract's: the limits and ejection settings Envoy enforces. */
export function toTrafficPolicy(policy: Fields | undefined): TrafficPolicy {
  const out: TrafficPolicy = {};
  if (!policy) return out;
  const pool = fields(policy.connectionPool);
  const tcp = fields(pool.tcp);
  const http = fields(pool.http);
  const set = <K extends keyof TrafficPolicy>(k: K, v: TrafficPolicy[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('maxConnections', positive(tcp.maxConnections));
  set('http1MaxPendingRequests', positive(http.http1MaxPendingRequests));
  set('http2MaxRequests', positive(http.http2MaxRequests));
  set('maxRequestsPerConnection', positive(http.maxRequestsPerConnection));
  set('maxRetries', positive(http.maxRetries));
  if (isFields(policy.outlierDetection)) {
    const od = policy.outlierDetection;
    const gateway = num(od.consecutiveGatewayErrors);
    out.outlierDetection = {
      consecutive5xxErrors: num(od.consecutive5xxErrors) ?? 5,
      ...(gateway !== undefined ? { consecutiveGatewayErrors: gateway } : {}),
      intervalMs: durationMs(od.interval) ?? 10_000,
      baseEjectionTimeMs: durationMs(od.baseEjectionTime) ?? 30_000,
      maxEjectionPercent: positive(od.maxEjectionPercent) ?? 10,
    };
  }
  return out;
}

import type { MergedSubsets, RouteScope } from '../../contract/routing';
import { contractMessage } from '../../contract/messages';
import type { MeshObject } from '../../mesh/istio-types';
import { records, stringList } from '../../mesh/json';
import type { RouteTarget } from '../../mesh/model';
import { destinationsOf, namespaceOf } from '../../mesh/rule-scope';
import type { RuleScope } from '../../mesh/rule-scope';
import { versionOfSubset } from '../../mesh/subsets';
import { toYaml } from '../changes/yaml';

/**
 * The Routes tab's view of `mesh/rule-scope.ts`: for every VirtualService that affects the
 * service, where it applies and whether it is the one in effect, in the contract's words; and
 * the host's DestinationRules as Istio merges them.
 */

type ScopedVirtualService = RuleScope['virtualServices'][number];

/** A VirtualService's hosts as written. */
export const hostsOf = (obj: MeshObject): string[] => stringList(obj.spec.hosts);

/** The first DNS label of a host as istiod compares it (trimmed, lower-cased). */
const firstLabel = (host: string) => host.trim().toLowerCase().split('.')[0] ?? '';

/** Per object (the cache's objects are frozen, a change is a new object): what `mayConcern` asks. */
const factsOf = new WeakMap<MeshObject, { labels: Set<string>; always: boolean }>();

function facts(obj: MeshObject): { labels: Set<string>; always: boolean } {
  let found = factsOf.get(obj);
  if (found) return found;
  const written = typeof obj.spec.host === 'string' ? [obj.spec.host] : hostsOf(obj);
  const names = [...written, ...destinationsOf(obj).map((d) => d.host)];
  found = {
    labels: new Set(names.map(firstLabel)),
    // A delegate (no hosts) is reached through its root, a delegating root through its delegates,
    // and a wildcard names hosts of any first label: kept for rule-scope.ts to judge.
    always:
      (obj.spec.host === undefined && written.length === 0) ||
      written.some((h) => h.trim().startsWith('*')) ||
      records(obj.spec.http).some((r) => r.delegate !== undefined),
  };
  factsOf.set(obj, found);
  return found;
}

/**
 * Whether a VirtualService or DestinationRule may concern the host, before `ruleScope` judges it
 * (which, over every object of a mesh of 5,000 VirtualServices, was most of a preview's time). A
 * name resolves to the host only when its first label is the host's (short, namespaced and full
 * names alike); wildcards, delegates and delegating roots are always passed on, so the scope is
 * the one over the whole mesh.
 */
export function mayConcern(host: string): (obj: MeshObject) => boolean {
  const label = firstLabel(host);
  return (obj) => {
    const f = facts(obj);
    return f.always || f.labels.has(label);
  };
}

/** A kind's rules, looked up by namespace and by the hosts they may concern. */
export interface RuleIndex {
  /** The rules of a namespace (a rule with no namespace counts as the asked one), in list order. */
  inNamespace(namespace: string): MeshObject[];
  /** The rules `mayConcern(host)` passes, in list order. */
  concerning(host: string): MeshObject[];
}

const indexOfList = new WeakMap<readonly MeshObject[], RuleIndex>();

/**
 * An index over a kind's shared list (MeshObjects.listShared: the same array until the kind
 * changes), built once per list. At 5,000 VirtualServices and as many DestinationRules, walking
 * every rule of the mesh for each request (by namespace, then by host) was most of a routes list's
 * and a preview's time; with the index, a request touches the rules it may concern only.
 */
export function ruleIndex(list: readonly MeshObject[]): RuleIndex {
  let found = indexOfList.get(list);
  if (found) return found;
  const order = new Map<MeshObject, number>();
  const byNamespace = new Map<string, MeshObject[]>();
  const noNamespace: MeshObject[] = [];
  const byLabel = new Map<string, MeshObject[]>();
  const always: MeshObject[] = [];
  const push = <K>(map: Map<K, MeshObject[]>, key: K, obj: MeshObject) => {
    const at = map.get(key);
    if (at) at.push(obj);
    else map.set(key, [obj]);
  };
  for (const obj of list) {
    order.set(obj, order.size);
    const ns = obj.metadata.namespace;
    if (ns === undefined) noNamespace.push(obj);
    else push(byNamespace, ns, obj);
    const f = facts(obj);
    if (f.always) always.push(obj);
    else for (const label of f.labels) push(byLabel, label, obj);
  }
  const inOrder = (a: readonly MeshObject[], b: readonly MeshObject[]) =>
    b.length === 0
      ? [...a]
      : [...a, ...b].sort((x, y) => (order.get(x) as number) - (order.get(y) as number));
  found = {
    inNamespace: (namespace) => inOrder(byNamespace.get(namespace) ?? [], noNamespace),
    concerning: (host) => inOrder(byLabel.get(firstLabel(host)) ?? [], always),
  };
  indexOfList.set(list, found);
  return found;
}

const key = (obj: Pick<MeshObject, 'metadata'>) => `${namespaceOf(obj as MeshObject)}/${obj.metadata.name}`;

function effectOf(vs: ScopedVirtualService): RouteScope['effect'] {
  if (!vs.appliesAt.mesh) return 'gateway';
  return vs.mesh?.state ?? 'in-effect';
}

function ignoredFor(vs: ScopedVirtualService): RouteScope['ignoredFor'] {
  const caller = vs.mesh?.callers.find((c) => c.ignoredFor);
  const winner = caller?.ignoredFor;
  return winner
    ? { namespace: winner.winner.namespace, name: winner.winner.name, reason: winner.reason }
    : undefined;
}

/** One row of the tab that is not a rule of the service's own (read-only here), with why. */
export interface ScopedRow {
  object: MeshObject;
  scope: RouteScope;
  /** Why the rule is shown but not edited from this service. */
  reason: string;
}

export interface RoutesScope {
  /** The scope of each rule, by `namespace/name`. */
  byKey: Map<string, RouteScope>;
  /** Rules that affect the service but are edited elsewhere (other namespaces, wildcards, gateways' rules for other hosts, delegates). */
  others: ScopedRow[];
}

/**
 * Every VirtualService of the scope as a row: those in `editable` (the service's own, in its
 * namespace and naming its host) keep their place in the form; the rest are listed with why they
 * are not edited from this service.
 */
export function routesScope(
  scope: RuleScope,
  target: RouteTarget,
  editable: ReadonlySet<string>,
): RoutesScope {
  const byKey = new Map<string, RouteScope>();
  const others: ScopedRow[] = [];
  for (const vs of scope.virtualServices) {
    const k = key(vs.object);
    const own = editable.has(k);
    const base: RouteScope = {
      namespace: vs.ref.namespace,
      match: vs.match.how,
      host: vs.match.host,
      hosts: hostsOf(vs.object),
      appliesAt: vs.appliesAt,
      exportTo: vs.exportTo.written,
      effect: effectOf(vs),
      missingGateways: vs.missingGateways,
      editable: own,
    };
    const winner = ignoredFor(vs);
    if (winner) base.ignoredFor = winner;
    byKey.set(k, base);
    if (!own) others.push({ object: vs.object, scope: base, reason: whyNotHere(vs, target) });
    for (const d of vs.delegates) {
      if (!d.object || d.problem || d.destinations.length === 0) continue;
      const child: RouteScope = {
        ...base,
        namespace: d.namespace,
        match: 'delegate',
        host: vs.match.host,
        exportTo: (d.object.spec.exportTo as string[] | undefined) ?? ['*'],
        effect: 'delegate',
        delegateOf: vs.ref,
        missingGateways: [],
        editable: false,
      };
      delete child.ignoredFor;
      byKey.set(key(d.object), child);
      others.push({
        object: d.object,
        scope: child,
        reason: contractMessage('yaml.delegateOf', { root: `${vs.ref.namespace}/${vs.ref.name}` }),
      });
    }
  }
  for (const u of scope.unattachedDelegates) {
    const row: RouteScope = {
      namespace: u.ref.namespace,
      match: 'delegate',
      host: '',
      appliesAt: { mesh: false, gateways: [] },
      exportTo: (u.object.spec.exportTo as string[] | undefined) ?? ['*'],
      effect: 'unattached',
      missingGateways: [],
      editable: false,
    };
    byKey.set(key(u.object), row);
    others.push({ object: u.object, scope: row, reason: contractMessage('yaml.unattachedDelegate') });
  }
  return { byKey, others };
}

function whyNotHere(vs: ScopedVirtualService, target: RouteTarget): string {
  if (vs.match.how === 'wildcard') return contractMessage('yaml.wildcardHost', { host: vs.match.host });
  if (vs.match.how === 'destination') return contractMessage('yaml.routesOtherHost', { host: vs.match.host });
  if (vs.ref.namespace !== target.namespace)
    return contractMessage('yaml.otherNamespace', { namespace: vs.ref.namespace });
  return contractMessage('yaml.namespacedHost', { host: vs.match.host });
}

/**
 * The host's DestinationRules as a caller in the service's own namespace gets them merged: each
 * subset with the rule it comes from and the version it selects, the traffic policy in force, and
 * what the merge leaves out.
 */
export function mergedSubsets(scope: RuleScope, target: RouteTarget): MergedSubsets | null {
  const view = scope.destinationRules.callers.find((c) => c.namespace === target.namespace);
  const merged = view?.merged;
  if (!view || !merged) return null;
  return {
    subsets: merged.subsets.map((s) => ({
      name: s.name,
      labels: s.subset.labels ?? {},
      from: s.from,
      version: versionOfSubset(s.subset, target.versions) ?? null,
    })),
    trafficPolicy: merged.trafficPolicy
      ? { yaml: toYaml(merged.trafficPolicy.policy), from: merged.trafficPolicy.from }
      : null,
    ignored: [
      ...merged.ignored.map((i) => ({
        namespace: i.ref.namespace,
        name: i.ref.name,
        what:
          i.what === 'subset'
            ? contractMessage('yaml.subsetDefinedTwice', {
                subset: i.subset ?? '',
                kept: `${i.keptFrom.namespace}/${i.keptFrom.name}`,
              })
            : contractMessage('yaml.secondTrafficPolicy', {
                kept: `${i.keptFrom.namespace}/${i.keptFrom.name}`,
              }),
      })),
      ...view.shadowed.map((s) => ({
        namespace: s.ref.namespace,
        name: s.ref.name,
        what: contractMessage('yaml.destinationRuleNotUsed', { reason: s.reason }),
      })),
    ],
  };
}

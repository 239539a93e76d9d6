import type { RouteForm } from '../contract/routing';
import { contractMessage } from '../contract/messages';
import { jsonEqual } from '../lib/json';
import { kubeKind } from '../lib/kube-kind';
import type { KubeKind } from '../lib/kube-kind';
import { unreachableConditions } from '../contract/routing';
import { hostName, qualifyHost, sameHost, toDnsLabel } from './hosts';
import { fromHttpRoutes, fromTcpRoutes, toHttpRoutes, toTcpRoutes } from './istio-routes';
import type { ReadResult, SubsetReader } from './istio-routes';
import type { HttpRoute, MeshObject, Subset } from './istio-types';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_ANNOTATION, SUBSETS_ANNOTATION, dialectFor } from './model';
import type {
  LiveState,
  PlannedWrite,
  RoutePlan,
  RouteTarget,
  RouteWarning,
  RpcDialect,
  TranslateOptions,
} from './model';
import { fromDubboSpec, fromSofaSpec, toDubboSpec, toSofaSpec } from './rpc-routes';
import { assignSubsets, mergeSubsets, parseOwned, versionOfSubset } from './subsets';

type Json = Record<string, unknown>;

/** The kinds a dialect writes: its routing object and its subset object. */
export function kindsFor(
  dialect: RpcDialect,
  options: TranslateOptions,
): { route: KubeKind; subsets: KubeKind } {
  const make = (group: string, version: string, kind: string, plural: string): KubeKind =>
    kubeKind(`${group}/${version}`, kind, plural);
  if (dialect === 'dubbo') {
    return {
      route: make('service.dubbo.apache.org', 'v1alpha1', 'VirtualService', 'virtualservices'),
      subsets: make('service.dubbo.apache.org', 'v1alpha1', 'DestinationRule', 'destinationrules'),
    };
  }
  // SOFA's control plane reads the talk's format from networking.istio.io/v1alpha3.
  const version = dialect === 'sofa' ? 'v1alpha3' : options.istioVersion;
  return {
    route: make('networking.istio.io', version, 'VirtualService', 'virtualservices'),
    subsets: make('networking.istio.io', version, 'DestinationRule', 'destinationrules'),
  };
}

/** Istio's Gateway, which routing rules name in `gateways` (served in networking.istio.io/v1). */
export const GATEWAY_KIND: KubeKind = kubeKind('networking.istio.io/v1', 'Gateway', 'gateways');

/** The host a dialect's rules name: the mesh host (Istio), the interface (Dubbo), the service ID (SOFA). */
export function routeHost(target: RouteTarget, dialect: RpcDialect): string {
  if (dialect === 'dubbo') return target.name;
  if (dialect === 'sofa') return target.id;
  return target.host;
}

/**
 * The host names an object applies to, read the way the mesh reads its kind: a DestinationRule by
 * its `host`, a routing object (VirtualService) by its `hosts`. A field of the other kind's shape is
 * not part of the schema (the control plane prunes it), so it never counts.
 */
function hostsOf(obj: MeshObject): unknown[] {
  const spec = (obj.spec ?? {}) as Json;
  if (obj.kind === 'DestinationRule') return 'host' in spec ? [spec.host] : [];
  return Array.isArray(spec.hosts) ? (spec.hosts as unknown[]) : [];
}

/**
 * An object's hosts as full names in its namespace (`qualifyHost`; a non-string is left out). Kept
 * per object when the object cannot change (the informer caches' objects are frozen): the routes
 * and rate limits tabs look through a namespace's rules for every request.
 */
const qualifiedOf = new WeakMap<MeshObject, readonly (string | null)[]>();
function qualifiedHosts(obj: MeshObject, namespace: string): readonly (string | null)[] {
  const cacheable = obj.metadata.namespace !== undefined && Object.isFrozen(obj) && Object.isFrozen(obj.spec);
  let found = cacheable ? qualifiedOf.get(obj) : undefined;
  if (!found) {
    found = hostsOf(obj).map((h) => (typeof h === 'string' ? qualifyHost(h, namespace) : null));
    if (cacheable) qualifiedOf.set(obj, found);
  }
  return found;
}

/** Whether a routing or subset object is about the target's host. */
export function isForHost(obj: MeshObject, target: RouteTarget, dialect: RpcDialect): boolean {
  const ns = obj.metadata.namespace ?? target.namespace;
  return qualifiedHosts(obj, ns).includes(qualifyHost(routeHost(target, dialect), ns));
}

/**
 * Whether an object routes the target's host and nothing else: what a hand-written rule must be
 * before it is written for one service. A VirtualService is visible mesh-wide, so a rule that also
 * named another host (or `*`) would let whoever may change this service take over another's traffic.
 * Callers check the object as the control plane stores it (after a dry run), not as it was sent.
 */
export function isOnlyForHost(obj: MeshObject, target: RouteTarget, dialect: RpcDialect): boolean {
  const ns = obj.metadata.namespace ?? target.namespace;
  const host = qualifyHost(routeHost(target, dialect), ns);
  const hosts = qualifiedHosts(obj, ns);
  return hosts.length > 0 && hosts.every((h) => h === host);
}

/** Every subset name an object refers to (`subset` in Istio and Dubbo rules, `lbSubset` in SOFA's). */
export function referencedSubsets(obj: MeshObject | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Json)) {
        if ((k === 'subset' || k === 'lbSubset') && typeof child === 'string') out.add(child);
        else walk(child);
      }
    }
  };
  walk(obj?.spec);
  return out;
}

/**
 * Metadata for an object the console writes. An object it creates carries the console's
 * `managed-by` label and the service it was written for; an object someone else created keeps its
 * labels and annotations exactly as they were: claiming it would show as drift in the GitOps tool
 * (Argo CD, Flux) or chart (Helm) that owns it. What the console changed in such an object is in
 * the console's revisions and, on a real cluster, under its field manager in managedFields.
 */
function withOwnership(
  meta: MeshObject['metadata'],
  target: RouteTarget,
  existing: boolean,
): MeshObject['metadata'] {
  if (existing) return { ...meta };
  const labels = { ...(meta.labels ?? {}) };
  if (labels[MANAGED_BY_LABEL] === undefined) labels[MANAGED_BY_LABEL] = MANAGED_BY;
  return { ...meta, labels, annotations: { ...(meta.annotations ?? {}), [SERVICE_ANNOTATION]: target.id } };
}

function destinationRuleName(target: RouteTarget, dialect: RpcDialect): string {
  if (dialect === 'istio') return toDnsLabel(hostName(target.host));
  const simple = target.name.split('.').pop() ?? target.name;
  return toDnsLabel(`${target.application}-${simple}`.toLowerCase());
}

function versionsUsed(form: RouteForm): string[] {
  const all = [
    ...form.destinations,
    ...(form.routeType === 'condition' ? form.matches.flatMap((m) => m.destinations) : []),
  ];
  return [...new Set(all.map((d) => d.version))];
}

/** What of an object an operator cares about, and `sameContent` compares. */
interface Content {
  spec?: unknown;
  data?: unknown;
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/**
 * Whether two versions of an object say the same: spec (or a ConfigMap's data), labels and
 * annotations, whatever the order of their keys. Writing `next` over `current` would change
 * nothing an operator cares about.
 */
export function sameContent(current: Content | undefined, next: Content): boolean {
  return (
    !!current &&
    jsonEqual(current.spec, next.spec) &&
    jsonEqual(current.data, next.data) &&
    jsonEqual(current.metadata.labels ?? {}, next.metadata.labels ?? {}) &&
    jsonEqual(current.metadata.annotations ?? {}, next.metadata.annotations ?? {})
  );
}

function write(next: MeshObject, current: MeshObject | undefined): PlannedWrite {
  if (!current) return { action: 'create', object: next };
  return { action: sameContent(current, next) ? 'unchanged' : 'update', object: next, current };
}

function subsetsOf(dr: MeshObject | undefined): Subset[] {
  return ((dr?.spec as Json | undefined)?.subsets as Subset[] | undefined) ?? [];
}

/** Every subset of the host, as Istio merges them: the console's DestinationRule first, then the others'. */
function knownSubsets(live: Pick<LiveState, 'destinationRule' | 'otherDestinationRules'>): Subset[] {
  const out: Subset[] = [];
  const seen = new Set<string | undefined>();
  for (const dr of [live.destinationRule, ...(live.otherDestinationRules ?? [])])
    for (const s of subsetsOf(dr)) {
      if (seen.has(s.name)) continue;
      seen.add(s.name);
      out.push(s);
    }
  return out;
}

/**
 * The subset object after a change: `needed` subsets added, the console's own unused ones
 * removed; null when the console created it and nothing is left in it.
 */
function planSubsets(
  target: RouteTarget,
  live: LiveState,
  dialect: RpcDialect,
  options: TranslateOptions,
  needed: Map<string, Record<string, string>>,
): PlannedWrite | null {
  const kinds = kindsFor(dialect, options);
  const current = live.destinationRule;
  const usedElsewhere = new Set<string>();
  for (const other of live.otherRoutes) for (const s of referencedSubsets(other)) usedElsewhere.add(s);
  const owned = parseOwned(current?.metadata.annotations?.[SUBSETS_ANNOTATION]);
  const merged = mergeSubsets(subsetsOf(current), owned, needed, usedElsewhere);
  if (!current && merged.subsets.length === 0) return null;
  const spec: Json = {
    ...((current?.spec as Json | undefined) ?? { host: routeHost(target, dialect) }),
    subsets: merged.subsets,
  };
  const metaBase = current?.metadata ?? {
    name: destinationRuleName(target, dialect),
    namespace: target.namespace,
  };
  const metadata = withOwnership(metaBase, target, current !== undefined);
  // Which subsets the console added, so it removes only its own: recorded when it owns any (or
  // did), never stamped on someone's DestinationRule the console added nothing to.
  const ownedBefore = current?.metadata.annotations?.[SUBSETS_ANNOTATION];
  if (merged.owned.length > 0 || ownedBefore !== undefined)
    metadata.annotations = { ...(metadata.annotations ?? {}), [SUBSETS_ANNOTATION]: merged.owned.join(',') };
  const next: MeshObject = {
    apiVersion: current?.apiVersion ?? kinds.subsets.apiVersion,
    kind: kinds.subsets.kind,
    metadata,
    spec,
  };
  const createdByConsole = current?.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;
  const onlyOwned =
    merged.subsets.length === 0 && Object.keys(spec).every((k) => k === 'host' || k === 'subsets');
  if (current && createdByConsole && onlyOwned) return { action: 'delete', object: current, current };
  return write(next, current);
}

function warningsFor(
  form: RouteForm,
  target: RouteTarget,
  live: LiveState,
  dialect: RpcDialect,
): RouteWarning[] {
  const warnings: RouteWarning[] = [];
  for (const other of live.otherRoutes) {
    warnings.push({
      code: 'second-route-on-host',
      message: contractMessage('routing.secondRouteOnHost', {
        name: other.metadata.name,
        host: routeHost(target, dialect),
      }),
    });
  }
  if (form.routeType === 'condition') {
    for (const i of unreachableConditions(form.matches)) {
      warnings.push({
        code: 'unreachable-condition',
        field: `matches.${i}`,
        message: contractMessage('routing.unreachableCondition', { number: i + 1 }),
      });
    }
  }
  for (const s of subsetsOf(live.destinationRule)) {
    if (s.name && !versionOfSubset(s, target.versions) && Object.keys(s.labels ?? {}).length > 0) {
      const matchesSome = target.versions.some((v) =>
        Object.entries(s.labels ?? {}).every(([k, val]) => v.labels[k] === val),
      );
      if (!matchesSome) {
        warnings.push({
          code: 'subset-matches-no-instance',
          message: contractMessage('routing.subsetMatchesNoInstance', { subset: s.name }),
        });
      }
    }
  }
  for (const d of form.destinations) {
    const v = target.versions.find((t) => t.version === d.version);
    if (v && v.readyInstances === 0 && d.weight === 0) {
      warnings.push({
        code: 'version-without-instances',
        message: contractMessage('routing.versionWithoutInstances', { version: d.version }),
      });
    }
  }
  if (dialect === 'sofa') {
    warnings.push({
      code: 'pruned-by-istio',
      message: contractMessage('routing.prunedByIstio'),
    });
  }
  return warnings;
}

/**
 * The writes that make a routing form true: the routing object (created or updated, keeping what
 * the form does not model), and the subsets it needs merged into the service's subset object.
 * Pure: the live state comes in, the writes go out.
 */
export function planRoute(
  form: RouteForm,
  target: RouteTarget,
  live: LiveState,
  options: TranslateOptions,
): RoutePlan {
  const dialect = dialectFor(target, options);
  const kinds = kindsFor(dialect, options);
  const wanted = versionsUsed(form);
  const targetVersions = target.versions.filter((v) => wanted.includes(v.version));
  const elsewhere = new Set(
    (live.otherDestinationRules ?? []).flatMap((dr) => subsetsOf(dr).map((s) => s.name)),
  );
  const names = assignSubsets(targetVersions, knownSubsets(live), target.versions);
  const subsetOf = (version: string) => names.get(version) ?? toDnsLabel(version);
  const needed = new Map<string, Record<string, string>>();
  // A subset another of the host's DestinationRules defines is used as it is, not copied.
  for (const v of targetVersions)
    if (!elsewhere.has(subsetOf(v.version))) needed.set(subsetOf(v.version), v.labels);

  const current = live.route;
  const spec = routeSpec(form, target, dialect, subsetOf, current);
  const metaBase = current?.metadata ?? { name: form.name, namespace: target.namespace };
  const metadata = withOwnership({ ...metaBase }, target, current !== undefined);
  if (form.resourceVersion !== undefined) metadata.resourceVersion = form.resourceVersion;
  const routeObject: MeshObject = {
    apiVersion: current?.apiVersion ?? kinds.route.apiVersion,
    kind: kinds.route.kind,
    metadata,
    spec,
  };

  const writes: PlannedWrite[] = [];
  const subsets = planSubsets(target, live, dialect, options, needed);
  // Subsets first: a route must never point at a subset that does not exist yet.
  if (subsets) writes.push(subsets);
  writes.push(write(routeObject, current));
  return { writes, warnings: warningsFor(form, target, live, dialect) };
}

function routeSpec(
  form: RouteForm,
  target: RouteTarget,
  dialect: RpcDialect,
  subsetOf: (v: string) => string,
  current: MeshObject | undefined,
): Json {
  const before = (current?.spec as Json | undefined) ?? {};
  if (dialect === 'dubbo') return { ...before, ...toDubboSpec(form, target.name, subsetOf) };
  if (dialect === 'sofa') return { ...before, ...toSofaSpec(form, target.id, subsetOf) };
  const out: Json = { ...before, hosts: (before.hosts as string[] | undefined) ?? [target.host] };
  if (form.gateways !== undefined) {
    if (form.gateways.length > 0) out.gateways = [...form.gateways];
    else delete out.gateways;
  }
  if (form.transport === 'tcp') {
    out.tcp = toTcpRoutes(form, target, subsetOf, (before.tcp as HttpRoute[] | undefined) ?? []);
    delete out.http;
  } else out.http = toHttpRoutes(form, target, subsetOf, (before.http as HttpRoute[] | undefined) ?? []);
  return out;
}

/** Deleting a rule: the routing object goes, and with it the console's subsets no one else uses. */
export function planRouteDelete(target: RouteTarget, live: LiveState, options: TranslateOptions): RoutePlan {
  const dialect = dialectFor(target, options);
  const writes: PlannedWrite[] = [];
  if (live.route) writes.push({ action: 'delete', object: live.route, current: live.route });
  const subsets = planSubsets(target, live, dialect, options, new Map());
  // The route goes first, so no moment exists in which it points at a removed subset.
  if (subsets && subsets.action !== 'unchanged') writes.push(subsets);
  return { writes, warnings: [] };
}

/** Reads a routing object back into the form; `reasons` says why when the form cannot show it. */
export function readRoute(
  obj: MeshObject,
  target: RouteTarget,
  live: Pick<LiveState, 'destinationRule' | 'otherDestinationRules'>,
): ReadResult {
  const subsets = knownSubsets(live);
  const spec = obj.spec as Json;
  const dialect: RpcDialect = obj.apiVersion.startsWith('service.dubbo.apache.org/')
    ? 'dubbo'
    : Array.isArray(spec.dubbo)
      ? 'sofa'
      : 'istio';
  const host = routeHost(target, dialect);
  const versionOf: SubsetReader = (name, where) => {
    const subset = subsets.find((s) => s.name === name);
    if (!subset) return { reason: contractMessage('yaml.subsetUndefined', { where, subset: name, host }) };
    const version = versionOfSubset(subset, target.versions);
    if (version) return { version };
    const labels = JSON.stringify(subset.labels ?? {});
    return { reason: contractMessage('yaml.subsetNotVersion', { where, subset: name, labels }) };
  };
  const name = obj.metadata.name;
  let result: ReadResult;
  if (dialect === 'dubbo') result = fromDubboSpec(spec, name, versionOf);
  else if (dialect === 'sofa') result = fromSofaSpec(spec, name, versionOf);
  else {
    const ns = obj.metadata.namespace ?? target.namespace;
    const isTarget = (h: string) => sameHost(h, target.host, ns);
    const http = spec.http as HttpRoute[] | undefined;
    const tcp = spec.tcp as HttpRoute[] | undefined;
    if (Array.isArray(spec.tls) && spec.tls.length > 0)
      result = { form: null, reasons: [contractMessage('yaml.tlsRoutes')] };
    else if (http?.length && tcp?.length)
      result = { form: null, reasons: [contractMessage('yaml.httpAndTcp')] };
    else if (tcp?.length) result = fromTcpRoutes(tcp, versionOf, isTarget, name);
    else result = fromHttpRoutes(http, target, versionOf, isTarget, name);
    // Where the rule applies, as written: the form shows the gateways and writes them back.
    if (result.form && Array.isArray(spec.gateways)) result.form.gateways = [...(spec.gateways as string[])];
  }
  if (result.form && obj.metadata.resourceVersion) result.form.resourceVersion = obj.metadata.resourceVersion;
  return result;
}

/**
 * A routing object as a revision saved it, to be written over the live one (a rollback): its spec,
 * labels and annotations as they were; the live object's name, namespace and resourceVersion.
 */
export function restoredObject(
  restored: MeshObject,
  current: MeshObject | undefined,
  namespace: string,
): MeshObject {
  return {
    apiVersion: current?.apiVersion ?? restored.apiVersion,
    kind: restored.kind,
    metadata: {
      ...(current?.metadata ?? { name: restored.metadata.name, namespace }),
      labels: restored.metadata.labels ?? {},
      annotations: restored.metadata.annotations ?? {},
    },
    spec: restored.spec,
  };
}

/**
 * Restores a routing object from a revision (a rollback): the object's spec, labels and
 * annotations as they were, written over the live one, and the subsets it refers to merged back
 * into the subset object without touching the others.
 */
export function planRestore(
  target: RouteTarget,
  live: LiveState,
  restored: MeshObject,
  subsetDefinitions: Subset[],
  options: TranslateOptions,
): RoutePlan {
  const dialect = dialectFor(target, options);
  const refs = referencedSubsets(restored);
  const needed = new Map<string, Record<string, string>>();
  for (const s of subsetDefinitions) if (s.name && refs.has(s.name)) needed.set(s.name, s.labels ?? {});
  const current = live.route;
  const object = restoredObject(restored, current, target.namespace);
  const writes: PlannedWrite[] = [];
  const subsets = planSubsets(target, live, dialect, options, needed);
  if (subsets) writes.push(subsets);
  writes.push(write(object, current));
  return { writes, warnings: [] };
}

export { knownSubsets, subsetsOf };

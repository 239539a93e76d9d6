import { qualifyHost } from './hosts';
import type { MeshObject, Subset } from './istio-types';
import { isRecord, records, stringList, unique } from './json';

/**
 * Which Istio objects affect one service, and how, decided as istiod decides it. Pure: the caller
 * reads the objects; nothing here does I/O. Read from Istio's source (istio/istio, master of
 * August 2026), and said where each rule comes from:
 *
 * - Host names (`pilot/pkg/model/config.go` ResolveShortnameToFQDN): only a name without a dot is
 *   qualified in the object's namespace (`reviews` → `reviews.<ns>.svc.cluster.local`); any name
 *   with a dot is taken as written. `reviews.bookinfo` is therefore not the service's host to
 *   istiod: a VirtualService naming it builds a virtual host for the domain `reviews.bookinfo`
 *   only (the service's own virtual host drops that alias, `httproute.go` dedupeDomains), so it
 *   routes requests addressed to `reviews.bookinfo` and no other; a DestinationRule naming it
 *   applies to no service at all. `hostMatches` (which resolves the way the console's
 *   `qualifyHost` does) reports such a name as an `exact` match of `form: 'namespaced'`, and the
 *   scopes below keep it apart. Wildcards match by suffix (`pkg/config/host/name.go` Matches).
 * - Which VirtualService a sidecar uses for a host (`virtualservice_controller.go`
 *   sortMergedVirtualServicesByCreationTime, `virtualservice.go` SelectVirtualServices,
 *   `sidecar.go` computeWildcardHostVirtualServiceIndex, `httproute.go` "duplicate domain"): the
 *   VirtualServices bound to `mesh` (no `gateways`, or `mesh` among them) are sorted oldest first
 *   (metadata.creationTimestamp, to the second; ties by name, then namespace: configCompareByCreationTime
 *   compares Name before Namespace), then taken for a caller's namespace in three tiers: those in
 *   the caller's namespace exported to it, those of other namespaces exported to it by name, and
 *   those exported to `*`. The first of that order to name the host wins; a later one is ignored
 *   for the host. An exact name beats any wildcard, a longer wildcard a shorter one.
 * - At a gateway, VirtualServices on the same host are not exclusive: their routes are appended
 *   in the same order (`gateway.go` vHostDedupMap), so a gateway-bound rule is never "ignored".
 * - exportTo (`push_context.go` initVirtualServices, `virtualservice_controller.go`
 *   convertExportToSet): unset is the mesh default, `*` (the default meshConfig); `.` is the
 *   object's own namespace; `~` is nobody; `*` among others makes it public.
 * - Delegates (`virtualservice_controller.go` mergeVirtualServices): a VirtualService without
 *   hosts is only used through a root's `http[].delegate`; a delegate that is missing, or not
 *   exported to the root's namespace, drops that one route of the root.
 * - DestinationRules (`push_context.go` setDestinationRules and destinationRule,
 *   `destination_rule.go` mergeDestinationRule, `sidecar.go` SidecarScope.DestinationRule): sorted
 *   with workloadSelector ones first, then oldest first; within one namespace, rules for the same
 *   host without workloadSelector and with the same exportTo merge into the first: subsets are
 *   unioned (the first definition of a name wins), the top-level trafficPolicy is the first one
 *   set. A caller in namespace N uses the most specific host match among the rules of N (those
 *   visible in N), else those of the service's namespace exported to N, else those of the root
 *   namespace exported to N. When several merged entries remain (different exportTo), the sidecar
 *   uses the last one without a workloadSelector. A rule with a workloadSelector applies only to
 *   the selected workloads of its own namespace (`.`), and is listed here but not merged.
 *
 * Not modelled: Sidecar resources (egress hosts narrowing what a namespace imports), the meshConfig
 * defaults `defaultVirtualServiceExportTo` / `defaultDestinationRuleExportTo` (taken as `*`), and
 * Gateway API routes.
 */

const ROOT_NAMESPACE = 'istio-system';
/** A caller in a namespace no rule names: only rules exported to `*` reach it. */
const ANY_OTHER_NAMESPACE = '*';

interface RuleRef {
  namespace: string;
  name: string;
}

/** The service whose rules are asked for. */
export interface ScopedService {
  /** Its FQDN host: `reviews.bookinfo.svc.cluster.local`. */
  host: string;
  namespace: string;
  /** Namespaces whose workloads call it, when known (telemetry). */
  callerNamespaces?: readonly string[];
}

export interface MeshConfigObjects {
  virtualServices: readonly MeshObject[];
  destinationRules: readonly MeshObject[];
  /** When given, gateway references are checked (`missingGateways`). */
  gateways?: readonly MeshObject[];
  serviceEntries?: readonly MeshObject[];
}

export interface ScopeOptions {
  /** Istio's root (config) namespace; `istio-system` by default. */
  rootNamespace?: string;
}

// ---------------------------------------------------------------------------------------------
// Hosts

/**
 * How a host as written matches the service:
 *  - `short`: a name without a dot, qualified in the object's namespace (`reviews`);
 *  - `namespaced`: `reviews.bookinfo` or `reviews.bookinfo.svc`, which the console reads as the
 *    service but istiod takes as written (see the file's comment): only requests addressed by
 *    that very name are routed by it, and a DestinationRule naming it applies to nothing;
 *  - `fqdn`: the service's full name.
 */
type ExactForm = 'short' | 'namespaced' | 'fqdn';

export type HostMatch =
  | { how: 'exact'; host: string; form: ExactForm }
  | { how: 'wildcard'; host: string }
  | { how: 'destination'; host: string; paths: string[] };

/**
 * Whether `hostAsWritten` (in an object of `objectNamespace`) names the service `serviceFqdn`:
 * exactly (a short name resolved in the object's namespace, `name.namespace`, or the FQDN), by a
 * wildcard (`*.bookinfo.svc.cluster.local`, `*`), or not at all (null). Case-insensitive, as
 * istiod lower-cases hosts.
 */
export function hostMatches(
  hostAsWritten: string,
  objectNamespace: string,
  serviceFqdn: string,
): Extract<HostMatch, { how: 'exact' | 'wildcard' }> | null {
  const host = hostAsWritten.trim().toLowerCase();
  const service = serviceFqdn.toLowerCase();
  if (host === '') return null;
  if (host.startsWith('*')) {
    return service.endsWith(host.slice(1)) ? { how: 'wildcard', host: hostAsWritten } : null;
  }
  if (qualifyHost(host, objectNamespace) !== service) return null;
  const form: ExactForm = !host.includes('.') ? 'short' : host === service ? 'fqdn' : 'namespaced';
  return { how: 'exact', host: hostAsWritten, form };
}

/** Istio's view: true when the host matches the service as istiod resolves names. */
function resolvesToService(match: HostMatch | null): boolean {
  return match !== null && (match.how !== 'exact' || match.form !== 'namespaced');
}

/** The best of a host list's matches: an exact name before a wildcard, a longer wildcard first. */
function bestMatch(
  hosts: readonly string[],
  namespace: string,
  serviceFqdn: string,
): Extract<HostMatch, { how: 'exact' | 'wildcard' }> | null {
  let best: Extract<HostMatch, { how: 'exact' | 'wildcard' }> | null = null;
  for (const h of hosts) {
    const m = hostMatches(h, namespace, serviceFqdn);
    if (m && (!best || matchRank(m) > matchRank(best))) best = m;
  }
  return best;
}

function matchRank(m: Extract<HostMatch, { how: 'exact' | 'wildcard' }>): number {
  if (m.how === 'wildcard') return m.host.length;
  return m.form === 'namespaced' ? 1_000 : 10_000;
}

// ---------------------------------------------------------------------------------------------
// exportTo

/**
 * An object's visibility: `public` (`*`, also the default when unset), `none` (`~`), else the
 * namespaces it is exported to (`.` resolved to the object's own).
 */
export interface ExportTo {
  /** As written, `['*']` when unset. */
  written: string[];
  public: boolean;
  none: boolean;
  namespaces: string[];
}

export function exportToOf(obj: MeshObject): ExportTo {
  const raw = stringList(obj.spec.exportTo);
  const own = namespaceOf(obj);
  if (raw.length === 0) return { written: ['*'], public: true, none: false, namespaces: [] };
  const isPublic = raw.includes('*');
  const none = !isPublic && raw.includes('~');
  const namespaces =
    isPublic || none ? [] : unique(raw.filter((e) => e !== '~').map((e) => (e === '.' ? own : e)));
  return { written: raw, public: isPublic, none, namespaces };
}

export function visibleTo(exportTo: ExportTo, namespace: string): boolean {
  if (exportTo.public) return true;
  if (exportTo.none) return false;
  return namespace !== ANY_OTHER_NAMESPACE && exportTo.namespaces.includes(namespace);
}

// ---------------------------------------------------------------------------------------------
// VirtualServices

/** Where a VirtualService applies: the sidecars (`mesh`) and/or gateways, as `namespace/name`. */
export interface AppliesAt {
  mesh: boolean;
  gateways: string[];
}

/** Why a mesh VirtualService is not the one a caller's sidecar uses for the host. */
type IgnoredReason =
  /** The winner names the service exactly, or by a longer wildcard. */
  | 'more-specific-host'
  /** The winner is in the caller's namespace and exported to it (istiod takes those first). */
  | 'caller-namespace'
  /** The winner is exported to the caller's namespace by name (taken before `*` exports). */
  | 'exported-to-caller'
  /** Same tier: the winner was created earlier. */
  | 'older'
  /** Same tier, created in the same second: the winner's name (then namespace) sorts first. */
  | 'same-age-name-order';

interface CallerEffect {
  /** The caller's namespace, or `*` for any namespace no rule names (public rules only). */
  namespace: string;
  visible: boolean;
  inEffect: boolean;
  /** When visible and not in effect: the VirtualService in effect instead, and why. */
  ignoredFor?: { winner: RuleRef; reason: IgnoredReason };
}

/**
 * Whether a mesh-bound VirtualService is the one in effect for the host: for every considered
 * caller namespace (the service's, its known callers', the namespaces of the competing rules, and
 * `*`), and in sum: `in-effect` for every caller it is visible to, `ignored` for all of them,
 * `partly`, or `hidden` (visible to none of them).
 */
interface MeshPrecedence {
  state: 'in-effect' | 'ignored' | 'partly' | 'hidden';
  callers: CallerEffect[];
}

export interface DestinationPath {
  /** Where in the object, as `spec.http[0].route[1]`. */
  path: string;
  host: string;
}

interface DelegateLink {
  /** The root's route that delegates: `spec.http[1]`. */
  path: string;
  namespace: string;
  name: string;
  /** The delegate VirtualService, when it exists. */
  object?: MeshObject;
  /**
   * Why istiod drops the root's route: no such VirtualService (one with hosts is no delegate),
   * or it is not exported to the root's namespace.
   */
  problem?: 'not-found' | 'has-hosts' | 'not-exported';
  /** Where the delegate's own routes send traffic to the service. */
  destinations: DestinationPath[];
}

interface ScopedVirtualService {
  ref: RuleRef;
  object: MeshObject;
  match: HostMatch;
  appliesAt: AppliesAt;
  /** Gateways named that do not exist (only when gateways were given). */
  missingGateways: string[];
  exportTo: ExportTo;
  /** Where its own routes (and mirrors) send traffic to the service. */
  destinations: DestinationPath[];
  /** For a root: its delegates, in route order. */
  delegates: DelegateLink[];
  /** For a mesh-bound rule whose hosts name the service: which rule each caller's sidecar uses. */
  mesh?: MeshPrecedence;
}

/** A delegate that routes to the service but that no root names: istiod ignores it. */
interface UnattachedDelegate {
  ref: RuleRef;
  object: MeshObject;
  destinations: DestinationPath[];
}

interface ScopedServiceEntry {
  ref: RuleRef;
  object: MeshObject;
  match: Extract<HostMatch, { how: 'exact' | 'wildcard' }>;
  exportTo: ExportTo;
}

export interface RuleScope {
  /** Oldest first (istiod's order). */
  virtualServices: ScopedVirtualService[];
  unattachedDelegates: UnattachedDelegate[];
  destinationRules: DestinationRuleScope;
  serviceEntries: ScopedServiceEntry[];
}

const MESH_GATEWAY = 'mesh';

/**
 * A gateway reference as istiod resolves it (`config.go` resolveGatewayName): `name` and `./name`
 * are in the VirtualService's namespace, `ns/name` is kept, the legacy `name.ns.svc.cluster.local`
 * becomes `ns/name`.
 */
export function qualifyGateway(gateway: string, vsNamespace: string): string {
  if (gateway === MESH_GATEWAY) return gateway;
  const slash = gateway.indexOf('/');
  if (slash >= 0) {
    const ns = gateway.slice(0, slash);
    return ns === '.' ? `${vsNamespace}/${gateway.slice(slash + 1)}` : gateway;
  }
  const dot = gateway.indexOf('.');
  if (dot < 0) return `${vsNamespace}/${gateway}`;
  const rest = gateway.slice(dot + 1);
  const nsEnd = rest.indexOf('.');
  return `${nsEnd < 0 ? rest : rest.slice(0, nsEnd)}/${gateway.slice(0, dot)}`;
}

/** Where a VirtualService without gateways applies: one answer for all, asked of every rule on every read. */
const MESH_ONLY: AppliesAt = Object.freeze({
  mesh: true,
  gateways: Object.freeze([]) as unknown as string[],
});

export function appliesAtOf(vs: MeshObject): AppliesAt {
  const listed = vs.spec.gateways;
  if (listed === undefined || (Array.isArray(listed) && listed.length === 0)) return MESH_ONLY;
  const written = stringList(listed);
  if (written.length === 0) return MESH_ONLY;
  const ns = namespaceOf(vs);
  return {
    mesh: written.includes(MESH_GATEWAY),
    gateways: unique(written.filter((g) => g !== MESH_GATEWAY).map((g) => qualifyGateway(g, ns))),
  };
}

/** Every destination of a VirtualService's routes (http, tcp, tls) and mirrors, with its path. */
export function destinationsOf(vs: MeshObject): DestinationPath[] {
  const out: DestinationPath[] = [];
  for (const section of ['http', 'tcp', 'tls'] as const) {
    records(vs.spec[section]).forEach((route, i) => {
      records(route.route).forEach((dest, j) => {
        const host = hostOf(dest.destination);
        if (host) out.push({ path: `spec.${section}[${i}].route[${j}]`, host });
      });
      if (section !== 'http') return;
      const mirror = hostOf(route.mirror);
      if (mirror) out.push({ path: `spec.http[${i}].mirror`, host: mirror });
      records(route.mirrors).forEach((m, j) => {
        const host = hostOf(m.destination);
        if (host) out.push({ path: `spec.http[${i}].mirrors[${j}]`, host });
      });
    });
  }
  return out;
}

/** Destinations that send to the service as istiod resolves them (`namespaced` names do not). */
function destinationsTo(vs: MeshObject, serviceFqdn: string): DestinationPath[] {
  const ns = namespaceOf(vs);
  return destinationsOf(vs).filter((d) => {
    const m = hostMatches(d.host, ns, serviceFqdn);
    return m?.how === 'exact' && m.form !== 'namespaced';
  });
}

/** The routes of a root that delegate, with their targets resolved as istiod does. */
function delegatesOf(root: MeshObject, all: readonly MeshObject[], serviceFqdn?: string): DelegateLink[] {
  const rootNs = namespaceOf(root);
  const out: DelegateLink[] = [];
  records(root.spec.http).forEach((route, i) => {
    const delegate = route.delegate;
    if (!isRecord(delegate) || typeof delegate.name !== 'string') return;
    const namespace =
      typeof delegate.namespace === 'string' && delegate.namespace !== '' ? delegate.namespace : rootNs;
    const link: DelegateLink = { path: `spec.http[${i}]`, namespace, name: delegate.name, destinations: [] };
    const child = all.find((o) => o.metadata.name === delegate.name && namespaceOf(o) === namespace);
    if (!child) link.problem = 'not-found';
    else {
      link.object = child;
      if (stringList(child.spec.hosts).length > 0) link.problem = 'has-hosts';
      else if (!visibleTo(exportToOf(child), rootNs)) link.problem = 'not-exported';
      if (serviceFqdn) link.destinations = destinationsTo(child, serviceFqdn);
    }
    out.push(link);
  });
  return out;
}

/**
 * Every VirtualService that affects the service's traffic, oldest first: those whose hosts name
 * it (exactly or by a wildcard; at a gateway only an exact name counts, as a wildcard there names
 * outside hosts), and those whose routes or delegates send to it (`destination`), with delegates
 * attached to their root.
 */
function scopeVirtualServices(
  service: ScopedService,
  objects: MeshConfigObjects,
): { scoped: ScopedVirtualService[]; unattached: UnattachedDelegate[] } {
  const sorted = [...objects.virtualServices].sort(byCreation);
  const gatewayNames = objects.gateways
    ? new Set(objects.gateways.map((g) => `${namespaceOf(g)}/${g.metadata.name}`))
    : null;
  const scoped: ScopedVirtualService[] = [];
  const attachedChildren = new Set<string>();

  for (const vs of sorted) {
    const hosts = stringList(vs.spec.hosts);
    if (hosts.length === 0) continue; // a delegate: reached through its root
    const ns = namespaceOf(vs);
    const appliesAt = appliesAtOf(vs);
    const delegates = delegatesOf(vs, sorted, service.host);
    for (const d of delegates) if (!d.problem) attachedChildren.add(`${d.namespace}/${d.name}`);
    const destinations = destinationsTo(vs, service.host);
    const delegating = delegates.filter((d) => !d.problem && d.destinations.length > 0);

    let match: HostMatch | null = bestMatch(hosts, ns, service.host);
    if (match && !appliesAt.mesh && match.how === 'wildcard') match = null;
    if (!match && (destinations.length > 0 || delegating.length > 0)) {
      // The root's own routes, and its routes that delegate to a rule routing to the service.
      const paths = [...destinations.map((d) => d.path), ...delegating.map((d) => d.path)];
      match = { how: 'destination', host: hosts[0] ?? '', paths };
    }
    if (!match) continue;
    scoped.push({
      ref: refOf(vs),
      object: vs,
      match,
      appliesAt,
      missingGateways: gatewayNames ? appliesAt.gateways.filter((g) => !gatewayNames.has(g)) : [],
      exportTo: exportToOf(vs),
      destinations,
      delegates,
    });
  }

  const unattached: UnattachedDelegate[] = [];
  for (const vs of sorted) {
    if (stringList(vs.spec.hosts).length > 0) continue;
    if (attachedChildren.has(`${namespaceOf(vs)}/${vs.metadata.name}`)) continue;
    const destinations = destinationsTo(vs, service.host);
    if (destinations.length > 0) unattached.push({ ref: refOf(vs), object: vs, destinations });
  }

  addMeshPrecedence(service, scoped);
  return { scoped, unattached };
}

/** The tier of a VirtualService for a caller (SelectVirtualServices' order), null when hidden. */
function tierFor(vs: ScopedVirtualService, caller: string): 0 | 1 | 2 | null {
  if (!visibleTo(vs.exportTo, caller)) return null;
  if (vs.exportTo.public) return 2;
  return vs.ref.namespace === caller ? 0 : 1;
}

/**
 * The class of names a mesh rule competes in: the service's own name (short or FQDN), one
 * `name.namespace` alias (a domain of its own), or the service by wildcard (which loses to any
 * exact name, and to a longer wildcard).
 */
function competitionKey(m: HostMatch): string | null {
  if (m.how === 'exact') return m.form === 'namespaced' ? `alias:${m.host.toLowerCase()}` : 'service';
  return m.how === 'wildcard' ? 'service' : null;
}

function addMeshPrecedence(service: ScopedService, scoped: ScopedVirtualService[]): void {
  const contenders = scoped.filter((s) => s.appliesAt.mesh && competitionKey(s.match) !== null);
  if (contenders.length === 0) return;
  const callers = unique([
    service.namespace,
    ...(service.callerNamespaces ?? []),
    ...contenders.map((c) => c.ref.namespace),
    ANY_OTHER_NAMESPACE,
  ]);
  const effects = new Map<ScopedVirtualService, CallerEffect[]>(contenders.map((c) => [c, []]));

  for (const caller of callers) {
    // Contenders are already oldest first: a stable sort by tier gives istiod's order.
    const ordered = contenders
      .map((c) => ({ c, tier: tierFor(c, caller) }))
      .filter((x): x is { c: ScopedVirtualService; tier: 0 | 1 | 2 } => x.tier !== null)
      .sort((a, b) => a.tier - b.tier);
    const winners = new Map<string, { c: ScopedVirtualService; tier: number }>();
    for (const entry of ordered) {
      const key = competitionKey(entry.c.match) ?? '';
      const held = winners.get(key);
      if (!held || rankOf(entry.c.match) > rankOf(held.c.match)) winners.set(key, entry);
    }
    for (const c of contenders) {
      const tier = tierFor(c, caller);
      const list = effects.get(c) ?? [];
      if (tier === null) {
        list.push({ namespace: caller, visible: false, inEffect: false });
        continue;
      }
      const winner = winners.get(competitionKey(c.match) ?? '');
      if (!winner || winner.c === c) {
        list.push({ namespace: caller, visible: true, inEffect: true });
        continue;
      }
      list.push({
        namespace: caller,
        visible: true,
        inEffect: false,
        ignoredFor: { winner: winner.c.ref, reason: ignoredReason(c, tier, winner.c, winner.tier) },
      });
    }
  }

  for (const c of contenders) {
    const list = effects.get(c) ?? [];
    const visible = list.filter((e) => e.visible);
    const inEffect = visible.filter((e) => e.inEffect).length;
    const state =
      visible.length === 0
        ? 'hidden'
        : inEffect === visible.length
          ? 'in-effect'
          : inEffect === 0
            ? 'ignored'
            : 'partly';
    c.mesh = { state, callers: list };
  }
}

/** Exact names rank above wildcards, longer wildcards above shorter; equal ranks keep istiod's order. */
function rankOf(m: HostMatch): number {
  if (m.how === 'exact') return Number.MAX_SAFE_INTEGER;
  return m.how === 'wildcard' ? m.host.length : 0;
}

function ignoredReason(
  loser: ScopedVirtualService,
  loserTier: number,
  winner: ScopedVirtualService,
  winnerTier: number,
): IgnoredReason {
  if (rankOf(winner.match) > rankOf(loser.match)) return 'more-specific-host';
  if (winnerTier < loserTier) return winnerTier === 0 ? 'caller-namespace' : 'exported-to-caller';
  return createdAt(winner.object) < createdAt(loser.object) ? 'older' : 'same-age-name-order';
}

// ---------------------------------------------------------------------------------------------
// DestinationRules

type DestinationRuleMatch = Extract<HostMatch, { how: 'exact' | 'wildcard' }>;

interface ScopedDestinationRule {
  ref: RuleRef;
  object: MeshObject;
  match: DestinationRuleMatch;
  exportTo: ExportTo;
  /** Set when the rule applies only to the selected workloads of its own namespace. */
  workloadSelector?: Record<string, string>;
}

interface MergedSubset {
  name: string;
  subset: Subset;
  from: RuleRef;
}

/** What one merge left out, and what was kept instead. */
interface IgnoredPart {
  ref: RuleRef;
  what: 'subset' | 'trafficPolicy';
  /** The subset's name, for `subset`. */
  subset?: string;
  keptFrom: RuleRef;
}

/** Several DestinationRules as istiod merges them into one. */
interface MergedDestinationRule {
  /** The host the rules name, as istiod keys it (FQDN or wildcard). */
  host: string;
  /** The rules merged, in merge order (the first is the base). */
  from: RuleRef[];
  subsets: MergedSubset[];
  trafficPolicy: { policy: Record<string, unknown>; from: RuleRef } | null;
  ignored: IgnoredPart[];
}

type ShadowReason =
  /** Not exported to the caller's namespace. */
  | 'not-exported'
  /** Another rule's host names the service more specifically (exact over wildcard, longer wildcard). */
  | 'less-specific-host'
  /** A rule of an earlier namespace in the lookup (the caller's, then the service's) was found first. */
  | 'earlier-namespace'
  /** Its exportTo differs from the merged rule's, so it stays a separate entry, and the sidecar uses the other. */
  | 'separate-export'
  /** It has a workloadSelector: only the selected workloads of its namespace use it. */
  | 'workload-selector'
  /** Its host is `name.namespace`, which istiod does not resolve to the service. */
  | 'namespaced-host'
  /** Neither in the caller's namespace, the service's, nor the root namespace. */
  | 'other-namespace';

interface ShadowedRule {
  ref: RuleRef;
  reason: ShadowReason;
}

interface CallerDestinationRule {
  /** The caller's namespace, or `*` for any namespace without rules of its own. */
  namespace: string;
  /** Where istiod found the rule: the caller's namespace, the service's, or the root namespace. */
  from: 'caller-namespace' | 'service-namespace' | 'root-namespace' | null;
  merged: MergedDestinationRule | null;
  shadowed: ShadowedRule[];
}

interface DestinationRuleScope {
  /** Every DestinationRule whose host names the service, oldest first. */
  matching: ScopedDestinationRule[];
  /** What each considered caller's sidecar uses (first: callers in the service's own namespace). */
  callers: CallerDestinationRule[];
}

/** istiod's DestinationRule order: with a workloadSelector first, then oldest first. */
function byDestinationRuleOrder(a: MeshObject, b: MeshObject): number {
  const sa = selectorOf(a) ? 0 : 1;
  const sb = selectorOf(b) ? 0 : 1;
  return sa - sb || byCreation(a, b);
}

function selectorOf(dr: MeshObject): Record<string, string> | undefined {
  const ws = dr.spec.workloadSelector;
  if (!isRecord(ws) || !isRecord(ws.matchLabels)) return undefined;
  return Object.fromEntries(
    Object.entries(ws.matchLabels).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** The key istiod files a rule under: the host resolved (dotless names only), lower-cased. */
function drHostKey(dr: MeshObject): string {
  const host = (typeof dr.spec.host === 'string' ? dr.spec.host : '').toLowerCase();
  return host.includes('.') || host.startsWith('*') ? host : qualifyHost(host, namespaceOf(dr));
}

interface Consolidated {
  exportKey: string;
  exportSet: ReadonlySet<string>;
  rules: ScopedDestinationRule[];
}

/**
 * One namespace's index for one host key, as mergeDestinationRule builds it with the enhanced
 * merge (istiod's default) for rules without a workloadSelector: a rule merges into every entry
 * whose exportTo (as written: `.` and the namespace's name differ, unset and `*` differ) is the
 * same set or a non-empty subset of its own; it starts an entry of its own when it did not merge
 * into the last entry (istiod's loop keeps only the last iteration's verdict).
 */
function consolidate(rules: readonly ScopedDestinationRule[]): Consolidated[] {
  const entries: Consolidated[] = [];
  for (const rule of rules) {
    const set = new Set(stringList(rule.object.spec.exportTo));
    const key = [...set].sort().join(',');
    let separately = true;
    for (const entry of entries) {
      const merges =
        key === entry.exportKey ||
        (entry.exportSet.size > 0 && [...entry.exportSet].every((e) => set.has(e)));
      separately = !merges;
      if (merges) entry.rules.push(rule);
    }
    if (separately) entries.push({ exportKey: key, exportSet: set, rules: [rule] });
  }
  return entries;
}

function mergeEntry(host: string, rules: readonly ScopedDestinationRule[]): MergedDestinationRule {
  const subsets: MergedSubset[] = [];
  const ignored: IgnoredPart[] = [];
  let trafficPolicy: MergedDestinationRule['trafficPolicy'] = null;
  for (const rule of rules) {
    for (const subset of records(rule.object.spec.subsets)) {
      const name = typeof subset.name === 'string' ? subset.name : '';
      const kept = subsets.find((s) => s.name === name);
      if (kept) ignored.push({ ref: rule.ref, what: 'subset', subset: name, keptFrom: kept.from });
      else subsets.push({ name, subset: subset as Subset, from: rule.ref });
    }
    const policy = rule.object.spec.trafficPolicy;
    if (isRecord(policy)) {
      if (trafficPolicy) ignored.push({ ref: rule.ref, what: 'trafficPolicy', keptFrom: trafficPolicy.from });
      else trafficPolicy = { policy, from: rule.ref };
    }
  }
  return { host, from: rules.map((r) => r.ref), subsets, ignored, trafficPolicy };
}

/** Whether a rule is in namespace N's own index (namespaceLocal): exported to `.`, `*`, N, or unset. */
function inOwnIndex(dr: ScopedDestinationRule): boolean {
  const raw = stringList(dr.object.spec.exportTo);
  return raw.length === 0 || raw.includes('*') || raw.includes('.') || raw.includes(dr.ref.namespace);
}

/** Whether a rule is only for its own namespace (kept out of the exported index). */
function privateOnly(dr: ScopedDestinationRule): boolean {
  const raw = unique(stringList(dr.object.spec.exportTo));
  return raw.length === 1 && (raw[0] === '.' || raw[0] === dr.ref.namespace);
}

function exportedToClient(entry: Consolidated, client: string): boolean {
  const set = entry.exportSet;
  return set.size === 0 || set.has('*') || (client !== ANY_OTHER_NAMESPACE && set.has(client));
}

/** The most specific host key among rules (MostSpecificHostMatch): exact, else the longest wildcard. */
function mostSpecific(rules: readonly ScopedDestinationRule[]): string | null {
  let best: string | null = null;
  for (const r of rules) {
    const key = drHostKey(r.object);
    if (best === null || hostRank(key) > hostRank(best)) best = key;
  }
  return best;
}

function hostRank(key: string): number {
  return key.startsWith('*') ? key.length : Number.MAX_SAFE_INTEGER;
}

function scopeDestinationRules(
  service: ScopedService,
  objects: MeshConfigObjects,
  rootNamespace: string,
): DestinationRuleScope {
  const matching: ScopedDestinationRule[] = [];
  for (const dr of [...objects.destinationRules].sort(byDestinationRuleOrder)) {
    const host = typeof dr.spec.host === 'string' ? dr.spec.host : '';
    const match = hostMatches(host, namespaceOf(dr), service.host);
    if (!match) continue;
    const selector = selectorOf(dr);
    matching.push({
      ref: refOf(dr),
      object: dr,
      match,
      exportTo: exportToOf(dr),
      ...(selector ? { workloadSelector: selector } : {}),
    });
  }
  // What istiod can use: the host resolves to the service, and no workloadSelector (those are
  // private to the selected workloads of their namespace; listed, not merged).
  const usable = matching.filter((m) => resolvesToService(m.match) && !m.workloadSelector);

  const callers = unique([service.namespace, ...(service.callerNamespaces ?? []), ANY_OTHER_NAMESPACE]);
  return {
    matching,
    callers: callers.map((caller) => callerView(caller, service, matching, usable, rootNamespace)),
  };
}

function callerView(
  caller: string,
  service: ScopedService,
  matching: readonly ScopedDestinationRule[],
  usable: readonly ScopedDestinationRule[],
  rootNamespace: string,
): CallerDestinationRule {
  type Found = { from: CallerDestinationRule['from']; host: string; entries: Consolidated[] };
  const lookIn = (namespace: string, pool: readonly ScopedDestinationRule[]): Found | null => {
    const host = mostSpecific(pool);
    if (host === null) return null;
    const entries = consolidate(pool.filter((r) => drHostKey(r.object) === host));
    const visible = entries.filter((e) => exportedToClient(e, caller));
    if (visible.length === 0) return null;
    const from = namespace === service.namespace ? 'service-namespace' : 'root-namespace';
    return { from, host, entries: visible };
  };

  let found: Found | null = null;
  // 1. The caller's own namespace (for the root namespace: its private rules).
  if (caller !== ANY_OTHER_NAMESPACE) {
    const pool =
      caller === rootNamespace
        ? usable.filter((r) => r.ref.namespace === caller && privateOnly(r))
        : usable.filter((r) => r.ref.namespace === caller && inOwnIndex(r));
    const host = mostSpecific(pool);
    if (host !== null) {
      const entries = consolidate(pool.filter((r) => drHostKey(r.object) === host));
      found = { from: 'caller-namespace', host, entries };
    }
  }
  // 2. The service's namespace, 3. the root namespace: their rules exported to the caller.
  for (const ns of [service.namespace, rootNamespace]) {
    if (found) break;
    found = lookIn(
      ns,
      usable.filter((r) => r.ref.namespace === ns && !privateOnly(r)),
    );
  }

  // The sidecar takes the last entry without a workloadSelector (SidecarScope.DestinationRule).
  const chosen = found?.entries[found.entries.length - 1];
  const merged = found && chosen ? mergeEntry(found.host, chosen.rules) : null;
  const used = new Set(chosen?.rules ?? []);
  const shadowed: ShadowedRule[] = [];
  for (const rule of matching) {
    if (used.has(rule)) continue;
    shadowed.push({ ref: rule.ref, reason: shadowReason(rule, caller, found, service, rootNamespace) });
  }
  return { namespace: caller, from: found?.from ?? null, merged, shadowed };
}

function shadowReason(
  rule: ScopedDestinationRule,
  caller: string,
  found: { from: CallerDestinationRule['from']; host: string; entries: Consolidated[] } | null,
  service: ScopedService,
  rootNamespace: string,
): ShadowReason {
  if (!resolvesToService(rule.match)) return 'namespaced-host';
  if (rule.workloadSelector) return 'workload-selector';
  const ns = rule.ref.namespace;
  const known = ns === caller || ns === service.namespace || ns === rootNamespace;
  if (!known) return 'other-namespace';
  const visible =
    ns === caller
      ? caller === rootNamespace
        ? privateOnly(rule)
        : inOwnIndex(rule)
      : !privateOnly(rule) && visibleTo(rule.exportTo, caller);
  if (!visible) return 'not-exported';
  if (!found) return 'not-exported';
  if (found.entries.some((e) => e.rules.includes(rule))) return 'separate-export';
  const foundNamespace =
    found.from === 'caller-namespace'
      ? caller
      : found.from === 'service-namespace'
        ? service.namespace
        : rootNamespace;
  if (ns !== foundNamespace) return 'earlier-namespace';
  return drHostKey(rule.object) !== found.host ? 'less-specific-host' : 'separate-export';
}

// ---------------------------------------------------------------------------------------------
// The whole scope

/** Every Istio object that affects `service`, and how, as istiod decides it. */
export function ruleScope(
  service: ScopedService,
  objects: MeshConfigObjects,
  options: ScopeOptions = {},
): RuleScope {
  const rootNamespace = options.rootNamespace ?? ROOT_NAMESPACE;
  const { scoped, unattached } = scopeVirtualServices(service, objects);
  const serviceEntries: ScopedServiceEntry[] = [];
  for (const se of [...(objects.serviceEntries ?? [])].sort(byCreation)) {
    const match = bestMatch(stringList(se.spec.hosts), namespaceOf(se), service.host);
    if (match) serviceEntries.push({ ref: refOf(se), object: se, match, exportTo: exportToOf(se) });
  }
  return {
    virtualServices: scoped,
    unattachedDelegates: unattached,
    destinationRules: scopeDestinationRules(service, objects, rootNamespace),
    serviceEntries,
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

export function namespaceOf(obj: MeshObject): string {
  return obj.metadata.namespace ?? 'default';
}

function refOf(obj: MeshObject): RuleRef {
  return { namespace: namespaceOf(obj), name: obj.metadata.name };
}

/** Milliseconds since the epoch; a missing or unreadable time sorts first (Go's zero time). */
function createdAt(obj: MeshObject): number {
  const t = obj.metadata.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** istiod's configCompareByCreationTime: creation time, then name, then namespace. */
function byCreation(a: MeshObject, b: MeshObject): number {
  const ta = createdAt(a);
  const tb = createdAt(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return compare(a.metadata.name, b.metadata.name) || compare(namespaceOf(a), namespaceOf(b));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function hostOf(v: unknown): string | undefined {
  return isRecord(v) && typeof v.host === 'string' ? v.host : undefined;
}

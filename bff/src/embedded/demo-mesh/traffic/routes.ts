import type { ServiceDetail } from '../../../contract/catalog';
import type { Destination, RouteForm, RouteMatch } from '../../../contract/routing';
import { UNKNOWN } from '../../../features/monitoring/istio-metrics';
import { routeTarget } from '../../../features/routing/target';
import { qualifyHost } from '../../../mesh/hosts';
import type { MeshObject } from '../../../mesh/istio-types';
import { MANAGED_BY, MANAGED_BY_LABEL, isRpcProtocol } from '../../../mesh/model';
import type { RpcDialect } from '../../../mesh/model';
import { isForHost, readRoute } from '../../../mesh/plan';
import { matches } from './requests';
import type { RequestKind } from './requests';

/** The routing objects the mesh holds: what the control plane's informers list. */
export interface RuleSnapshot {
  virtualServices: readonly MeshObject[];
  destinationRules: readonly MeshObject[];
}

/** The share of a service's requests each version gets (0..1, summing to 1), for one kind of caller. */
export type VersionShares = Map<string, number>;

/** A service's routing as traffic sees it: conditions in order, then the default split. */
export interface TrafficRoute {
  rule: string;
  conditions: { match: RouteMatch; destinations: Destination[] }[];
  destinations: Destination[];
}

const DUBBO_GROUP = 'service.dubbo.apache.org/';
const isDubbo = (o: MeshObject) => o.apiVersion.startsWith(DUBBO_GROUP);
const isSofa = (o: MeshObject) => !isDubbo(o) && Array.isArray((o.spec as { dubbo?: unknown }).dubbo);

function hostsOf(o: MeshObject): string[] {
  const spec = o.spec as { hosts?: unknown; host?: unknown };
  const raw = Array.isArray(spec.hosts) ? spec.hosts : typeof spec.host === 'string' ? [spec.host] : [];
  const ns = o.metadata.namespace ?? 'default';
  return raw.filter((h): h is string => typeof h === 'string').flatMap((h) => [h, qualifyHost(h, ns)]);
}

function index(objects: readonly MeshObject[]): Map<string, MeshObject[]> {
  const out = new Map<string, MeshObject[]>();
  for (const o of objects) {
    for (const h of new Set(hostsOf(o))) {
      const list = out.get(h);
      if (list) list.push(o);
      else out.set(h, [o]);
    }
  }
  return out;
}

const created = (o: MeshObject) =>
  String((o.metadata as { creationTimestamp?: unknown }).creationTimestamp ?? '');

/** Oldest first, as Istio resolves two routing objects for one host; then by name, for a stable order. */
const byAge = (a: MeshObject, b: MeshObject) =>
  created(a).localeCompare(created(b)) || a.metadata.name.localeCompare(b.metadata.name);

/**
 * Reads the mesh's routing objects into per-service traffic routes, through the same reader the
 * routing form uses (readRoute), so the simulated traffic obeys exactly what the console shows. A rule
 * the form cannot read (hand-written beyond the form) is ignored, and the service's traffic spreads
 * over its instances as it does without a rule. For an RPC service, rules of the configured dialect
 * win over others on the same host.
 */
export class RouteTable {
  private readonly routes = new Map<string, TrafficRoute | null>();
  private readonly vsByHost: Map<string, MeshObject[]>;
  private readonly drByHost: Map<string, MeshObject[]>;

  constructor(
    rules: RuleSnapshot,
    private readonly dialect: RpcDialect,
  ) {
    this.vsByHost = index(rules.virtualServices);
    this.drByHost = index(rules.destinationRules);
  }

  private candidates(byHost: Map<string, MeshObject[]>, service: ServiceDetail): MeshObject[] {
    const keys = new Set([
      service.host,
      qualifyHost(service.host, service.namespace),
      service.id,
      service.name,
    ]);
    const found = new Set<MeshObject>();
    for (const k of keys) for (const o of byHost.get(k) ?? []) found.add(o);
    return [...found];
  }

  /** The route of a service, or null when traffic goes to every instance alike. */
  route(service: ServiceDetail): TrafficRoute | null {
    const cached = this.routes.get(service.id);
    if (cached !== undefined) return cached;
    const route = this.build(service);
    this.routes.set(service.id, route);
    return route;
  }

  private build(service: ServiceDetail): TrafficRoute | null {
    const target = routeTarget(service);
    const dialectOf = (o: MeshObject): RpcDialect => (isDubbo(o) ? 'dubbo' : isSofa(o) ? 'sofa' : 'istio');
    const preferred = isRpcProtocol(service.protocol) ? this.dialect : 'istio';
    const routes = this.candidates(this.vsByHost, service)
      .filter((o) => isForHost(o, target, dialectOf(o)) && bindsMesh(o))
      .sort((a, b) => Number(dialectOf(b) === preferred) - Number(dialectOf(a) === preferred) || byAge(a, b));
    for (const vs of routes) {
      const dialect = dialectOf(vs);
      const group = vs.apiVersion.split('/')[0];
      const drs = this.candidates(this.drByHost, service)
        .filter((d) => d.apiVersion.split('/')[0] === group && isForHost(d, target, dialect))
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      const destinationRule = drs.find((d) => d.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) ?? drs[0];
      const { form } = readRoute(vs, target, destinationRule ? { destinationRule } : {});
      if (form) return toTrafficRoute(vs.metadata.name, form);
    }
    return null;
  }
}

/**
 * Whether a VirtualService applies to the sidecars (calls inside the mesh): no `gateways`, or
 * `mesh` among them. One bound only to gateways routes what enters through them, not the calls
 * this simulation makes between services.
 */
function bindsMesh(vs: MeshObject): boolean {
  const gateways = (vs.spec as { gateways?: unknown }).gateways;
  return !Array.isArray(gateways) || gateways.length === 0 || gateways.includes('mesh');
}

function toTrafficRoute(rule: string, form: RouteForm): TrafficRoute {
  return {
    rule,
    conditions: form.routeType === 'condition' ? form.matches : [],
    destinations: form.destinations,
  };
}

/** Without a rule, Envoy balances over every ready endpoint: each version's share is its share of them. */
function instanceShares(service: ServiceDetail): VersionShares {
  const out: VersionShares = new Map();
  const ready = service.providers.filter((p) => p.ready);
  for (const p of ready) {
    const v = p.version ?? UNKNOWN;
    out.set(v, (out.get(v) ?? 0) + 1 / ready.length);
  }
  return out;
}

function addWeights(out: VersionShares, destinations: Destination[], share: number) {
  const total = destinations.reduce((s, d) => s + d.weight, 0);
  if (total <= 0) return;
  for (const d of destinations) {
    if (d.weight > 0) out.set(d.version, (out.get(d.version) ?? 0) + (share * d.weight) / total);
  }
}

/**
 * The version shares of a caller's requests to a service: each kind of request takes the first
 * condition it meets, else the default destinations.
 */
export function resolveShares(
  route: TrafficRoute | null,
  service: ServiceDetail,
  kinds: readonly RequestKind[],
  sourceLabels: Record<string, string>,
): VersionShares {
  if (!route) return instanceShares(service);
  const out: VersionShares = new Map();
  for (const kind of kinds) {
    const hit = route.conditions.find((c) => matches(c.match, kind, sourceLabels));
    addWeights(out, hit ? hit.destinations : route.destinations, kind.share);
  }
  return out;
}

import type { ServiceDetail } from '../../../contract/catalog';
import type { MeshEndpoint, RawObject, RouteDecision, WeightedDestination } from './istio/types';
import type { RuleSnapshot } from './rules';

/**
 * Routing of RPC interfaces by the rules of a Dubbo-aware mesh, which Istio's own proxies do not
 * read: Apache Dubbo's VirtualService and DestinationRule (service.dubbo.apache.org: `spec.dubbo[]`
 * with `routedetail[].route[]`, hosts and subsets named by interface) and the SOFA-mesh form inside
 * an Istio VirtualService (`spec.dubbo[]` with `route[].destination.lbSubset`, hosts naming the
 * service ID). Only unconditional routes and sourceLabels conditions are followed: the demo's RPC
 * callers send no attachments a condition could test.
 */

type Fields = Record<string, unknown>;
const obj = (v: unknown): Fields =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const DUBBO_GROUP = 'service.dubbo.apache.org/';

interface Split {
  subset: string;
  weight: number;
}

function hostsOf(o: RawObject): string[] {
  const spec = obj(o.spec);
  return [...arr(spec.hosts), spec.host].filter((h): h is string => typeof h === 'string');
}

const byAge = (a: RawObject, b: RawObject) =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
  a.metadata.name.localeCompare(b.metadata.name);

/** The weighted subsets a Dubbo-style rule sends a caller with `sourceLabels` to, or null when none applies. */
function splitOf(vs: RawObject, sourceLabels: Record<string, string>): Split[] | null {
  const dubbo = vs.apiVersion.startsWith(DUBBO_GROUP);
  for (const rule of arr(obj(vs.spec).dubbo)) {
    const r = obj(rule);
    if (dubbo) {
      for (const detail of arr(r.routedetail)) {
        const d = obj(detail);
        if (arr(d.match).length > 0) continue;
        return arr(d.route).map((x) => ({
          subset: str(obj(obj(x).destination).subset) ?? '',
          weight: Number(obj(x).weight ?? 100),
        }));
      }
      continue;
    }
    const matches = arr(r.match).map(obj);
    const applies =
      matches.length === 0 ||
      matches.some(
        (m) =>
          !str(m.requestCondition) &&
          Object.entries(obj(m.sourceLabels)).every(([k, v]) => sourceLabels[k] === v),
      );
    if (!applies) continue;
    return arr(r.route).map((x) => {
      const dest = obj(obj(x).destination);
      return { subset: str(dest.lbSubset) ?? str(dest.subset) ?? '', weight: Number(dest.weight ?? 100) };
    });
  }
  return null;
}

/**
 * The decision for an RPC service under a Dubbo-style rule, or null when no such rule names it. The
 * subsets' labels come from the DestinationRule of the same group naming the same host.
 */
export function rpcDecision(
  rules: RuleSnapshot,
  service: ServiceDetail,
  sourceLabels: Record<string, string>,
): RouteDecision | null {
  if (service.protocol !== 'dubbo' && service.protocol !== 'sofarpc') return null;
  const names = new Set([service.id, service.name]);
  const names_ = (o: RawObject) => hostsOf(o).some((h) => names.has(h));
  const group = (o: RawObject) => o.apiVersion.split('/')[0];
  for (const vs of rules.virtualServices
    .filter((o) => names_(o) && arr(obj(o.spec).dubbo).length > 0)
    .sort(byAge)) {
    const split = splitOf(vs, sourceLabels);
    if (!split) continue;
    const dr = rules.destinationRules.filter((d) => group(d) === group(vs) && names_(d)).sort(byAge)[0];
    const subsets = new Map(
      arr(obj(dr?.spec).subsets).map((s) => [
        str(obj(s).name) ?? '',
        obj(obj(s).labels) as Record<string, string>,
      ]),
    );
    const total = split.reduce((sum, x) => sum + (x.weight > 0 ? x.weight : 0), 0);
    if (total <= 0) continue;
    const endpoints: MeshEndpoint[] = service.providers.map((p) => ({
      name: p.name,
      labels: p.labels,
      ready: p.ready,
    }));
    const destinations: WeightedDestination[] = split
      .filter((x) => x.weight > 0)
      .map((x) => {
        const labels = subsets.get(x.subset);
        const chosen = labels
          ? endpoints.filter((e) => Object.entries(labels).every(([k, v]) => e.labels[k] === v))
          : [];
        return {
          host: service.host,
          subset: x.subset,
          share: x.weight / total,
          endpoints: chosen,
          ...(labels ? {} : { undefinedSubset: true }),
          policy: {},
        };
      });
    return {
      kind: 'route',
      rule: { namespace: vs.metadata.namespace ?? '', name: vs.metadata.name, kind: vs.kind },
      destinations,
      mirrors: [],
    };
  }
  return null;
}

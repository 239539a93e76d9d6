import { contractMessage } from '../contract/messages';
import type { Subset } from './istio-types';
import { isRecord, list } from './json';
import type { TargetVersion } from './model';

/**
 * What is wrong with a routing object for one service, whichever way it was written (the form, the
 * YAML editor, kubectl): the checks the form makes as the operator types, made again on the
 * object itself. The YAML editor refuses to write an object with a problem; the Routes list flags
 * a live one that has them.
 */
export interface RouteProblem {
  /** Where in the object: `spec.http[1].route`. */
  path: string;
  message: string;
}

export interface RouteCheckScope {
  /** The service's host, as messages name it. */
  host: string;
  /** Whether a destination host (as written in the object) is the service's. */
  isTargetHost: (host: string) => boolean;
  /** Every subset of the host, from all of its DestinationRules (Istio merges them). */
  subsets: readonly Subset[];
  /** The service's versions with their ready instances. */
  versions: readonly TargetVersion[];
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Whether a subset's labels select at least one ready instance of the service. */
function selectsReadyInstance(subset: Subset, versions: readonly TargetVersion[]): boolean {
  const selector = subset.labels ?? {};
  return versions.some(
    (v) =>
      v.readyInstances > 0 &&
      (v.instances !== undefined
        ? v.instances.some((labels) => selects(selector, labels))
        : selects(selector, v.labels)),
  );
}

/** The weights of one route (`http`, `tcp` or `tls` entry) total 100 when it splits. */
function weightProblem(route: unknown, path: string): RouteProblem | null {
  const dests = list(isRecord(route) ? route.route : undefined);
  if (dests.length < 2) return null;
  const total = dests.reduce<number>(
    (sum, d) => sum + (isRecord(d) && typeof d.weight === 'number' ? d.weight : 0),
    0,
  );
  if (total === 100) return null;
  return { path: `${path}.route`, message: contractMessage('yaml.weightsNot100', { where: path, total }) };
}

/**
 * The problems of a VirtualService (or a Dubbo/SOFA routing object) for one service: a split whose
 * weights do not total 100; a destination or mirror naming a subset that none of the host's
 * DestinationRules defines (Envoy answers 503 NR); a subset that gets traffic but selects no ready
 * instance (503 UH).
 */
export function routeProblems(spec: unknown, scope: RouteCheckScope): RouteProblem[] {
  const out: RouteProblem[] = [];
  if (!isRecord(spec)) return out;
  for (const section of ['http', 'tcp', 'tls'] as const) {
    list(spec[section]).forEach((route, i) => {
      const problem = weightProblem(route, `spec.${section}[${i}]`);
      if (problem) out.push(problem);
    });
  }
  const byName = new Map(scope.subsets.map((s) => [s.name, s]));
  const walk = (v: unknown, path: string, getsTraffic: boolean): void => {
    if (Array.isArray(v)) {
      v.forEach((child, i) => walk(child, `${path}[${i}]`, gettingTraffic(v, child)));
      return;
    }
    if (!isRecord(v)) return;
    const host = typeof v.host === 'string' ? v.host : undefined;
    const subset =
      typeof v.subset === 'string' ? v.subset : typeof v.lbSubset === 'string' ? v.lbSubset : undefined;
    if (subset !== undefined && (host === undefined || scope.isTargetHost(host))) {
      const defined = byName.get(subset);
      const where = path.replace(/\.destination$/, '');
      if (!defined)
        out.push({
          path,
          message: contractMessage('yaml.subsetUndefined', { where, subset, host: scope.host }),
        });
      else if (getsTraffic && !selectsReadyInstance(defined, scope.versions))
        out.push({
          path,
          message: contractMessage('yaml.subsetNoInstance', { where, subset, host: scope.host }),
        });
      return;
    }
    for (const [k, child] of Object.entries(v)) {
      // A destination's weight decides whether it gets traffic; a mirror always gets a copy.
      const traffic = k === 'destination' ? getsTraffic : true;
      walk(child, `${path}.${k}`, traffic);
    }
  };
  walk(spec, 'spec', true);
  return out;
}

/** In a list of weighted destinations, whether this one gets any traffic (alone, or a weight over 0). */
function gettingTraffic(siblings: unknown[], entry: unknown): boolean {
  if (!isRecord(entry) || !('destination' in entry)) return true;
  if (siblings.length === 1) return true;
  return typeof entry.weight === 'number' && entry.weight > 0;
}

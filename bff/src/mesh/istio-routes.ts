import { contractMessage } from '../contract/messages';
import type {
  ConditionRoute,
  Destination,
  KeyedMatch,
  RouteForm,
  RouteMatch,
  StringMatch,
} from '../contract/routing';
import { isCatchAll } from '../contract/routing';
import type { HttpMatch, HttpRoute, HttpRouteDestination, StringMatchSpec } from './istio-types';
import { isRecord, unshownFields } from './json';
import { isRpcProtocol } from './model';
import type { RouteTarget } from './model';

/**
 * On an RPC service routed with Istio's HTTP routes (as SOFAMesh's x-protocol did), the sidecar
 * exposes the request's metadata as headers: the method name as `method`, attachments under
 * their own names.
 */
export const RPC_METHOD_HEADER = 'method';

function toStringMatch(m: StringMatch): StringMatchSpec {
  return { [m.type]: m.value } as StringMatchSpec;
}

function fromStringMatch(spec: StringMatchSpec | undefined): StringMatch | null {
  if (!spec) return null;
  const keys = Object.keys(spec).filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
  if (keys.length !== 1) return null;
  const type = keys[0];
  const value = (spec as Record<string, unknown>)[type as string];
  if (
    (type !== 'exact' && type !== 'prefix' && type !== 'regex') ||
    typeof value !== 'string' ||
    value === ''
  )
    return null;
  return { type, value };
}

/** The form's match as an Istio HTTPMatchRequest, over what the existing match holds beyond the form. */
function toHttpMatch(
  m: RouteMatch,
  target: RouteTarget,
  existing: HttpMatch | undefined,
): HttpMatch | undefined {
  const rest: HttpMatch = { ...(existing ?? {}) };
  delete rest.headers;
  delete rest.uri;
  delete rest.method;
  delete rest.queryParams;
  delete rest.sourceLabels;
  const headers: Record<string, StringMatchSpec> = {};
  for (const h of m.headers) headers[h.name] = toStringMatch(h);
  if (isRpcProtocol(target.protocol)) {
    if (m.rpcMethod !== undefined) headers[RPC_METHOD_HEADER] = { exact: m.rpcMethod };
    for (const a of m.attachments) headers[a.name] = toStringMatch(a);
  }
  const out: HttpMatch = { ...rest };
  if (Object.keys(headers).length > 0) out.headers = headers as HttpMatch['headers'];
  if (m.uri) out.uri = toStringMatch(m.uri);
  if (m.method) out.method = toStringMatch(m.method);
  if (m.queryParams.length > 0) {
    const queryParams: Record<string, StringMatchSpec> = {};
    for (const q of m.queryParams) queryParams[q.name] = toStringMatch(q);
    out.queryParams = queryParams as HttpMatch['queryParams'];
  }
  if (Object.keys(m.sourceLabels).length > 0) out.sourceLabels = { ...m.sourceLabels };
  return Object.keys(out).length > 0 ? out : undefined;
}

function toDestinations(
  dests: Destination[],
  target: RouteTarget,
  subsetOf: (version: string) => string,
  existing: HttpRouteDestination[] | undefined,
): HttpRouteDestination[] {
  const hostRef = existing?.[0]?.destination?.host ?? target.host;
  const single = dests.length === 1;
  return dests.map((d) => {
    const subset = subsetOf(d.version);
    const before = existing?.find((e) => e.destination?.subset === subset);
    const destination = { ...(before?.destination ?? { host: hostRef }), subset };
    const out: HttpRouteDestination = { ...(before ?? {}), destination } as HttpRouteDestination;
    // A lone destination without a weight gets all traffic; keep a hand-written rule as it was.
    if (single && d.weight === 100 && before !== undefined && before.weight === undefined) delete out.weight;
    else out.weight = d.weight;
    return out;
  });
}

/**
 * The HTTP routes of a VirtualService for a form: each condition in order, then the default.
 * Routes of the existing VirtualService are carried over (matched by name, else by position), so
 * timeouts, retries, fault injection, mirroring and anything else the form does not show stay.
 */
export function toHttpRoutes(
  form: RouteForm,
  target: RouteTarget,
  subsetOf: (version: string) => string,
  existing: HttpRoute[] = [],
): HttpRoute[] {
  const conditions: ConditionRoute[] = form.routeType === 'condition' ? form.matches : [];
  const wanted: { name?: string | undefined; match: RouteMatch | null; destinations: Destination[] }[] = [
    ...conditions.map((c) => ({ name: c.name, match: c.match, destinations: c.destinations })),
    { match: null, destinations: form.destinations },
  ];
  const used = new Set<number>();
  const pick = (name: string | undefined, index: number, isDefault: boolean): HttpRoute | undefined => {
    let at = name ? existing.findIndex((r) => r.name === name) : -1;
    if (at < 0 && isDefault) at = existing.findIndex((r, i) => !used.has(i) && (r.match ?? []).length === 0);
    if (at < 0 && !isDefault && index < existing.length && !used.has(index) && !name) at = index;
    if (at < 0 || used.has(at)) return undefined;
    used.add(at);
    return existing[at];
  };
  return wanted.map((w, i) => {
    const isDefault = w.match === null;
    const before = pick(w.name, i, isDefault);
    const route: HttpRoute = { ...(before ?? {}) };
    if (w.name) route.name = w.name;
    const match =
      w.match && !isCatchAll(w.match) ? toHttpMatch(w.match, target, before?.match?.[0]) : undefined;
    if (match) route.match = [match];
    else delete route.match;
    route.route = toDestinations(w.destinations, target, subsetOf, before?.route);
    return route;
  });
}

/**
 * What a subset named by a route is: a version of the service, or why not, in words that are true
 * (not defined by any DestinationRule of the host, or defined with labels that select no one version).
 */
export type SubsetReader = (subset: string, where: string) => { version: string } | { reason: string };

export interface ReadResult {
  form: RouteForm | null;
  /** Why the form cannot represent the rule (then it opens in the YAML editor). */
  reasons: string[];
}

function readMatch(
  m: HttpMatch | undefined,
  target: RouteTarget,
  reasons: string[],
  where: string,
): RouteMatch {
  const match: RouteMatch = {
    headers: [],
    queryParams: [],
    attachments: [],
    sourceLabels: { ...(m?.sourceLabels ?? {}) },
  };
  if (!m) return match;
  const rpc = isRpcProtocol(target.protocol);
  for (const [name, spec] of Object.entries(m.headers ?? {})) {
    const sm = fromStringMatch(spec as StringMatchSpec);
    if (!sm) {
      reasons.push(contractMessage('yaml.headerMatch', { where, name }));
      continue;
    }
    if (rpc && name === RPC_METHOD_HEADER && sm.type === 'exact') match.rpcMethod = sm.value;
    else if (rpc) match.attachments.push({ name, ...sm } as KeyedMatch);
    else match.headers.push({ name, ...sm } as KeyedMatch);
  }
  for (const [name, spec] of Object.entries(m.queryParams ?? {})) {
    const sm = fromStringMatch(spec as StringMatchSpec);
    if (sm) match.queryParams.push({ name, ...sm });
    else reasons.push(contractMessage('yaml.queryParamMatch', { where, name }));
  }
  for (const key of ['uri', 'method'] as const) {
    if (m[key] === undefined) continue;
    const sm = fromStringMatch(m[key]);
    if (sm) match[key] = sm;
    else reasons.push(contractMessage('yaml.fieldMatch', { where, field: key }));
  }
  return match;
}

/** The destinations of one route (HTTP or TCP) as the form's versions and weights; `reasons` says what it cannot show. */
function readDestinations(
  r: HttpRoute,
  where: string,
  readSubset: SubsetReader,
  isTargetHost: (host: string) => boolean,
  reasons: string[],
): Destination[] {
  if (r.delegate || r.redirect || r.directResponse || !r.route || r.route.length === 0) {
    reasons.push(contractMessage('yaml.notRouting', { where }));
    return [];
  }
  return r.route.map((d, j) => {
    const host = d.destination?.host ?? '';
    const subset = d.destination?.subset;
    const at = `${where}.route[${j}]`;
    const read = subset ? readSubset(subset, at) : undefined;
    const version = read && 'version' in read ? read.version : undefined;
    if (!isTargetHost(host)) reasons.push(contractMessage('yaml.otherHost', { where: at, host }));
    else if (!subset) reasons.push(contractMessage('yaml.noSubset', { where: at }));
    else if (read && 'reason' in read) reasons.push(read.reason);
    const weight = d.weight ?? (r.route?.length === 1 ? 100 : 0);
    return { version: version ?? subset ?? host, weight };
  });
}

/**
 * Reads a VirtualService's HTTP routes back into the form. Fields the form does not show are
 * kept in the object and carried over on write; shapes the form cannot express at all (several
 * match blocks in one route, a route without destinations, destinations on another host or
 * without a subset) make it unrepresentable.
 */
export function fromHttpRoutes(
  http: HttpRoute[] | undefined,
  target: RouteTarget,
  readSubset: SubsetReader,
  isTargetHost: (host: string) => boolean,
  name: string,
): ReadResult {
  const reasons: string[] = [];
  const routes = http ?? [];
  if (routes.length === 0) return { form: null, reasons: [contractMessage('yaml.noHttpRoutes')] };
  const readDests = (r: HttpRoute, where: string) =>
    readDestinations(r, where, readSubset, isTargetHost, reasons);
  const last = routes[routes.length - 1] as HttpRoute;
  if ((last.match ?? []).length > 0) reasons.push(contractMessage('yaml.lastRouteHasConditions'));
  const conditions: ConditionRoute[] = routes.slice(0, -1).map((r, i) => {
    const where = `http[${i}]`;
    if ((r.match ?? []).length > 1) reasons.push(contractMessage('yaml.severalMatchBlocks', { where }));
    const c: ConditionRoute = {
      match: readMatch(r.match?.[0], target, reasons, where),
      destinations: readDests(r, where),
    };
    if (r.name) c.name = r.name;
    return c;
  });
  const destinations = readDests(last, `http[${routes.length - 1}]`);
  if (reasons.length > 0) return { form: null, reasons };
  const form: RouteForm = {
    name,
    routeType: conditions.length > 0 ? 'condition' : 'version',
    trafficSplit: destinations.length > 1 || conditions.some((c) => c.destinations.length > 1),
    destinations,
    matches: conditions,
  };
  return { form, reasons };
}

/**
 * Reads a VirtualService's TCP routes (TCP traffic shifting) into the form: one route, a version
 * split. What the route holds beyond its destinations (a port match, sourceLabels) is kept on write.
 */
export function fromTcpRoutes(
  tcp: HttpRoute[],
  readSubset: SubsetReader,
  isTargetHost: (host: string) => boolean,
  name: string,
): ReadResult {
  if (tcp.length !== 1)
    return { form: null, reasons: [contractMessage('yaml.tcpRoutes', { count: tcp.length })] };
  const reasons: string[] = [];
  const destinations = readDestinations(tcp[0] as HttpRoute, 'tcp[0]', readSubset, isTargetHost, reasons);
  if (reasons.length > 0) return { form: null, reasons };
  const form: RouteForm = {
    name,
    routeType: 'version',
    trafficSplit: destinations.length > 1,
    destinations,
    matches: [],
    transport: 'tcp',
  };
  return { form, reasons };
}

/** The TCP routes of a VirtualService for a form: one route with the split, over the existing one. */
export function toTcpRoutes(
  form: RouteForm,
  target: RouteTarget,
  subsetOf: (version: string) => string,
  existing: HttpRoute[] = [],
): HttpRoute[] {
  const before = existing[0];
  return [{ ...(before ?? {}), route: toDestinations(form.destinations, target, subsetOf, before?.route) }];
}

const SPEC_SHOWN = new Set(['hosts', 'gateways', 'http', 'tcp', 'exportTo']);
const ROUTE_SHOWN = new Set(['name', 'match', 'route']);
const MATCH_SHOWN = new Set(['headers', 'uri', 'method', 'queryParams', 'sourceLabels', 'port']);
const DESTINATION_SHOWN = new Set(['destination', 'weight']);

/**
 * What a VirtualService holds that the form does not show but keeps as it is on every save: a
 * route's fault injection, retries, timeout, mirror, rewrite, header changes; a match's scheme,
 * authority or ignoreUriCase; the spec's other sections. Listed by place (`http[0].fault`), so the form can say
 * that the rule does more than it shows.
 */
export function keptFields(spec: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(spec)) if (!SPEC_SHOWN.has(key)) out.push(key);
  for (const section of ['http', 'tcp'] as const) {
    const routes = Array.isArray(spec[section]) ? (spec[section] as unknown[]) : [];
    routes.forEach((route, i) => {
      if (!isRecord(route)) return;
      const where = `${section}[${i}]`;
      for (const key of Object.keys(route)) if (!ROUTE_SHOWN.has(key)) out.push(`${where}.${key}`);
      out.push(...unshownFields(route.match, MATCH_SHOWN, `${where}.match`));
      out.push(...unshownFields(route.route, DESTINATION_SHOWN, `${where}.route`));
    });
  }
  return out;
}

import { contractMessage } from '../contract/messages';
import type { ConditionRoute, Destination, RouteForm, RouteMatch, StringMatch } from '../contract/routing';
import { isCatchAll } from '../contract/routing';
import type { ReadResult, SubsetReader } from './istio-routes';

type Json = Record<string, unknown>;

/**
 * Apache Dubbo's mesh rule (service.dubbo.apache.org/v1alpha1): `spec.dubbo[].routedetail[]`,
 * routes tried in order, each `{ name, match: [DubboMatchRequest], route: [{ destination:
 * { host, subset }, weight }] }`; the host is the interface name, as Dubbo's registry keys it.
 */
export function toDubboSpec(form: RouteForm, iface: string, subsetOf: (v: string) => string): Json {
  const route = (dests: Destination[]) =>
    dests.map((d) => ({ destination: { host: iface, subset: subsetOf(d.version) }, weight: d.weight }));
  const conditions = form.routeType === 'condition' ? form.matches : [];
  const routedetail: Json[] = conditions.map((c, i) => {
    const detail: Json = { name: c.name ?? `condition-${i + 1}` };
    if (!isCatchAll(c.match)) detail.match = [toDubboMatch(c.match)];
    detail.route = route(c.destinations);
    return detail;
  });
  routedetail.push({ name: 'default', route: route(form.destinations) });
  return { hosts: [iface], dubbo: [{ services: [{ exact: iface }], routedetail }] };
}

const sm = (m: StringMatch): Json => ({ [m.type]: m.value });

function toDubboMatch(m: RouteMatch): Json {
  const out: Json = {};
  if (m.rpcMethod !== undefined) out.method = { name_match: { exact: m.rpcMethod } };
  if (Object.keys(m.sourceLabels).length > 0) out.sourceLabels = { ...m.sourceLabels };
  if (m.attachments.length > 0) {
    out.attachments = { dubbocontext: Object.fromEntries(m.attachments.map((a) => [a.name, sm(a)])) };
  }
  return out;
}

function readStringMatch(v: unknown): StringMatch | null {
  if (!v || typeof v !== 'object') return null;
  const entries = Object.entries(v as Json);
  if (entries.length !== 1) return null;
  const [type, value] = entries[0] as [string, unknown];
  if ((type === 'exact' || type === 'prefix' || type === 'regex') && typeof value === 'string')
    return { type, value };
  return null;
}

function readDubboMatch(raw: unknown, reasons: string[], where: string): RouteMatch {
  const m = (raw ?? {}) as Json;
  const match: RouteMatch = {
    headers: [],
    attachments: [],
    queryParams: [],
    sourceLabels: { ...((m.sourceLabels as Record<string, string>) ?? {}) },
  };
  const known = new Set(['method', 'sourceLabels', 'attachments']);
  for (const key of Object.keys(m))
    if (!known.has(key)) reasons.push(contractMessage('yaml.fieldNotShown', { where, field: key }));
  const method = (m.method as Json | undefined)?.name_match;
  if (method !== undefined) {
    const s = readStringMatch(method);
    if (s?.type === 'exact') match.rpcMethod = s.value;
    else reasons.push(contractMessage('yaml.methodNotExact', { where }));
  }
  const ctx = ((m.attachments as Json | undefined)?.dubbocontext ?? {}) as Json;
  for (const [name, v] of Object.entries(ctx)) {
    const s = readStringMatch(v);
    if (s) match.attachments.push({ name, ...s });
    else reasons.push(contractMessage('yaml.attachment', { where, name }));
  }
  return match;
}

export function fromDubboSpec(spec: Json, name: string, readSubset: SubsetReader): ReadResult {
  const reasons: string[] = [];
  const dubbo = (spec.dubbo as Json[] | undefined) ?? [];
  if (dubbo.length !== 1) return { form: null, reasons: [contractMessage('yaml.oneDubboEntry')] };
  const details = ((dubbo[0] as Json).routedetail as Json[] | undefined) ?? [];
  if (details.length === 0) return { form: null, reasons: [contractMessage('yaml.noRouteDetail')] };
  const readRoute = (d: Json, where: string): Destination[] =>
    ((d.route as Json[] | undefined) ?? []).map((r, j) => {
      const subset = String((r.destination as Json | undefined)?.subset ?? '');
      const read = readSubset(subset, `${where}.route[${j}]`);
      const version = 'version' in read ? read.version : undefined;
      if ('reason' in read) reasons.push(read.reason);
      return { version: version ?? subset, weight: typeof r.weight === 'number' ? r.weight : 100 };
    });
  const last = details[details.length - 1] as Json;
  if (last.match !== undefined) reasons.push(contractMessage('yaml.lastRouteHasConditions'));
  const matches: ConditionRoute[] = details.slice(0, -1).map((d, i) => {
    const where = `routedetail[${i}]`;
    const ms = (d.match as unknown[] | undefined) ?? [];
    if (ms.length > 1) reasons.push(contractMessage('yaml.severalMatchBlocks', { where }));
    const c: ConditionRoute = {
      match: readDubboMatch(ms[0], reasons, where),
      destinations: readRoute(d, where),
    };
    if (typeof d.name === 'string' && d.name !== `condition-${i + 1}`) c.name = d.name;
    return c;
  });
  const destinations = readRoute(last, `routedetail[${details.length - 1}]`);
  if (reasons.length > 0) return { form: null, reasons };
  return {
    form: {
      name,
      routeType: matches.length > 0 ? 'condition' : 'version',
      trafficSplit: destinations.length > 1 || matches.some((m) => m.destinations.length > 1),
      destinations,
      matches,
    },
    reasons,
  };
}

/**
 * SOFA's control plane format, as shown in the talk: a networking.istio.io/v1alpha3
 * VirtualService with `spec.dubbo[]` entries `{ match: [{ requestCondition, sourceLabels }],
 * order, route: [{ destination: { host, lbSubset, weight } }], routeFallbackPolicy,
 * destinationFallbackPolicy }`, the host being the service ID. requestCondition uses Dubbo's
 * condition-rule syntax (`method = sayHello & attachments[tag] = gray`).
 */
const SOFA_FALLBACK_POLICY = 1; // the value the talk's console wrote: fall back to any instance

function toRequestCondition(m: RouteMatch): string {
  const parts: string[] = [];
  const value = (s: StringMatch) => (s.type === 'prefix' ? `${s.value}*` : s.value);
  if (m.rpcMethod !== undefined) parts.push(`method = ${m.rpcMethod}`);
  for (const a of m.attachments) parts.push(`attachments[${a.name}] = ${value(a)}`);
  return parts.join(' & ');
}

function fromRequestCondition(
  text: string,
  reasons: string[],
  where: string,
): Pick<RouteMatch, 'rpcMethod' | 'attachments'> {
  const out: Pick<RouteMatch, 'rpcMethod' | 'attachments'> = { attachments: [] };
  if (text.trim() === '') return out;
  for (const part of text.split('&').map((p) => p.trim())) {
    const method = /^method = (\S+)$/.exec(part);
    const att = /^attachments\[([^\]]+)\] = (\S+)$/.exec(part);
    if (method?.[1] && !method[1].endsWith('*')) out.rpcMethod = method[1];
    else if (att?.[1] && att[2]) {
      const prefix = att[2].endsWith('*');
      out.attachments.push({
        name: att[1],
        type: prefix ? 'prefix' : 'exact',
        value: prefix ? att[2].slice(0, -1) : att[2],
      });
    } else reasons.push(contractMessage('yaml.conditionNotShown', { where, condition: part }));
  }
  return out;
}

export function toSofaSpec(form: RouteForm, serviceId: string, subsetOf: (v: string) => string): Json {
  const entry = (match: RouteMatch | null, dests: Destination[], order: number): Json => ({
    destinationFallbackPolicy: SOFA_FALLBACK_POLICY,
    match: [
      {
        requestCondition: match ? toRequestCondition(match) : '',
        sourceLabels: match ? { ...match.sourceLabels } : {},
      },
    ],
    order,
    route: dests.map((d) => ({
      destination: { host: serviceId, lbSubset: subsetOf(d.version), weight: d.weight },
    })),
    routeFallbackPolicy: SOFA_FALLBACK_POLICY,
  });
  const conditions = form.routeType === 'condition' ? form.matches : [];
  const dubbo = conditions.map((c, i) => entry(c.match, c.destinations, i));
  dubbo.push(entry(null, form.destinations, conditions.length));
  return { dubbo, hosts: [serviceId] };
}

export function fromSofaSpec(spec: Json, name: string, readSubset: SubsetReader): ReadResult {
  const reasons: string[] = [];
  const entries = [...((spec.dubbo as Json[] | undefined) ?? [])].sort(
    (a, b) => Number(a.order ?? 0) - Number(b.order ?? 0),
  );
  if (entries.length === 0) return { form: null, reasons: [contractMessage('yaml.noDubboEntries')] };
  const readRoute = (e: Json, where: string): Destination[] =>
    ((e.route as Json[] | undefined) ?? []).map((r, j) => {
      const d = (r.destination ?? {}) as Json;
      const subset = String(d.lbSubset ?? '');
      const read = readSubset(subset, `${where}.route[${j}]`);
      const version = 'version' in read ? read.version : undefined;
      if ('reason' in read) reasons.push(read.reason);
      return { version: version ?? subset, weight: typeof d.weight === 'number' ? d.weight : 100 };
    });
  const readMatch = (e: Json, where: string): RouteMatch => {
    const ms = (e.match as Json[] | undefined) ?? [];
    if (ms.length > 1) reasons.push(contractMessage('yaml.severalMatchBlocks', { where }));
    const m = ms[0] ?? {};
    return {
      headers: [],
      queryParams: [],
      sourceLabels: { ...((m.sourceLabels as Record<string, string>) ?? {}) },
      ...fromRequestCondition(String(m.requestCondition ?? ''), reasons, where),
    };
  };
  const matches: ConditionRoute[] = entries.slice(0, -1).map((e, i) => ({
    match: readMatch(e, `dubbo[${i}]`),
    destinations: readRoute(e, `dubbo[${i}]`),
  }));
  const last = entries[entries.length - 1] as Json;
  const lastMatch = readMatch(last, `dubbo[${entries.length - 1}]`);
  if (!isCatchAll(lastMatch)) reasons.push(contractMessage('yaml.lastRouteHasConditions'));
  const destinations = readRoute(last, `dubbo[${entries.length - 1}]`);
  if (reasons.length > 0) return { form: null, reasons };
  return {
    form: {
      name,
      routeType: matches.length > 0 ? 'condition' : 'version',
      trafficSplit: destinations.length > 1 || matches.some((m) => m.destinations.length > 1),
      destinations,
      matches,
    },
    reasons,
  };
}

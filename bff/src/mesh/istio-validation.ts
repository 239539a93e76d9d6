import {
  dns1123LabelProblem,
  headerFormatProblem,
  headerNameProblem,
  labelKeyProblem,
  labelValueProblem,
  matchValueProblem,
  methodProblem,
  pathProblem,
  regexProblem,
  wildcardHostProblem,
} from '../contract/envoy-values';
import type { Problem } from '../contract/envoy-values';

/**
 * What Istio's validating webhook refuses in a hand-written VirtualService, DestinationRule or
 * EnvoyFilter, checked here so that the console refuses it too (with the field), instead of
 * writing it to a cluster whose istiod rejects it or, with the webhook off, pushes Envoy a config
 * it NACKs. The rules follow istio/istio pkg/config/validation (validation.go,
 * virtualservice.go, envoyfilter/envoyfilter.go); the code is our own. Warnings Istio only warns
 * about are not reported. The CRD schema (types, enums, required fields) is checked by the
 * control plane itself; values of the wrong type are skipped here rather than reported twice.
 */

export interface IstioProblem {
  /** The field, as `spec.http[0].match[0].uri.regex`. */
  field: string;
  message: string;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const key = (k: string) => (/^[A-Za-z_]\w*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

class Problems {
  readonly list: IstioProblem[] = [];
  add(field: string, message: Problem | undefined): void {
    if (message) this.list.push({ field, message });
  }
}

/** An Istio duration: `1.5s`, `300ms`, `1h`; at least 1 ms and in whole milliseconds. */
function durationProblem(v: unknown): Problem {
  if (typeof v !== 'string') return null;
  const m = /^(-?\d+(?:\.\d+)?)(h|m|s|ms|us|µs|ns)$/.exec(v) ?? /^(-?\d+(?:\.\d+)?)s$/.exec(v);
  if (!m) return `${v} is not a duration such as 1.5s or 300ms`;
  const scale: Record<string, number> = { h: 3.6e12, m: 6e10, s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 };
  const nanos = Number(m[1]) * (scale[m[2] ?? 's'] ?? 1e9);
  if (nanos < 1e6) return 'A duration must be at least 1ms';
  if (Math.abs(nanos - Math.round(nanos / 1e6) * 1e6) > 1e-3) return 'Only whole milliseconds are supported';
  return null;
}

/** Istio's StringMatch rules; `uri` additionally starts with "/" for exact and prefix. */
function stringMatch(
  p: Problems,
  at: string,
  sm: unknown,
  kind: 'uri' | 'method' | 'header' | 'other',
): void {
  if (!isRec(sm)) return;
  const exact = str(sm.exact);
  const prefix = str(sm.prefix);
  const regex = str(sm.regex);
  if (regex !== undefined) {
    p.add(`${at}.regex`, regex === '' ? 'A regex match cannot be empty' : regexProblem(regex));
  }
  if (prefix !== undefined && prefix === '' && kind !== 'uri')
    p.add(`${at}.prefix`, 'A prefix match cannot be empty');
  for (const [name, value] of [
    ['exact', exact],
    ['prefix', prefix],
  ] as const) {
    if (value === undefined || value === '') continue;
    if (kind === 'uri') p.add(`${at}.${name}`, pathProblem(value));
    else if (kind === 'method') p.add(`${at}.${name}`, methodProblem(value));
    else p.add(`${at}.${name}`, matchValueProblem(value));
  }
}

function labels(p: Problems, at: string, value: unknown): void {
  if (!isRec(value)) return;
  for (const [k, v] of Object.entries(value)) {
    p.add(`${at}${key(k)}`, labelKeyProblem(k));
    if (typeof v === 'string') p.add(`${at}${key(k)}`, labelValueProblem(v));
  }
}

function headerOperations(p: Problems, at: string, headers: unknown): void {
  if (!isRec(headers)) return;
  for (const side of ['request', 'response'] as const) {
    const ops = headers[side];
    if (!isRec(ops)) continue;
    for (const op of ['set', 'add'] as const) {
      const map = ops[op];
      if (!isRec(map)) continue;
      for (const [name, value] of Object.entries(map)) {
        const f = `${at}.${side}.${op}${key(name)}`;
        const lower = name.toLowerCase();
        // Istio lets a request set :authority or host (a rewrite); nothing else internal.
        const authority = side === 'request' && (lower === ':authority' || lower === 'host');
        if (!authority && (name.startsWith(':') || lower === 'host'))
          p.add(
            f,
            `${name} cannot be ${side === 'request' ? 'set' : 'set on a response'}: Envoy does not modify pseudo-headers or host`,
          );
        else if (!name.startsWith(':')) p.add(f, headerNameProblem(name));
        if (typeof value === 'string') p.add(f, headerFormatProblem(value));
      }
    }
    arr(ops.remove).forEach((name, i) => {
      if (typeof name !== 'string') return;
      if (name.startsWith(':') || name.toLowerCase() === 'host')
        p.add(`${at}.${side}.remove[${i}]`, `${name} cannot be removed`);
      else p.add(`${at}.${side}.remove[${i}]`, headerNameProblem(name));
    });
  }
}

function destination(p: Problems, at: string, d: unknown): void {
  if (!isRec(d)) return;
  const host = str(d.host);
  if (host !== undefined)
    p.add(`${at}.host`, host === '*' ? 'A destination host cannot be *' : wildcardHostProblem(host));
  const subset = str(d.subset);
  if (subset !== undefined && subset !== '') p.add(`${at}.subset`, dns1123LabelProblem(subset));
  if (isRec(d.port) && typeof d.port.number === 'number') {
    const n = d.port.number;
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      p.add(`${at}.port.number`, `Port ${n} is not in 1..65535`);
  }
}

function percentage(p: Problems, at: string, v: unknown): void {
  if (!isRec(v) || typeof v.value !== 'number') return;
  const x = v.value;
  if (!Number.isFinite(x) || x < 0 || x > 100 || (x > 0 && x < 0.0001))
    p.add(`${at}.value`, `A percentage is 0 or between 0.0001 and 100 (not ${x})`);
}

function httpRoute(p: Problems, at: string, route: Rec, delegate: boolean): void {
  const routes = arr(route.route);
  const isRoot = isRec(route.delegate);
  if (isRoot) {
    if (route.redirect !== undefined) p.add(`${at}.redirect`, 'A route that delegates cannot also redirect');
    if (route.route !== undefined)
      p.add(`${at}.route`, 'A route that delegates cannot also have destinations');
  } else {
    if (delegate && route.delegate !== undefined)
      p.add(`${at}.delegate`, 'A delegate route cannot delegate again');
    if (route.redirect !== undefined) {
      if (routes.length > 0) p.add(`${at}.redirect`, 'A route cannot have both destinations and a redirect');
      if (route.fault !== undefined)
        p.add(`${at}.redirect`, 'A route cannot have both a fault and a redirect');
      if (route.rewrite !== undefined)
        p.add(`${at}.redirect`, 'A route cannot have both a rewrite and a redirect');
      if (route.directResponse !== undefined)
        p.add(`${at}.redirect`, 'A route cannot have both a direct response and a redirect');
    } else if (route.directResponse !== undefined) {
      if (routes.length > 0)
        p.add(`${at}.directResponse`, 'A route cannot have both destinations and a direct response');
      if (route.fault !== undefined)
        p.add(`${at}.directResponse`, 'A route cannot have both a fault and a direct response');
      if (route.rewrite !== undefined)
        p.add(`${at}.directResponse`, 'A route cannot have both a rewrite and a direct response');
    } else if (routes.length === 0) {
      p.add(`${at}.route`, 'A route needs destinations, a redirect or a direct response');
    }
  }
  if (route.mirror !== undefined && arr(route.mirrors).length > 0)
    p.add(`${at}.mirrors`, 'A route cannot have both mirror and mirrors');

  arr(route.match).forEach((m, i) => {
    if (!isRec(m)) return;
    const mat = `${at}.match[${i}]`;
    for (const group of ['headers', 'withoutHeaders'] as const) {
      if (!isRec(m[group])) continue;
      for (const [name, sm] of Object.entries(m[group])) {
        const f = `${mat}.${group}${key(name)}`;
        if (sm === null) p.add(f, 'A header match cannot be null');
        // Istio accepts the pseudo-headers it knows in a match; Envoy matches them.
        if (![':method', ':scheme', ':authority', ':path'].includes(name)) p.add(f, headerNameProblem(name));
        if (!(group === 'withoutHeaders' && isRec(sm) && sm.regex === '*')) stringMatch(p, f, sm, 'header');
      }
    }
    stringMatch(p, `${mat}.uri`, m.uri, 'uri');
    stringMatch(p, `${mat}.scheme`, m.scheme, 'other');
    stringMatch(p, `${mat}.method`, m.method, 'method');
    stringMatch(p, `${mat}.authority`, m.authority, 'other');
    if (isRec(m.queryParams))
      for (const [name, sm] of Object.entries(m.queryParams))
        stringMatch(p, `${mat}.queryParams${key(name)}`, sm, 'other');
    if (typeof m.port === 'number' && (m.port < 1 || m.port > 65535 || !Number.isInteger(m.port)))
      p.add(`${mat}.port`, `Port ${m.port} is not in 1..65535`);
    labels(p, `${mat}.sourceLabels`, m.sourceLabels);
    const ns = str(m.sourceNamespace);
    if (ns !== undefined && ns !== '') p.add(`${mat}.sourceNamespace`, dns1123LabelProblem(ns));
  });

  headerOperations(p, `${at}.headers`, route.headers);

  if (isRec(route.fault)) {
    const f = route.fault;
    if (f.abort === undefined && f.delay === undefined)
      p.add(`${at}.fault`, 'A fault needs an abort, a delay or both');
    if (isRec(f.abort)) {
      percentage(p, `${at}.fault.abort.percentage`, f.abort.percentage);
      const status = f.abort.httpStatus;
      if (typeof status === 'number' && (status < 200 || status > 599))
        p.add(`${at}.fault.abort.httpStatus`, `HTTP status ${status} is not in 200..599`);
      if (f.abort.http2Error !== undefined)
        p.add(`${at}.fault.abort.http2Error`, 'HTTP/2 abort faults are not supported');
    }
    if (isRec(f.delay)) {
      percentage(p, `${at}.fault.delay.percentage`, f.delay.percentage);
      if (typeof f.delay.percent === 'number' && (f.delay.percent < 0 || f.delay.percent > 100))
        p.add(`${at}.fault.delay.percent`, `A percentage is 0..100 (not ${f.delay.percent})`);
      p.add(`${at}.fault.delay.fixedDelay`, durationProblem(f.delay.fixedDelay));
      if (f.delay.exponentialDelay !== undefined)
        p.add(`${at}.fault.delay.exponentialDelay`, 'exponentialDelay is not supported');
    }
  }

  if (isRec(route.mirrorPercentage)) percentage(p, `${at}.mirrorPercentage`, route.mirrorPercentage);
  if (typeof route.mirrorPercent === 'number' && route.mirrorPercent > 100)
    p.add(`${at}.mirrorPercent`, `At most 100 (not ${route.mirrorPercent})`);
  destination(p, `${at}.mirror`, route.mirror);
  arr(route.mirrors).forEach((m, i) => {
    if (!isRec(m)) return p.add(`${at}.mirrors[${i}]`, 'A mirror cannot be null');
    if (!isRec(m.destination))
      return p.add(`${at}.mirrors[${i}].destination`, 'A mirror needs a destination');
    destination(p, `${at}.mirrors[${i}].destination`, m.destination);
    percentage(p, `${at}.mirrors[${i}].percentage`, m.percentage);
  });

  if (isRec(route.redirect)) {
    const r = route.redirect;
    if (r.uri !== undefined && r.prefixRewrite !== undefined)
      p.add(`${at}.redirect`, 'A redirect has a uri or a prefixRewrite, not both');
    if (
      r.uri === undefined &&
      r.prefixRewrite === undefined &&
      r.authority === undefined &&
      r.port === undefined &&
      r.scheme === undefined &&
      r.derivePort === undefined
    )
      p.add(`${at}.redirect`, 'A redirect needs a uri, authority, scheme or port');
    if (
      typeof r.redirectCode === 'number' &&
      r.redirectCode !== 0 &&
      (r.redirectCode < 300 || r.redirectCode > 399)
    )
      p.add(`${at}.redirect.redirectCode`, `${r.redirectCode} is not a 3xx redirect code`);
    if (typeof r.scheme === 'string' && r.scheme !== '' && r.scheme !== 'http' && r.scheme !== 'https')
      p.add(`${at}.redirect.scheme`, 'The scheme is http or https');
  }
  if (isRec(route.directResponse) && typeof route.directResponse.status === 'number') {
    const s = route.directResponse.status;
    if (s < 200 || s > 599) p.add(`${at}.directResponse.status`, `HTTP status ${s} is not in 200..599`);
  }
  if (isRec(route.rewrite)) {
    const rw = route.rewrite;
    const regexRewrite = rw.uriRegexRewrite;
    if (rw.uri !== undefined && regexRewrite !== undefined)
      p.add(`${at}.rewrite`, 'A rewrite has uri or uriRegexRewrite, not both');
    if (rw.uri === undefined && regexRewrite === undefined && rw.authority === undefined)
      p.add(`${at}.rewrite`, 'A rewrite needs a uri, a uriRegexRewrite or an authority');
    if (isRec(regexRewrite)) {
      const match = str(regexRewrite.match);
      if (!match || !str(regexRewrite.rewrite))
        p.add(`${at}.rewrite.uriRegexRewrite`, 'uriRegexRewrite needs both match and rewrite');
      else p.add(`${at}.rewrite.uriRegexRewrite.match`, regexProblem(match));
    }
  }
  p.add(`${at}.timeout`, durationProblem(route.timeout));
  if (isRec(route.retries))
    p.add(`${at}.retries.perTryTimeout`, durationProblem(route.retries.perTryTimeout));

  let total = 0;
  let whole = true;
  routes.forEach((r, i) => {
    const rat = `${at}.route[${i}]`;
    if (!isRec(r)) return p.add(rat, 'A destination cannot be null');
    if (!isRec(r.destination)) p.add(`${rat}.destination`, 'A destination is required');
    else destination(p, `${rat}.destination`, r.destination);
    headerOperations(p, `${rat}.headers`, r.headers);
    const w = r.weight;
    if (w !== undefined && w !== null) {
      if (typeof w !== 'number' || !Number.isInteger(w)) {
        whole = false;
        p.add(`${rat}.weight`, 'A weight is a whole number');
      } else {
        if (w < 0) p.add(`${rat}.weight`, `A weight cannot be negative (${w})`);
        else if (w > 100) p.add(`${rat}.weight`, `A weight is at most 100 (${w})`);
        total += w;
      }
    }
  });
  if (whole && routes.length > 1 && total === 0) p.add(`${at}.route`, 'The destination weights add up to 0');
}

function virtualService(p: Problems, spec: Rec): void {
  const hosts = arr(spec.hosts);
  const gateways = arr(spec.gateways);
  const delegate = hosts.length === 0;
  if (delegate) {
    if (gateways.length > 0) p.add('spec.gateways', 'A delegate VirtualService (no hosts) has no gateways');
    if (arr(spec.tls).length > 0) p.add('spec.tls', 'A delegate VirtualService (no hosts) has no TLS routes');
    if (arr(spec.tcp).length > 0) p.add('spec.tcp', 'A delegate VirtualService (no hosts) has no TCP routes');
  }
  const mesh = gateways.length === 0 || gateways.includes('mesh');
  const seen: string[] = [];
  hosts.forEach((h, i) => {
    if (typeof h !== 'string') return;
    const problem = wildcardHostProblem(h);
    if (problem) return p.add(`spec.hosts[${i}]`, problem);
    if (mesh && h === '*')
      return p.add(`spec.hosts[${i}]`, 'The wildcard host * is not allowed for the mesh');
    const lower = h.toLowerCase();
    const dup = seen.find((s) => s === lower || wildcardCovers(s, lower) || wildcardCovers(lower, s));
    if (dup !== undefined)
      p.add(`spec.hosts[${i}]`, `Duplicate hosts in the VirtualService: ${dup} and ${h}`);
    seen.push(lower);
  });
  gateways.forEach((g, i) => {
    if (typeof g !== 'string' || g === 'mesh') return;
    const parts = g.split('/');
    if (parts.length === 2) {
      p.add(
        `spec.gateways[${i}]`,
        parts[0] ? dns1123LabelProblem(parts[0]) : 'The gateway namespace cannot be empty',
      );
      p.add(
        `spec.gateways[${i}]`,
        parts[1] ? dns1123LabelProblem(parts[1]) : 'The gateway name cannot be empty',
      );
    } else p.add(`spec.gateways[${i}]`, wildcardHostProblem(g));
  });
  if (arr(spec.http).length === 0 && arr(spec.tcp).length === 0 && arr(spec.tls).length === 0)
    p.add('spec', 'A VirtualService needs http, tcp or tls routes');
  arr(spec.http).forEach((r, i) => {
    if (!isRec(r)) return p.add(`spec.http[${i}]`, 'An HTTP route cannot be null');
    httpRoute(p, `spec.http[${i}]`, r, delegate);
  });
  for (const proto of ['tcp', 'tls'] as const)
    arr(spec[proto]).forEach((r, i) => {
      if (!isRec(r)) return;
      let total = 0;
      const routes = arr(r.route);
      routes.forEach((d, j) => {
        if (!isRec(d)) return;
        if (!isRec(d.destination))
          p.add(`spec.${proto}[${i}].route[${j}].destination`, 'A destination is required');
        else destination(p, `spec.${proto}[${i}].route[${j}].destination`, d.destination);
        if (typeof d.weight === 'number') {
          if (d.weight < 0)
            p.add(`spec.${proto}[${i}].route[${j}].weight`, `A weight cannot be negative (${d.weight})`);
          else total += d.weight;
        }
      });
      if (routes.length > 1 && total === 0)
        p.add(`spec.${proto}[${i}].route`, 'The destination weights add up to 0');
      arr(r.match).forEach((m, j) => {
        if (isRec(m)) labels(p, `spec.${proto}[${i}].match[${j}].sourceLabels`, m.sourceLabels);
      });
    });
}

/** Does the wildcard host `a` (`*.example.com`) cover `b`? */
function wildcardCovers(a: string, b: string): boolean {
  if (a === '*') return true;
  if (!a.startsWith('*')) return false;
  return b.endsWith(a.slice(1));
}

function destinationRule(p: Problems, spec: Rec): void {
  const host = str(spec.host);
  if (host !== undefined) p.add('spec.host', wildcardHostProblem(host));
  const names = new Set<string>();
  arr(spec.subsets).forEach((s, i) => {
    const at = `spec.subsets[${i}]`;
    if (!isRec(s)) return p.add(at, 'A subset cannot be null');
    const name = str(s.name);
    if (name === undefined || name === '') p.add(`${at}.name`, 'A subset needs a name');
    else {
      p.add(`${at}.name`, dns1123LabelProblem(name));
      if (names.has(name)) p.add(`${at}.name`, `Duplicate subset name ${name}`);
      names.add(name);
    }
    labels(p, `${at}.labels`, s.labels);
  });
  if (isRec(spec.workloadSelector))
    labels(p, 'spec.workloadSelector.matchLabels', spec.workloadSelector.matchLabels);
}

const APPLY_TO = new Set([
  'LISTENER',
  'FILTER_CHAIN',
  'NETWORK_FILTER',
  'HTTP_FILTER',
  'ROUTE_CONFIGURATION',
  'VIRTUAL_HOST',
  'HTTP_ROUTE',
  'CLUSTER',
  'EXTENSION_CONFIG',
  'BOOTSTRAP',
  'LISTENER_FILTER',
]);

function envoyFilter(p: Problems, spec: Rec): void {
  if (isRec(spec.workloadSelector) && isRec(spec.workloadSelector.labels))
    for (const [k, v] of Object.entries(spec.workloadSelector.labels)) {
      const f = `spec.workloadSelector.labels${key(k)}`;
      if (k === '') p.add(f, 'An empty key is not supported in a selector');
      if (k.includes('*') || (typeof v === 'string' && v.includes('*')))
        p.add(f, 'Wildcards are not supported in a selector');
    }
  arr(spec.configPatches).forEach((cp, i) => {
    const at = `spec.configPatches[${i}]`;
    if (!isRec(cp)) return p.add(at, 'A config patch cannot be null');
    const match = isRec(cp.match) ? cp.match : undefined;
    if (match?.context === 'WAYPOINT') return;
    const applyTo = str(cp.applyTo);
    if (!applyTo || applyTo === 'INVALID') return p.add(`${at}.applyTo`, 'A config patch needs applyTo');
    if (!APPLY_TO.has(applyTo)) return;
    if (!isRec(cp.patch)) return p.add(`${at}.patch`, 'A config patch needs a patch');
    const op = str(cp.patch.operation);
    if (!op || op === 'INVALID') return p.add(`${at}.patch.operation`, 'A patch needs an operation');
    if (op !== 'REMOVE' && cp.patch.value === undefined)
      return p.add(`${at}.patch.value`, 'A patch other than REMOVE needs a value');
    const proxyVersion = isRec(match?.proxy) ? str(match.proxy.proxyVersion) : undefined;
    if (proxyVersion && proxyVersion.length <= 1024)
      p.add(`${at}.match.proxy.proxyVersion`, regexProblem(proxyVersion));
    if (!match) return;
    const listenerClass = ['LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER'].includes(applyTo);
    const routeClass = ['ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE'].includes(applyTo);
    const hasObjectMatch =
      match.listener !== undefined || match.routeConfiguration !== undefined || match.cluster !== undefined;
    if (listenerClass && hasObjectMatch && match.listener === undefined)
      p.add(`${at}.match`, `applyTo ${applyTo} needs a listener match`);
    if (routeClass && hasObjectMatch && match.routeConfiguration === undefined)
      p.add(`${at}.match`, `applyTo ${applyTo} needs a routeConfiguration match`);
    if (applyTo === 'CLUSTER' && hasObjectMatch && match.cluster === undefined)
      p.add(`${at}.match`, 'applyTo CLUSTER needs a cluster match');
    const filter =
      isRec(match.listener) && isRec(match.listener.filterChain)
        ? match.listener.filterChain.filter
        : undefined;
    if (listenerClass && isRec(filter)) {
      if (!str(filter.name))
        p.add(`${at}.match.listener.filterChain.filter.name`, 'A filter match needs a name');
      else if (isRec(filter.subFilter)) {
        if (applyTo !== 'HTTP_FILTER')
          p.add(
            `${at}.match.listener.filterChain.filter.subFilter`,
            'A subFilter match works with applyTo HTTP_FILTER only',
          );
        else if (
          filter.name !== 'envoy.filters.network.http_connection_manager' &&
          filter.name !== 'envoy.http_connection_manager'
        )
          p.add(
            `${at}.match.listener.filterChain.filter.subFilter`,
            'A subFilter match needs the filter match envoy.filters.network.http_connection_manager',
          );
        else if (!str(filter.subFilter.name))
          p.add(`${at}.match.listener.filterChain.filter.subFilter.name`, 'A subFilter match needs a name');
      }
    }
  });
}

/**
 * The problems Istio's webhook would report for a hand-written object, each with its field; empty
 * when Istio would accept it. Kinds other than VirtualService, DestinationRule and EnvoyFilter
 * (and any value of the wrong type, which the CRD schema refuses) give no problem here.
 */
export function validateIstioObject(obj: unknown): IstioProblem[] {
  const p = new Problems();
  if (!isRec(obj) || !isRec(obj.spec)) return p.list;
  const annotations = isRec(obj.metadata) && isRec(obj.metadata.annotations) ? obj.metadata.annotations : {};
  for (const internal of [
    'istio.io/dry-run',
    'internal.istio.io/parents',
    'internal.istio.io/parent-namespace',
    'internal.istio.io/webhook-always-reject',
  ])
    if (internal in annotations)
      p.add(`metadata.annotations${key(internal)}`, `${internal} is reserved to Istio`);
  switch (obj.kind) {
    case 'VirtualService':
      virtualService(p, obj.spec);
      break;
    case 'DestinationRule':
      destinationRule(p, obj.spec);
      break;
    case 'EnvoyFilter':
      envoyFilter(p, obj.spec);
      break;
  }
  return p.list;
}

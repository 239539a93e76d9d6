/**
 * HTTPMatchRequest: the conditions of one `match` entry, and how Envoy evaluates them once Istio has
 * translated them (VirtualService reference, HTTPMatchRequest and StringMatch;
 * pilot/pkg/networking/core/route/route.go TranslateRouteMatch, sourceMatchHTTP).
 *
 * - All conditions of one entry must hold (AND); the entries of one `match` list are alternatives (OR).
 * - `uri`, `scheme`, `method`, `authority`, header and query values: `exact`, `prefix`, or `regex` (RE2
 *   syntax, matched against the whole value). `uri` is matched on the path without its query string;
 *   `ignoreUriCase` makes `exact` and `prefix` on the path case-insensitive (Envoy's `case_sensitive`
 *   does not apply to regexes).
 * - A header or query param with an empty match (`{}`), or the regex `*`, only requires it to be present.
 * - `withoutHeaders` inverts the header match, a missing header reading as an empty value (except for
 *   the presence form, where a missing header simply matches).
 * - `port`, `sourceLabels`, `sourceNamespace` and `gateways` are about the proxy, not the request: a
 *   match whose `gateways` is set applies only at those gateways (and `sourceLabels` is then not
 *   consulted); otherwise `sourceLabels` must be a subset of the caller's labels and `sourceNamespace`
 *   its namespace. `port` is the port the request was sent to.
 * - Header names starting with `@request.auth.claims` match JWT claims; the demo has no JWTs, so such a
 *   condition never holds.
 */
import { fields, isFields, list, num, str, stringMap, strings } from './read';
import { resolveGatewayName } from './hosts';

export interface StringMatchSpec {
  /** `pathPrefix`: whole path segments (Envoy's path_separated_prefix, used for Gateway API PathPrefix). */
  kind: 'exact' | 'prefix' | 'pathPrefix' | 'regex' | 'present';
  value: string;
  /** The compiled regex, full-match anchored; null when the RE2 pattern cannot be read here. */
  re?: RegExp | null;
}

export interface HttpMatch {
  name?: string;
  uri?: StringMatchSpec;
  scheme?: StringMatchSpec;
  method?: StringMatchSpec;
  authority?: StringMatchSpec;
  headers: Record<string, StringMatchSpec>;
  withoutHeaders: Record<string, StringMatchSpec>;
  queryParams: Record<string, StringMatchSpec>;
  ignoreUriCase: boolean;
  port?: number;
  sourceLabels: Record<string, string>;
  sourceNamespace?: string;
  /** Resolved gateway names (`ns/name` or `mesh`). */
  gateways: string[];
}

/** The proxy a route is being evaluated for. */
export interface ProxyView {
  /** `mesh` for a sidecar, `ns/name` of the Gateway object whose server took the request. */
  gateway: string;
  labels: Record<string, string>;
  namespace: string;
  port: number;
}

/** The request as the matchers see it. */
export interface WireRequest {
  path: string;
  query: URLSearchParams;
  method: string;
  authority: string;
  scheme: string;
  headers: Record<string, string>;
}

/** RE2 → JavaScript for the constructs that differ in spelling; full-match anchored as Envoy's safe_regex. */
export function compileRe2(pattern: string, ignoreCase = false): RegExp | null {
  let p = pattern;
  let flags = ignoreCase ? 'i' : '';
  const leading = /^\(\?([imsU]+)\)/.exec(p);
  if (leading) {
    p = p.slice(leading[0].length);
    if (leading[1]?.includes('i')) flags += flags.includes('i') ? '' : 'i';
    if (leading[1]?.includes('s')) flags += 's';
  }
  p = p
    .replace(/\(\?P</g, '(?<')
    .replace(/\\z/g, '$')
    .replace(/\\A/g, '^');
  try {
    return new RegExp(`^(?:${p})$`, flags);
  } catch {
    return null;
  }
}

export function readStringMatch(v: unknown): StringMatchSpec | undefined {
  if (!isFields(v)) return undefined;
  const exact = str(v.exact);
  if (exact !== undefined) return { kind: 'exact', value: exact };
  const prefix = str(v.prefix);
  if (prefix !== undefined) return { kind: 'prefix', value: prefix };
  const regex = str(v.regex);
  // `*` is not RE2; Istio turns it into a presence check (route.go canBeConvertedToPresentMatch).
  if (regex !== undefined && regex !== '*') return { kind: 'regex', value: regex, re: compileRe2(regex) };
  return { kind: 'present', value: '' };
}

function readMatchMap(v: unknown): Record<string, StringMatchSpec> {
  const out: Record<string, StringMatchSpec> = {};
  for (const [k, x] of Object.entries(fields(v))) {
    out[k] = readStringMatch(x) ?? { kind: 'present', value: '' };
  }
  return out;
}

export function readHttpMatch(v: unknown, ruleNamespace: string): HttpMatch {
  const m = fields(v);
  const sourceNamespace = str(m.sourceNamespace);
  return {
    name: str(m.name),
    uri: readStringMatch(m.uri),
    scheme: readStringMatch(m.scheme),
    method: readStringMatch(m.method),
    authority: readStringMatch(m.authority),
    headers: lowerKeys(readMatchMap(m.headers)),
    withoutHeaders: lowerKeys(readMatchMap(m.withoutHeaders)),
    queryParams: readMatchMap(m.queryParams),
    ignoreUriCase: m.ignoreUriCase === true,
    port: num(m.port) || undefined,
    sourceLabels: stringMap(m.sourceLabels),
    sourceNamespace: sourceNamespace || undefined,
    gateways: strings(m.gateways).map((g) => resolveGatewayName(g, ruleNamespace)),
  };
}

function lowerKeys<V>(o: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of Object.entries(o)) out[k.toLowerCase()] = v;
  return out;
}

export const readHttpMatches = (v: unknown, ns: string): HttpMatch[] =>
  list(v).map((m) => readHttpMatch(m, ns));

export function stringMatches(spec: StringMatchSpec, value: string | undefined, ignoreCase = false): boolean {
  if (value === undefined) return false;
  switch (spec.kind) {
    case 'present':
      return true;
    case 'exact':
      return ignoreCase ? value.toLowerCase() === spec.value.toLowerCase() : value === spec.value;
    case 'prefix':
      return ignoreCase
        ? value.toLowerCase().startsWith(spec.value.toLowerCase())
        : value.startsWith(spec.value);
    case 'pathPrefix':
      return spec.value === '/' || value === spec.value || value.startsWith(`${spec.value}/`);
    case 'regex':
      if (spec.re === undefined) spec.re = compileRe2(spec.value);
      return spec.re !== null && spec.re.test(value);
  }
}

/** Whether a match entry is kept for this proxy at all (route.go TranslateRoute / sourceMatchHTTP). */
export function appliesToProxy(m: HttpMatch, proxy: ProxyView): boolean {
  if (m.port !== undefined && m.port !== proxy.port) return false;
  if (m.gateways.length > 0) return m.gateways.includes(proxy.gateway);
  for (const [k, v] of Object.entries(m.sourceLabels)) if (proxy.labels[k] !== v) return false;
  return m.sourceNamespace === undefined || m.sourceNamespace === proxy.namespace;
}

/** Whether the request satisfies the match entry's request conditions. */
export function requestMatches(m: HttpMatch, r: WireRequest): boolean {
  if (m.uri && !stringMatches(m.uri, r.path, m.ignoreUriCase && m.uri.kind !== 'regex')) return false;
  if (m.method && !stringMatches(m.method, r.method)) return false;
  if (m.authority && !stringMatches(m.authority, r.authority)) return false;
  if (m.scheme && !stringMatches(m.scheme, r.scheme)) return false;
  for (const [name, spec] of Object.entries(m.headers)) {
    if (name.startsWith('@request.auth.claims')) return false;
    if (!stringMatches(spec, r.headers[name])) return false;
  }
  for (const [name, spec] of Object.entries(m.withoutHeaders)) {
    if (name.startsWith('@request.auth.claims')) return false;
    const value = r.headers[name];
    if (spec.kind === 'present' ? value !== undefined : stringMatches(spec, value ?? '')) return false;
  }
  for (const [name, spec] of Object.entries(m.queryParams)) {
    const value = r.query.get(name);
    if (!stringMatches(spec, value ?? undefined)) return false;
  }
  return true;
}

/**
 * A match Envoy would treat as catching everything: path prefix `/` (or regex `.*`) and no header or
 * query condition (route.go IsCatchAllRoute). Method, authority and scheme are header conditions.
 */
export function isCatchAll(m: HttpMatch | undefined): boolean {
  if (!m) return true;
  const pathAll =
    !m.uri ||
    ((m.uri.kind === 'prefix' || m.uri.kind === 'pathPrefix') && m.uri.value === '/') ||
    (m.uri.kind === 'regex' && m.uri.value === '.*');
  return (
    pathAll &&
    !m.method &&
    !m.authority &&
    !m.scheme &&
    Object.keys(m.headers).length === 0 &&
    Object.keys(m.withoutHeaders).length === 0 &&
    Object.keys(m.queryParams).length === 0
  );
}

export function wireRequest(req: {
  path?: string;
  method?: string;
  scheme?: string;
  host: string;
  headers: Record<string, string>;
}): WireRequest {
  const raw = req.path ?? '/';
  const q = raw.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  return {
    path: q >= 0 ? raw.slice(0, q) : raw,
    query: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : ''),
    method: (req.method ?? 'GET').toUpperCase(),
    authority: headers[':authority'] ?? headers.host ?? req.host,
    scheme: req.scheme ?? 'http',
    headers,
  };
}

/**
 * Zero trust as Istio's proxies enforce it, written from Istio's documentation (and nothing of the
 * console's own reading of these kinds): which mTLS mode a workload's port accepts, what a client
 * proxy sends, and whether an AuthorizationPolicy lets a request through. Pure: objects in, verdicts out.
 *
 * PeerAuthentication (security.istio.io, "PeerAuthentication" reference and the authentication
 * concepts page):
 *   - a policy without a selector (or with empty matchLabels) in the root namespace is mesh-wide; in
 *     another namespace it covers that namespace; with a selector it covers the workloads it selects
 *     in its own namespace (in the root namespace too: a selector there is not mesh-wide);
 *   - several at one level: the oldest (creationTimestamp, then name) wins;
 *   - workload over namespace over mesh; UNSET (or no `mtls`) inherits from the level above; nothing
 *     set anywhere: PERMISSIVE;
 *   - `portLevelMtls` (keyed by the port the workload listens on) only in a policy with a selector;
 *     a port's UNSET inherits the workload-level mode.
 * Client side ("Auto mutual TLS", DestinationRule ClientTLSSettings): a DestinationRule's tls mode
 *   for the destination (subset port level, subset, port level, rule) decides what the client proxy
 *   sends; without one the proxy sends Istio mTLS to destinations that have a proxy and plaintext to
 *   the rest, and plaintext to a workload whose PeerAuthentication DISABLEs mTLS on that port.
 * AuthorizationPolicy ("Authorization Policy" reference, "Authorization policy" concepts):
 *   - CUSTOM first, then DENY, then ALLOW: a matching CUSTOM or DENY policy refuses; when ALLOW
 *     policies apply and none matches, the request is refused; no ALLOW policy: allowed. AUDIT never
 *     decides. `istio.io/dry-run: "true"` policies are evaluated but not enforced.
 *   - scope: `selector` (the workloads it selects, in its namespace), none (every workload of its
 *     namespace; of the mesh from the root namespace), or `targetRefs` (a Gateway, or a Service whose
 *     waypoint enforces it). Sidecars and ztunnel enforce selector and namespace-wide policies;
 *     waypoints and gateways only the policies whose targetRefs name them.
 *   - a policy matches when one of its rules does; no rules: it matches nothing (an ALLOW policy
 *     without rules refuses everything; `rules: [{}]` matches everything). A rule matches when one
 *     of `from` matches (or there is none), one of `to` matches (or none) and every `when` holds. In a
 *     source or operation every field given must hold; `notX` holds when none of its values matches.
 *   - strings: exact, prefix `abc*`, suffix `*abc`, presence `*` (any non-empty value); paths also
 *     take `{*}` (one segment) and `{**}` (the rest) templates; hosts compare case-insensitively.
 *   - a plaintext request has no principal and no source namespace (both come from the peer
 *     certificate): `principals`/`namespaces` do not match it, `notPrincipals`/`notNamespaces` do.
 * Layer 4 only (ztunnel without a waypoint, "Use Layer 4 security policy"; a sidecar's TCP port, the
 *   TCP traffic task): ztunnel fails safe, an ALLOW policy with L7 attributes matches nothing and a
 *   DENY policy is enforced without its L7 parts. At a TCP port of a sidecar the same holds per rule.
 */
import { byAge, DestinationRuleIndex, effectivePolicy, findSubset } from './destination-rules';
import { fields, isFields, list, str, stringMap, strings } from './read';
import type { Fields } from './read';
import type { RawObject } from './types';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
type ModeSetting = MtlsMode | 'UNSET';

const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

/** The workload (its Pods' namespace and labels) a policy may select. */
export interface WorkloadRef {
  namespace: string;
  labels: Record<string, string>;
}

interface ResolvedMtls {
  mode: MtlsMode;
  level: 'workload' | 'namespace' | 'mesh' | 'default';
  /** The policy whose setting decided; null for the default. */
  policy: RawObject | null;
  /** Set when the decisive setting is a port-level one. */
  port: number | null;
}

function readMode(v: unknown): ModeSetting {
  const m = str(fields(v).mode);
  return m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? m : 'UNSET';
}

function selectorLabels(spec: Fields): Record<string, string> | null {
  const labels = stringMap(fields(spec.selector).matchLabels);
  return Object.keys(labels).length > 0 ? labels : null;
}

function selectsLabels(selector: Record<string, string>, labels: Record<string, string>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

const oldest = (list: RawObject[]): RawObject | undefined => [...list].sort(byAge)[0];

/** The PeerAuthentication mode a workload's port accepts, and where it comes from. */
export function resolveMtls(
  policies: readonly RawObject[],
  rootNamespace: string,
  workload: WorkloadRef,
  port: number | null,
): ResolvedMtls {
  const mesh: RawObject[] = [];
  const namespace: RawObject[] = [];
  const selected: RawObject[] = [];
  for (const p of policies) {
    const ns = p.metadata.namespace ?? 'default';
    const selector = selectorLabels(fields(p.spec));
    if (!selector) {
      if (ns === rootNamespace) mesh.push(p);
      if (ns === workload.namespace && ns !== rootNamespace) namespace.push(p);
    } else if (ns === workload.namespace && selectsLabels(selector, workload.labels)) selected.push(p);
  }
  let out: ResolvedMtls = { mode: 'PERMISSIVE', level: 'default', policy: null, port: null };
  const levels: [ResolvedMtls['level'], RawObject | undefined][] = [
    ['mesh', oldest(mesh)],
    ['namespace', oldest(namespace)],
    ['workload', oldest(selected)],
  ];
  for (const [level, policy] of levels) {
    if (!policy) continue;
    const spec = fields(policy.spec);
    const mode = readMode(spec.mtls);
    if (mode !== 'UNSET') out = { mode, level, policy, port: null };
    if (level !== 'workload' || port === null) continue;
    const portLevel = fields(spec.portLevelMtls)[String(port)];
    const portMode = readMode(portLevel);
    if (portMode !== 'UNSET') out = { mode: portMode, level, policy, port };
  }
  return out;
}

type ClientTlsMode = 'ISTIO_MUTUAL' | 'DISABLE' | 'SIMPLE' | 'MUTUAL';

/** What a client proxy sends toward one destination. */
interface ClientTls {
  /** `istio`: Istio mTLS (the caller's identity goes with it); `plaintext`; `tls`: TLS of other certificates. */
  sends: 'istio' | 'plaintext' | 'tls';
  /** The DestinationRule's mode when one set it; null when auto mTLS decided. */
  mode: ClientTlsMode | null;
}

/** DestinationRules indexed for TLS lookups (reuse one per configuration snapshot). */
export class ClientTlsIndex {
  private readonly index: DestinationRuleIndex;

  constructor(destinationRules: readonly RawObject[], rootNamespace: string) {
    this.index = new DestinationRuleIndex(destinationRules, rootNamespace);
  }

  /**
   * What a caller's proxy sends to `host` (a service in `serviceNamespace`), `subset`, `port`: the
   * DestinationRule's tls mode, or auto mTLS (Istio mTLS when the destination has a proxy and its
   * PeerAuthentication does not DISABLE mTLS on the port).
   */
  clientTls(
    caller: WorkloadRef,
    host: string,
    serviceNamespace: string | undefined,
    subset: string | undefined,
    port: number | undefined,
    destination: { proxy: boolean; mode: MtlsMode },
  ): ClientTls {
    const rule = this.index.lookup(host, serviceNamespace, caller.namespace, caller.labels);
    const policy = effectivePolicy(rule, subset ? findSubset(rule, subset) : undefined, port);
    const mode = str(fields(policy?.tls).mode);
    if (mode === 'DISABLE') return { sends: 'plaintext', mode };
    if (mode === 'ISTIO_MUTUAL') return { sends: 'istio', mode };
    if (mode === 'SIMPLE' || mode === 'MUTUAL') return { sends: 'tls', mode };
    const auto = destination.proxy && destination.mode !== 'DISABLE';
    return { sends: auto ? 'istio' : 'plaintext', mode: null };
  }
}

/** What a server proxy does with a connection, by its mode and what the client sent. */
export function acceptsConnection(
  mode: MtlsMode,
  sends: ClientTls['sends'],
): 'mutual_tls' | 'none' | 'refused' {
  if (sends === 'istio') return mode === 'DISABLE' ? 'refused' : 'mutual_tls';
  if (mode === 'STRICT') return 'refused';
  return 'none';
}

// ---------------------------------------------------------------------------------------------
// AuthorizationPolicy

/** Where a policy is enforced, and what the enforcing proxy is for the request. */
export type Enforcer =
  | { kind: 'sidecar'; workload: WorkloadRef; tcp?: boolean }
  | { kind: 'ztunnel'; workload: WorkloadRef }
  /** A waypoint (or a gateway) enforcing for `service` (namespace/name) through the Gateway `gateway`. */
  | {
      kind: 'waypoint';
      gateway: { namespace: string; name: string };
      service: { namespace: string; name: string } | null;
    };

/** The request as the enforcing proxy sees it. */
export interface AuthzRequest {
  /** The peer's identity without `spiffe://` (cluster.local/ns/<ns>/sa/<sa>); null over plaintext. */
  principal: string | null;
  sourceIp?: string;
  /** The port the destination workload receives on. */
  port: number;
  host?: string;
  method?: string;
  /** Path with query; the query is not matched. */
  path?: string;
  /** Lower-case header names. */
  headers?: Record<string, string>;
}

interface AuthzDecision {
  allowed: boolean;
  /** The policy that decided (the matching CUSTOM or DENY; null when no ALLOW matched or none applies). */
  policy: RawObject | null;
  /** Which kind of refusal: CUSTOM (Envoy's UAEX), DENY, or no ALLOW policy matched. */
  by: 'CUSTOM' | 'DENY' | 'ALLOW' | null;
  /** Dry-run policies that would have refused the request. */
  dryRunDenied: RawObject[];
}

const ALLOWED: AuthzDecision = Object.freeze({
  allowed: true,
  policy: null,
  by: null,
  dryRunDenied: [],
}) as AuthzDecision;

const principalNamespace = (principal: string | null): string | null =>
  principal ? (/(?:^|\/)ns\/([^/]+)\/sa\//.exec(principal)?.[1] ?? null) : null;

const dryRun = (p: RawObject): boolean =>
  (p.metadata as { annotations?: Record<string, string> }).annotations?.[
    DRY_RUN_ANNOTATION
  ]?.toLowerCase() === 'true';

/** Whether a policy applies at an enforcement point. */
function applies(p: RawObject, rootNamespace: string, enforcer: Enforcer): boolean {
  const ns = p.metadata.namespace ?? 'default';
  const spec = fields(p.spec);
  const targetRefs = list(spec.targetRefs).map(fields);
  if (isFields(spec.targetRef)) targetRefs.push(spec.targetRef);
  if (enforcer.kind === 'waypoint') {
    return targetRefs.some((ref) => {
      const kind = str(ref.kind);
      const name = str(ref.name);
      const refNs = str(ref.namespace) ?? ns;
      if (kind === 'Gateway') return refNs === enforcer.gateway.namespace && name === enforcer.gateway.name;
      if (kind === 'Service' && enforcer.service)
        return refNs === enforcer.service.namespace && name === enforcer.service.name;
      // GatewayClass istio-waypoint from the root namespace: every waypoint.
      return kind === 'GatewayClass' && ns === rootNamespace && name === 'istio-waypoint';
    });
  }
  if (targetRefs.length > 0) return false;
  const workload = enforcer.workload;
  const selector = selectorLabels(spec);
  if (!selector) return ns === rootNamespace || ns === workload.namespace;
  return ns === workload.namespace && selectsLabels(selector, workload.labels);
}

/** Istio's string match: exact, `prefix*`, `*suffix`, `*` (present, non-empty). */
export function stringMatches(
  pattern: string,
  value: string | null | undefined,
  ignoreCase = false,
): boolean {
  if (value === null || value === undefined || value === '') return false;
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  if (p === '*') return true;
  if (p.startsWith('*')) return v.endsWith(p.slice(1));
  if (p.endsWith('*')) return v.startsWith(p.slice(0, -1));
  return p === v;
}

const TEMPLATE = /\{\*\*?\}/;

function pathMatches(pattern: string, path: string | null | undefined): boolean {
  if (!path) return false;
  const bare = path.split('?')[0] as string;
  if (!TEMPLATE.test(pattern)) return stringMatches(pattern, bare);
  const re = pattern
    .split('/')
    .map((seg) =>
      seg === '{**}' ? '.+' : seg === '{*}' ? '[^/]+' : seg.replace(/[.+?^${}()|[\]\\*]/g, (c) => `\\${c}`),
    )
    .join('/');
  return new RegExp(`^${re}$`).test(bare);
}

function ipMatches(block: string, ip: string | undefined): boolean {
  if (!ip) return false;
  const [base, bits] = block.split('/');
  if (bits === undefined) return base === ip;
  const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !/^\d+\.\d+\.\d+\.\d+$/.test(base ?? '')) return false;
  const n = Number(bits);
  if (!(n >= 0 && n <= 32)) return false;
  const size = 2 ** (32 - n);
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base as string) / size);
}

/** A field's values hold (any matches), or the field is absent. */
function anyOf(values: unknown, test: (v: string) => boolean): boolean {
  if (values === undefined) return true;
  return strings(values).some(test);
}

/** A `notX` field holds (none matches), or it is absent. */
function noneOf(values: unknown, test: (v: string) => boolean): boolean {
  if (values === undefined) return true;
  return !strings(values).some(test);
}

/** Fields only a proxy that reads HTTP can match. */
const L7_SOURCE = ['requestPrincipals', 'notRequestPrincipals', 'remoteIpBlocks', 'notRemoteIpBlocks'];
const L7_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const L4_CONDITIONS = new Set([
  'source.ip',
  'source.namespace',
  'source.principal',
  'destination.ip',
  'destination.port',
]);

const has = (f: Fields, keys: string[]) => keys.some((k) => f[k] !== undefined);

function ruleHasL7(rule: Fields): boolean {
  return (
    list(rule.from).some((f) => has(fields(fields(f).source), L7_SOURCE)) ||
    list(rule.to).some((t) => has(fields(fields(t).operation), L7_OPERATION)) ||
    list(rule.when).some((c) => !L4_CONDITIONS.has(str(fields(c).key) ?? ''))
  );
}

function sourceMatches(s: Fields, r: AuthzRequest, l4: boolean): boolean {
  const ns = principalNamespace(r.principal);
  return (
    anyOf(s.principals, (p) => stringMatches(p, r.principal)) &&
    noneOf(s.notPrincipals, (p) => stringMatches(p, r.principal)) &&
    anyOf(s.namespaces, (p) => stringMatches(p, ns)) &&
    noneOf(s.notNamespaces, (p) => stringMatches(p, ns)) &&
    anyOf(s.ipBlocks, (b) => ipMatches(b, r.sourceIp)) &&
    noneOf(s.notIpBlocks, (b) => ipMatches(b, r.sourceIp)) &&
    (l4 ||
      // No JWT in the demo: requestPrincipals never match, their negation always does.
      (anyOf(s.requestPrincipals, () => false) &&
        anyOf(s.remoteIpBlocks, (b) => ipMatches(b, r.sourceIp)) &&
        noneOf(s.notRemoteIpBlocks, (b) => ipMatches(b, r.sourceIp))))
  );
}

function operationMatches(o: Fields, r: AuthzRequest, l4: boolean): boolean {
  const port = String(r.port);
  return (
    anyOf(o.ports, (p) => p === port) &&
    noneOf(o.notPorts, (p) => p === port) &&
    (l4 ||
      (anyOf(o.hosts, (h) => stringMatches(h, r.host, true)) &&
        noneOf(o.notHosts, (h) => stringMatches(h, r.host, true)) &&
        anyOf(o.methods, (m) => stringMatches(m, r.method)) &&
        noneOf(o.notMethods, (m) => stringMatches(m, r.method)) &&
        anyOf(o.paths, (p) => pathMatches(p, r.path)) &&
        noneOf(o.notPaths, (p) => pathMatches(p, r.path))))
  );
}

const HEADER_KEY = /^request\.headers\[(.+)\]$/;

/** The value a `when` key names for the request; undefined for a key the request cannot have. */
function conditionValue(key: string, r: AuthzRequest): string | null | undefined {
  const header = HEADER_KEY.exec(key);
  if (header) return r.headers?.[(header[1] as string).toLowerCase()] ?? null;
  switch (key) {
    case 'source.ip':
    case 'remote.ip':
      return r.sourceIp ?? null;
    case 'source.namespace':
      return principalNamespace(r.principal);
    case 'source.principal':
      return r.principal;
    case 'destination.port':
      return String(r.port);
    default:
      // request.auth.* (no JWT here), destination.ip, connection.sni, experimental.*: no value.
      return null;
  }
}

function conditionHolds(c: Fields, r: AuthzRequest, l4: boolean): boolean {
  const key = str(c.key) ?? '';
  if (l4 && !L4_CONDITIONS.has(key)) return true;
  const value = conditionValue(key, r);
  const test = (v: string) =>
    key === 'source.ip' || key === 'remote.ip' ? ipMatches(v, value ?? undefined) : stringMatches(v, value);
  return anyOf(c.values, test) && noneOf(c.notValues, test);
}

/**
 * Whether one rule matches. `l4`: the enforcer reads no HTTP, so the rule's L7 parts are left out
 * (a DENY rule denies on its L4 parts; ALLOW rules with L7 parts are dropped before this).
 */
function ruleMatches(rule: Fields, r: AuthzRequest, l4: boolean): boolean {
  const from = list(rule.from);
  if (from.length > 0 && !from.some((f) => sourceMatches(fields(fields(f).source), r, l4))) return false;
  const to = list(rule.to);
  if (to.length > 0 && !to.some((t) => operationMatches(fields(fields(t).operation), r, l4))) return false;
  return list(rule.when).every((c) => conditionHolds(fields(c), r, l4));
}

function policyMatches(p: RawObject, action: string, r: AuthzRequest, enforcer: Enforcer): boolean {
  const rules = list(fields(p.spec).rules).map(fields);
  const l4 = enforcer.kind === 'ztunnel' || (enforcer.kind === 'sidecar' && enforcer.tcp === true);
  if (!l4) return rules.some((rule) => ruleMatches(rule, r, false));
  if (action === 'ALLOW' || action === 'CUSTOM') {
    // ztunnel fails safe: an ALLOW policy with L7 attributes never matches; a TCP port of a sidecar
    // drops the rules with HTTP-only fields.
    if (enforcer.kind === 'ztunnel' && rules.some(ruleHasL7)) return false;
    return rules.some((rule) => !ruleHasL7(rule) && ruleMatches(rule, r, true));
  }
  return rules.some((rule) => ruleMatches(rule, r, true));
}

/** The AuthorizationPolicies that apply at an enforcement point (reuse for every request there). */
export function policiesAt(
  policies: readonly RawObject[],
  rootNamespace: string,
  enforcer: Enforcer,
): RawObject[] {
  return policies.filter((p) => applies(p, rootNamespace, enforcer));
}

/**
 * Istio's evaluation at one enforcement point: CUSTOM, then DENY, then ALLOW. `applicable` are the
 * policies that apply there (policiesAt).
 */
export function authorize(
  applicable: readonly RawObject[],
  enforcer: Enforcer,
  r: AuthzRequest,
): AuthzDecision {
  if (applicable.length === 0) return ALLOWED;
  const dryRunDenied: RawObject[] = [];
  let decided: AuthzDecision | null = null;
  for (const action of ['CUSTOM', 'DENY'] as const) {
    for (const p of applicable) {
      if ((str(fields(p.spec).action) ?? 'ALLOW') !== action) continue;
      if (!policyMatches(p, action, r, enforcer)) continue;
      if (dryRun(p)) dryRunDenied.push(p);
      else decided ??= { allowed: false, policy: p, by: action, dryRunDenied };
    }
  }
  if (decided) return decided;
  const allows = applicable.filter((p) => (str(fields(p.spec).action) ?? 'ALLOW') === 'ALLOW');
  const enforced = allows.filter((p) => !dryRun(p));
  const matched = (p: RawObject) => policyMatches(p, 'ALLOW', r, enforcer);
  if (allows.some((p) => dryRun(p)) && !allows.filter(dryRun).some(matched))
    dryRunDenied.push(...allows.filter(dryRun));
  if (enforced.length > 0 && !enforced.some(matched))
    return { allowed: false, policy: null, by: 'ALLOW', dryRunDenied };
  return dryRunDenied.length > 0 ? { allowed: true, policy: null, by: null, dryRunDenied } : ALLOWED;
}

/** The principal of a workload's service account (no `spiffe://`). */
export function principalOf(
  namespace: string,
  serviceAccount: string,
  trustDomain = 'cluster.local',
): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

import { contractMessage as msg } from '../contract/messages';
import { AccessPolicyForm } from '../contract/security';
import type { AccessSource, CallerVerdict, ObservedCaller } from '../contract/security';
import { actionOf, isDryRun } from './authorization-policy';
import type { MeshObject } from './istio-types';
import { isRecord, list, stringList } from './json';
import { refOf } from './peer-authentication';

/**
 * The console's own judgement of the callers it observed, by the AuthorizationPolicies of a
 * service (the demo's simulator judges requests separately). It follows Istio's order: CUSTOM,
 * then DENY, then ALLOW, a request refused at any step is refused; with no ALLOW policy every
 * request not refused is allowed, with ALLOW policies a request none of them matches is refused.
 * A dry-run policy is not enforced and AUDIT never decides.
 *
 * Telemetry knows a caller by its identity (principal, and the namespace in it) and the port it
 * called, not by the path, method, headers or IP of its requests. Matching is three-valued: a
 * rule whose match depends on what telemetry does not show is `maybe`, and the caller's decision
 * is `unknown` only when the outcome depends on such a match.
 *
 * Matching follows the RBAC config istiod generates (pilot/pkg/security/authz): principals are
 * compared with the peer certificate's `spiffe://` URI (exact, `abc*` prefix, `*abc` suffix, `*`
 * any); a namespace value matches a principal with `/ns/<value>/` (`*` a wildcard); both need
 * mutual TLS, so they never match a plaintext caller, and their `not` forms always do.
 */

type Tri = 'yes' | 'no' | 'maybe';

function and(values: Iterable<Tri>): Tri {
  let out: Tri = 'yes';
  for (const v of values) {
    if (v === 'no') return 'no';
    if (v === 'maybe') out = 'maybe';
  }
  return out;
}

function or(values: Iterable<Tri>): Tri {
  let out: Tri = 'no';
  for (const v of values) {
    if (v === 'yes') return 'yes';
    if (v === 'maybe') out = 'maybe';
  }
  return out;
}

function not(v: Tri): Tri {
  return v === 'yes' ? 'no' : v === 'no' ? 'yes' : 'maybe';
}

const tri = (b: boolean): Tri => (b ? 'yes' : 'no');

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The caller's principal without `spiffe://`; null for plaintext. */
function principalOf(caller: ObservedCaller): string | null {
  const p = caller.principal;
  if (p === null || p === '') return null;
  return p.startsWith('spiffe://') ? p.slice('spiffe://'.length) : p;
}

/** Istio's string match of a principal value: exact, `abc*`, `*abc`, `*` (any non-empty). */
export function principalMatches(value: string, principal: string | null): boolean {
  if (principal === null) return false;
  if (value === '*') return principal !== '';
  // istiod prefixes the value with spiffe:// as written: a value that has it already never matches.
  if (value.startsWith('*')) return principal.endsWith(value.slice(1));
  if (value.endsWith('*')) return principal.startsWith(value.slice(0, -1));
  return principal === value;
}

/** A namespace value against the principal, as istiod's regex `.*\/ns/<value>/.*` (`*` → `.*`). */
export function namespaceMatches(value: string, principal: string | null): boolean {
  if (principal === null) return false;
  const glob = value.split('*').map(escapeRegex).join('.*');
  return new RegExp(`^.*/ns/${glob}/.*$`).test(`spiffe://${principal}`);
}

/** A service-account value (`<ns>/<sa>`, or `<sa>` in the policy's namespace) against the principal. */
function serviceAccountMatches(value: string, principal: string | null, policyNamespace: string): boolean {
  if (principal === null) return false;
  const slash = value.indexOf('/');
  const ns = slash < 0 ? policyNamespace : value.slice(0, slash);
  const sa = slash < 0 ? value : value.slice(slash + 1);
  return new RegExp(`^spiffe://.+/ns/${escapeRegex(ns)}/(.+/|)sa/${escapeRegex(sa)}(/.+)?$`).test(
    `spiffe://${principal}`,
  );
}

/** A trust-domain value (`*`, exact, or one `*` inside) against the principal's trust domain. */
function trustDomainMatches(value: string, principal: string | null): boolean {
  if (principal === null) return false;
  const domain = principal.split('/')[0] ?? '';
  if (value === '*') return true;
  const glob = value.split('*').map(escapeRegex).join('[^/]*');
  return new RegExp(`^${glob}$`).test(domain);
}

/**
 * Where the policies are enforced: `sidecar` (or a waypoint), Envoy with every attribute; `ztunnel`
 * (an ambient workload without a waypoint), which enforces only L4 attributes. istiod hands
 * ztunnel a policy without its HTTP attributes (pilot/pkg/serviceregistry/ambient): an ALLOW rule
 * that has any never matches; in a DENY rule they are left out, and a source, operation or
 * condition left empty matches nothing.
 */
export interface JudgeOptions {
  /** The destination port, when known: operations and conditions on ports are then decided. */
  port?: number;
  /** The workloads are ambient without a waypoint: ztunnel enforces the policies (L4 only). */
  l4Only?: boolean;
}

interface Context {
  principal: string | null;
  port: number | undefined;
  policyNamespace: string;
  l4Only: boolean;
}

/** HTTP attributes, which ztunnel does not see. */
const HTTP_SOURCE_FIELDS = new Set([
  'requestPrincipals',
  'notRequestPrincipals',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
]);
const HTTP_OPERATION_FIELDS = new Set(['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths']);
const L4_CONDITION_KEYS = new Set([
  'source.ip',
  'source.namespace',
  'source.principal',
  'destination.ip',
  'destination.port',
]);

const present = (v: unknown) => stringList(v).length > 0;

/** Whether a rule uses an attribute ztunnel does not see. */
function usesHttp(rule: Record<string, unknown>): boolean {
  const inSources = list(rule.from).some(
    (f) =>
      isRecord(f) &&
      isRecord(f.source) &&
      Object.entries(f.source).some(([k, v]) => HTTP_SOURCE_FIELDS.has(k) && present(v)),
  );
  const inOperations = list(rule.to).some(
    (t) =>
      isRecord(t) &&
      isRecord(t.operation) &&
      Object.entries(t.operation).some(([k, v]) => HTTP_OPERATION_FIELDS.has(k) && present(v)),
  );
  const inConditions = list(rule.when).some(
    (c) => isRecord(c) && typeof c.key === 'string' && !L4_CONDITION_KEYS.has(c.key),
  );
  return inSources || inOperations || inConditions;
}

/** One field of a source, operation or condition: any of its values (`not…`: none of them). */
function field(values: string[], negated: boolean, each: (v: string) => Tri): Tri {
  if (values.length === 0) return 'yes';
  const any = or(values.map(each));
  return negated ? not(any) : any;
}

/** The fields of an entry that take part, each with its values (for ztunnel, HTTP ones left out). */
function fieldsOf(
  entry: Record<string, unknown>,
  http: ReadonlySet<string>,
  ctx: Context,
): [string, string[]][] {
  return Object.entries(entry)
    .map(([key, raw]): [string, string[]] => [key, stringList(raw)])
    .filter(([key, values]) => values.length > 0 && !(ctx.l4Only && http.has(key)));
}

function sourceMatch(source: unknown, ctx: Context): Tri {
  if (!isRecord(source)) return 'yes';
  const fields = fieldsOf(source, HTTP_SOURCE_FIELDS, ctx);
  // ztunnel skips a match left empty: it matches nothing.
  if (ctx.l4Only && fields.length === 0) return 'no';
  const results: Tri[] = [];
  for (const [key, values] of fields) {
    const negated = key.startsWith('not');
    const base = negated ? key.charAt(3).toLowerCase() + key.slice(4) : key;
    switch (base) {
      case 'principals':
        results.push(field(values, negated, (v) => tri(principalMatches(v, ctx.principal))));
        break;
      case 'namespaces':
        results.push(field(values, negated, (v) => tri(namespaceMatches(v, ctx.principal))));
        break;
      case 'serviceAccounts':
        results.push(
          field(values, negated, (v) => tri(serviceAccountMatches(v, ctx.principal, ctx.policyNamespace))),
        );
        break;
      case 'trustDomains':
        results.push(field(values, negated, (v) => tri(trustDomainMatches(v, ctx.principal))));
        break;
      default:
        // requestPrincipals (JWT), ipBlocks, remoteIpBlocks: not in telemetry.
        results.push('maybe');
    }
  }
  return and(results);
}

function portMatch(value: string, port: number | undefined): Tri {
  return port === undefined ? 'maybe' : tri(value === String(port));
}

function operationMatch(operation: unknown, ctx: Context): Tri {
  if (!isRecord(operation)) return 'yes';
  const fields = fieldsOf(operation, HTTP_OPERATION_FIELDS, ctx);
  if (ctx.l4Only && fields.length === 0) return 'no';
  return and(
    fields.map(([key, values]) =>
      key === 'ports' || key === 'notPorts'
        ? field(values, key === 'notPorts', (v) => portMatch(v, ctx.port))
        : // hosts, methods, paths and their `not` forms: not in telemetry.
          'maybe',
    ),
  );
}

function conditionMatch(condition: unknown, ctx: Context): Tri {
  if (!isRecord(condition) || typeof condition.key !== 'string') return 'maybe';
  if (ctx.l4Only && !L4_CONDITION_KEYS.has(condition.key)) return 'no';
  const values = stringList(condition.values);
  const notValues = stringList(condition.notValues);
  let each: ((v: string) => Tri) | null = null;
  if (condition.key === 'source.principal') each = (v) => tri(principalMatches(v, ctx.principal));
  else if (condition.key === 'source.namespace') each = (v) => tri(namespaceMatches(v, ctx.principal));
  else if (condition.key === 'destination.port') each = (v) => portMatch(v, ctx.port);
  if (!each) return values.length === 0 && notValues.length === 0 ? 'yes' : 'maybe';
  return and([field(values, false, each), field(notValues, true, each)]);
}

/** Whether one rule matches: one of `from`, one of `to`, every `when` (a missing list matches). */
function ruleMatch(rule: unknown, ctx: Context, action: string): Tri {
  if (!isRecord(rule)) return 'no';
  if (ctx.l4Only && action === 'ALLOW' && usesHttp(rule)) return 'no';
  const from = list(rule.from);
  const to = list(rule.to);
  const when = list(rule.when);
  return and([
    from.length === 0 ? 'yes' : or(from.map((f) => (isRecord(f) ? sourceMatch(f.source, ctx) : 'yes'))),
    to.length === 0 ? 'yes' : or(to.map((t) => (isRecord(t) ? operationMatch(t.operation, ctx) : 'yes'))),
    and(when.map((c) => conditionMatch(c, ctx))),
  ]);
}

/**
 * Whether a policy matches the caller: one of its rules matches. No rules (absent or `[]`) match
 * nothing; an empty rule `{}` matches everything.
 */
function policyMatches(policy: MeshObject, caller: ObservedCaller, options: JudgeOptions): Tri {
  const ctx: Context = {
    principal: principalOf(caller),
    port: options.port,
    policyNamespace: policy.metadata.namespace ?? '',
    l4Only: options.l4Only ?? false,
  };
  const action = actionOf(policy);
  return or(list(policy.spec?.rules).map((r) => ruleMatch(r, ctx, action)));
}

const nameOf = (p: MeshObject) => `${p.metadata.namespace ?? ''}/${p.metadata.name}`;

/** The first policy that matches, else the first that may; null when none can. */
function firstMatch(policies: MeshObject[], caller: ObservedCaller, options: JudgeOptions) {
  let maybe: MeshObject | null = null;
  for (const p of policies) {
    const m = policyMatches(p, caller, options);
    if (m === 'yes') return { match: 'yes' as const, policy: p };
    if (m === 'maybe' && !maybe) maybe = p;
  }
  return maybe ? { match: 'maybe' as const, policy: maybe } : { match: 'no' as const, policy: null };
}

function judge(
  enforced: { custom: MeshObject[]; deny: MeshObject[]; allow: MeshObject[] },
  caller: ObservedCaller,
  options: JudgeOptions,
): CallerVerdict {
  const verdict = (decision: CallerVerdict['decision'], policy: MeshObject | null, reason: string) => ({
    caller,
    decision,
    policy: policy ? refOf(policy) : null,
    reason,
  });
  const deny = firstMatch(enforced.deny, caller, options);
  if (deny.match === 'yes' && deny.policy)
    return verdict('denied', deny.policy, msg('security.deniedBy', { name: nameOf(deny.policy) }));
  const allow =
    enforced.allow.length === 0
      ? { match: 'none' as const, policy: null }
      : firstMatch(enforced.allow, caller, options);
  if (allow.match === 'no')
    return verdict(
      'denied',
      null,
      principalOf(caller) === null ? msg('security.noAllowMatchesPlaintext') : msg('security.noAllowMatches'),
    );
  if (deny.match === 'maybe' && deny.policy)
    return verdict('unknown', deny.policy, msg('security.dependsOnRequest', { name: nameOf(deny.policy) }));
  if (allow.match === 'maybe' && allow.policy)
    return verdict('unknown', allow.policy, msg('security.dependsOnRequest', { name: nameOf(allow.policy) }));
  const custom = firstMatch(enforced.custom, caller, options);
  if (custom.match !== 'no' && custom.policy)
    return verdict('unknown', custom.policy, msg('security.customDecides', { name: nameOf(custom.policy) }));
  if (allow.match === 'yes' && allow.policy)
    return verdict('allowed', allow.policy, msg('security.allowedBy', { name: nameOf(allow.policy) }));
  return verdict('allowed', null, msg('security.noAllowPolicy'));
}

/** The enforced policies by action: dry-run ones and AUDIT left out (ztunnel knows no CUSTOM). */
function enforcedOf(policies: readonly MeshObject[], options: JudgeOptions) {
  const live = policies.filter((p) => !isDryRun(p));
  return {
    custom: options.l4Only ? [] : live.filter((p) => actionOf(p) === 'CUSTOM'),
    deny: live.filter((p) => actionOf(p) === 'DENY'),
    allow: live.filter((p) => actionOf(p) === 'ALLOW'),
  };
}

/**
 * What the policies (those that apply to the service) do to each observed caller. `port` (a
 * number, or in `options`) is the destination port when known.
 */
export function judgeCallers(
  policies: readonly MeshObject[],
  callers: readonly ObservedCaller[],
  port?: number | JudgeOptions,
): CallerVerdict[] {
  const options: JudgeOptions = typeof port === 'number' ? { port } : (port ?? {});
  const enforced = enforcedOf(policies, options);
  return callers.map((c) => {
    const verdict = judge(enforced, c, options);
    if (verdict.decision !== 'allowed' || c.principal === null || c.mtlsShare === null || c.mtlsShare >= 1)
      return verdict;
    // Some of its requests are plaintext: no identity, so principals and namespaces never match them.
    const plain = judge(enforced, { ...c, principal: null }, options);
    if (plain.decision !== 'denied') return verdict;
    return {
      ...plain,
      caller: c,
      decision: 'unknown' as const,
      reason: msg('security.plaintextPartRefused', { percent: Math.round((1 - c.mtlsShare) * 100) }),
    };
  });
}

/** The policies after a change: `next` in place of the policy named `name` (same namespace), or that policy removed. */
function policiesAfter(
  live: readonly MeshObject[],
  next: MeshObject | null,
  name: string,
  namespace?: string,
): MeshObject[] {
  const ns = next?.metadata.namespace ?? namespace;
  const same = (p: MeshObject) =>
    p.metadata.name === name && (ns === undefined || p.metadata.namespace === ns);
  const out = live.filter((p) => !same(p));
  if (next) out.push(next);
  return out;
}

type ChangeOptions = JudgeOptions & { namespace?: string };

/**
 * The callers the change refuses: not refused by the live policies, refused once `next` replaces
 * (or adds) the policy named `name` (in `options.namespace`, else next's), or once that policy is
 * removed (`next` null). A caller the change leaves `unknown` is not counted (see `mayRefuse`).
 */
export function newlyRefused(
  live: readonly MeshObject[],
  next: MeshObject | null,
  name: string,
  callers: readonly ObservedCaller[],
  options: ChangeOptions = {},
): CallerVerdict[] {
  const before = judgeCallers(live, callers, options);
  const after = judgeCallers(policiesAfter(live, next, name, options.namespace), callers, options);
  return after.filter((v, i) => v.decision === 'denied' && before[i]?.decision !== 'denied');
}

/** The callers allowed now whose fate after the change depends on what telemetry does not show. */
export function mayRefuse(
  live: readonly MeshObject[],
  next: MeshObject | null,
  name: string,
  callers: readonly ObservedCaller[],
  options: ChangeOptions = {},
): CallerVerdict[] {
  const before = judgeCallers(live, callers, options);
  const after = judgeCallers(policiesAfter(live, next, name, options.namespace), callers, options);
  return after.filter((v, i) => v.decision === 'unknown' && before[i]?.decision === 'allowed');
}

/** Callers that send plaintext (some of their requests, or all: no identity): STRICT refuses those requests. */
export function plaintextCallers(callers: readonly ObservedCaller[]): ObservedCaller[] {
  return callers.filter((c) => c.principal === null || (c.mtlsShare !== null && c.mtlsShare < 1));
}

/** The contract's bounds: values per field, sources per rule, rules per policy. */
const VALUES_MAX = 64;
const SOURCES_MAX = 32;
const RULES_MAX = 50;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * "Allow what is seen now": an ALLOW policy whose sources name the principals seen (one rule, or
 * more when they exceed what one rule holds). A caller without identity (plaintext) cannot be
 * allowed by identity: it is returned in `unidentified`, and the policy would refuse it. With no
 * identified caller the policy has no rule, so it would refuse every request: the operator edits
 * it before applying. Principals beyond what a policy holds are left out (and their callers
 * returned in `unidentified` too).
 */
export function suggestAllowPolicy(
  callers: readonly ObservedCaller[],
  name: string,
): { form: AccessPolicyForm; unidentified: ObservedCaller[] } {
  const seen = [...new Set(callers.map(principalOf).filter((p): p is string => p !== null))].sort();
  const principals = seen.slice(0, VALUES_MAX * SOURCES_MAX * RULES_MAX);
  const allowed = new Set(principals);
  const unidentified = callers.filter((c) => {
    const p = principalOf(c);
    return p === null || !allowed.has(p);
  });
  const sources: AccessSource[] = chunks(principals, VALUES_MAX).map((values) => ({ principals: values }));
  const form = AccessPolicyForm.parse({
    name,
    action: 'ALLOW',
    rules: chunks(sources, SOURCES_MAX).map((from) => ({ from })),
    dryRun: false,
  });
  return { form, unidentified };
}

import { AccessPolicyForm } from '../contract/security';
import type {
  AccessCondition,
  AccessOperation,
  AccessPolicyFormInput,
  AccessRule,
  AccessSource,
} from '../contract/security';
import { kubeKind } from '../lib/kube-kind';
import type { KubeKind } from '../lib/kube-kind';
import type { MeshObject } from './istio-types';
import { isRecord, list } from './json';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_ANNOTATION } from './model';
import { ROOT_NAMESPACE, selectorOf, selects } from './peer-authentication';

/**
 * "Who may call this service", form ⇄ AuthorizationPolicy, and which policies reach a service,
 * with no I/O.
 *
 * The policy selects the service's workloads by the Service's selector labels (`selector`, for
 * sidecars), or names the Service in `targetRefs` (a service behind a waypoint, in ambient mode).
 * Istio's rule structure is kept as it is: `from` entries wrap a `source`, `to` entries an
 * `operation`. The form shows namespaces and principals of sources, methods, paths and ports of
 * operations, and conditions; any other field (ipBlocks, hosts, requestPrincipals, …) is kept on
 * write and listed in `keptFields`.
 */

export const AUTHORIZATION_POLICY: KubeKind = kubeKind(
  'security.istio.io/v1',
  'AuthorizationPolicy',
  'authorizationpolicies',
);

/** istio.io/dry-run: istiod evaluates and logs the policy without enforcing it. */
export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

const SPEC_SHOWN = new Set(['selector', 'targetRef', 'targetRefs', 'action', 'rules']);
const RULE_SHOWN = new Set(['from', 'to', 'when']);
const SOURCE_FIELDS = ['namespaces', 'principals', 'notNamespaces', 'notPrincipals'] as const;
const OPERATION_FIELDS = ['methods', 'paths', 'ports', 'notMethods', 'notPaths'] as const;
const CONDITION_SHOWN = new Set(['key', 'values', 'notValues']);
const ACTIONS = new Set(['ALLOW', 'DENY', 'AUDIT']);

type Labels = Record<string, string>;
type Json = Record<string, unknown>;
export type Attachment = 'selector' | 'targetRefs' | 'namespace';

/** Go's strconv.ParseBool, as istiod reads the dry-run annotation. */
export function isDryRun(obj: MeshObject): boolean {
  const v = obj.metadata.annotations?.[DRY_RUN_ANNOTATION];
  return v !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

/** The policy's action: ALLOW when absent, as Istio reads it. */
export function actionOf(obj: MeshObject): string {
  const action = obj.spec?.action;
  return typeof action === 'string' && action !== '' ? action : 'ALLOW';
}

/** `targetRefs`, or the legacy single `targetRef`, as istiod reads them. */
function targetRefsOf(obj: MeshObject): Json[] {
  const refs = list(obj.spec?.targetRefs).filter(isRecord);
  if (refs.length > 0) return refs;
  return isRecord(obj.spec?.targetRef) ? [obj.spec.targetRef] : [];
}

function attachmentOf(obj: MeshObject): Attachment {
  if (targetRefsOf(obj).length > 0) return 'targetRefs';
  return selectorOf(obj) ? 'selector' : 'namespace';
}

function namesService(
  ref: Json,
  policyNamespace: string,
  service: { namespace: string; name: string },
): boolean {
  const group = ref.group ?? '';
  const ns = ref.namespace ?? '';
  return (
    ref.kind === 'Service' &&
    group === '' &&
    ref.name === service.name &&
    policyNamespace === service.namespace &&
    (ns === '' || ns === service.namespace)
  );
}

// ---------------------------------------------------------------------------------------------
// Form → object.

/** A list field written only when it has values (an empty list constrains nothing in Istio). */
function withList(target: Json, key: string, values: readonly string[] | undefined): Json {
  const { [key]: _was, ...rest } = target;
  return values && values.length > 0 ? { ...rest, [key]: [...values] } : rest;
}

function sourceOf(form: AccessSource, before: unknown): Json {
  let out: Json = { ...(isRecord(before) ? before : {}) };
  for (const key of SOURCE_FIELDS) out = withList(out, key, form[key]);
  return out;
}

function operationOf(form: AccessOperation, before: unknown): Json {
  let out: Json = { ...(isRecord(before) ? before : {}) };
  for (const key of OPERATION_FIELDS) out = withList(out, key, form[key]);
  return out;
}

function conditionOf(form: AccessCondition, before: unknown): Json {
  const out: Json = { ...(isRecord(before) ? before : {}), key: form.key };
  return withList(withList(out, 'values', form.values), 'notValues', form.notValues);
}

/** A rule of the form over the same rule of the live policy (by position), which keeps its other fields. */
function ruleOf(form: AccessRule, before: unknown): Json {
  const was = isRecord(before) ? before : {};
  const out: Json = { ...was };
  const wasFrom = list(was.from);
  const wasTo = list(was.to);
  const wasWhen = list(was.when);
  // istiod refuses an empty source or operation; one matches every caller (request), as no list
  // does: a list holding one is left out.
  const from = (form.from ?? []).map((s, i) => {
    const entry = isRecord(wasFrom[i]) ? wasFrom[i] : {};
    return { ...entry, source: sourceOf(s, entry.source) };
  });
  if (from.length > 0 && from.every((f) => Object.keys(f.source).length > 0)) out.from = from;
  else delete out.from;
  const to = (form.to ?? []).map((o, i) => {
    const entry = isRecord(wasTo[i]) ? wasTo[i] : {};
    return { ...entry, operation: operationOf(o, entry.operation) };
  });
  if (to.length > 0 && to.every((t) => Object.keys(t.operation).length > 0)) out.to = to;
  else delete out.to;
  if (form.when && form.when.length > 0) out.when = form.when.map((c, i) => conditionOf(c, wasWhen[i]));
  else delete out.when;
  return out;
}

/**
 * The AuthorizationPolicy the form writes. An edit starts from `current`: fields the form does not
 * show stay, in the spec and in each rule, source and operation (matched by position), and so does
 * the way the live policy reaches its workloads. `attach` says how a new policy reaches the
 * service: `selector` (the Service's selector labels), `targetRefs` (the Service, for a service
 * behind a waypoint) or `namespace` (neither: every workload of the namespace). `dryRun` sets or
 * removes the istio.io/dry-run annotation; `provider` (CUSTOM only) is dropped, as the form's
 * actions never take one.
 */
export function planAccessPolicy(
  form: AccessPolicyForm,
  ctx: {
    namespace: string;
    selector: Labels;
    serviceId: string;
    serviceName: string;
    attach: Attachment;
    current: MeshObject | null;
  },
): MeshObject {
  const current = ctx.current;
  const before: Json = { ...(current?.spec ?? {}) };
  // An edit keeps how the live policy reaches its workloads (selector, targetRefs, neither): the
  // form does not show it, and changing it would widen or narrow the policy unseen.
  const spec: Json = { ...before };
  if (!current) {
    if (ctx.attach === 'selector') spec.selector = { matchLabels: { ...ctx.selector } };
    else if (ctx.attach === 'targetRefs')
      spec.targetRefs = [{ kind: 'Service', group: '', name: ctx.serviceName }];
  }
  spec.action = form.action;
  const wasRules = list(before.rules);
  if (form.rules.length > 0) spec.rules = form.rules.map((r, i) => ruleOf(r, wasRules[i]));
  else delete spec.rules;
  delete spec.provider;

  let metadata: MeshObject['metadata'];
  if (current) metadata = { ...current.metadata };
  else
    metadata = {
      name: form.name,
      namespace: ctx.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: { [SERVICE_ANNOTATION]: ctx.serviceId },
    };
  const { [DRY_RUN_ANNOTATION]: _dryRun, ...annotations } = metadata.annotations ?? {};
  if (form.dryRun) annotations[DRY_RUN_ANNOTATION] = 'true';
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  if (form.resourceVersion !== undefined) metadata.resourceVersion = form.resourceVersion;
  return {
    apiVersion: current?.apiVersion ?? AUTHORIZATION_POLICY.apiVersion,
    kind: AUTHORIZATION_POLICY.kind,
    metadata,
    spec,
  };
}

// ---------------------------------------------------------------------------------------------
// Object → form.

/** A list of strings, or undefined when absent; null when it is something else. */
function strings(v: unknown): string[] | undefined | null {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((e) => typeof e === 'string')) return null;
  return v.length > 0 ? [...(v as string[])] : undefined;
}

class Unshowable extends Error {}

function readFields<K extends string>(
  obj: unknown,
  fields: readonly K[],
  where: string,
  kept: string[],
): Partial<Record<K, string[]>> {
  if (obj === undefined) return {};
  if (!isRecord(obj)) throw new Unshowable(where);
  const out: Partial<Record<K, string[]>> = {};
  for (const [key, value] of Object.entries(obj)) {
    if ((fields as readonly string[]).includes(key)) {
      const values = strings(value);
      if (values === null) throw new Unshowable(`${where}.${key}`);
      if (values) out[key as K] = values;
    } else kept.push(`${where}.${key}`);
  }
  return out;
}

function readRule(rule: unknown, where: string, kept: string[]): AccessRule {
  if (!isRecord(rule)) throw new Unshowable(where);
  const out: AccessRule = {};
  for (const key of Object.keys(rule)) if (!RULE_SHOWN.has(key)) kept.push(`${where}.${key}`);
  if (rule.from !== undefined) {
    if (!Array.isArray(rule.from)) throw new Unshowable(`${where}.from`);
    const from = rule.from.map((entry, j) => {
      const at = `${where}.from[${j}]`;
      if (!isRecord(entry)) throw new Unshowable(at);
      for (const key of Object.keys(entry)) if (key !== 'source') kept.push(`${at}.${key}`);
      return readFields(entry.source, SOURCE_FIELDS, `${at}.source`, kept);
    });
    if (from.length > 0) out.from = from;
  }
  if (rule.to !== undefined) {
    if (!Array.isArray(rule.to)) throw new Unshowable(`${where}.to`);
    const to = rule.to.map((entry, j) => {
      const at = `${where}.to[${j}]`;
      if (!isRecord(entry)) throw new Unshowable(at);
      for (const key of Object.keys(entry)) if (key !== 'operation') kept.push(`${at}.${key}`);
      return readFields(entry.operation, OPERATION_FIELDS, `${at}.operation`, kept);
    });
    if (to.length > 0) out.to = to;
  }
  if (rule.when !== undefined) {
    if (!Array.isArray(rule.when)) throw new Unshowable(`${where}.when`);
    const when = rule.when.map((c, j): AccessCondition => {
      const at = `${where}.when[${j}]`;
      if (!isRecord(c) || typeof c.key !== 'string') throw new Unshowable(at);
      for (const key of Object.keys(c)) if (!CONDITION_SHOWN.has(key)) kept.push(`${at}.${key}`);
      const values = strings(c.values);
      const notValues = strings(c.notValues);
      if (values === null || notValues === null) throw new Unshowable(at);
      const cond: AccessCondition = { key: c.key };
      if (values) cond.values = values;
      if (notValues) cond.notValues = notValues;
      return cond;
    });
    if (when.length > 0) out.when = when;
  }
  return out;
}

/**
 * The form of an AuthorizationPolicy, the fields it does not show, and how the policy reaches its
 * workloads. `form` is null for a CUSTOM policy (its provider decides), an action Istio does not
 * know, or anything else the form cannot show faithfully (a field of the wrong type, a value the
 * form refuses).
 */
export function readAccessPolicy(obj: MeshObject): {
  form: AccessPolicyForm | null;
  keptFields: string[];
  attachment: Attachment;
} {
  const spec: Json = isRecord(obj.spec) ? obj.spec : {};
  const attachment = attachmentOf(obj);
  const keptFields: string[] = Object.keys(spec).filter((k) => !SPEC_SHOWN.has(k));
  const action = actionOf(obj);
  const none = { form: null, keptFields, attachment };
  if (!ACTIONS.has(action) || spec.provider !== undefined) return none;
  let rules: AccessRule[];
  try {
    if (spec.rules !== undefined && !Array.isArray(spec.rules)) return none;
    rules = list(spec.rules).map((r, i) => readRule(r, `rules[${i}]`, keptFields));
  } catch (e) {
    if (e instanceof Unshowable) return none;
    throw e;
  }
  const input: AccessPolicyFormInput = {
    name: obj.metadata.name,
    action: action as AccessPolicyForm['action'],
    rules,
    dryRun: isDryRun(obj),
  };
  if (obj.metadata.resourceVersion) input.resourceVersion = obj.metadata.resourceVersion;
  const parsed = AccessPolicyForm.safeParse(input);
  return parsed.success ? { form: parsed.data, keptFields, attachment } : none;
}

// ---------------------------------------------------------------------------------------------
// Which policies reach a service.

/**
 * The AuthorizationPolicies that apply to the service's workloads, as istiod picks them
 * (pilot/pkg/model ListAuthorizationPolicies): `items` from the service's namespace (a selector
 * matching the workloads' labels, targetRefs naming the Service, or neither: the whole namespace),
 * `others` from the root namespace (without selector: the whole mesh; with one: the matching
 * workloads of every namespace). `service.labels` are the Service's selector labels; when the
 * labels of its instances are given (`workloads`), a selector matches when it matches one of them.
 */
export function policiesForService(
  all: readonly MeshObject[],
  service: { namespace: string; name: string; labels: Labels; workloads?: readonly Labels[] },
  root: string = ROOT_NAMESPACE,
): { items: MeshObject[]; others: MeshObject[] } {
  const items: MeshObject[] = [];
  const others: MeshObject[] = [];
  const selected = (selector: Labels) =>
    service.workloads && service.workloads.length > 0
      ? service.workloads.some((w) => selects(selector, w))
      : selects(selector, service.labels);
  for (const p of all) {
    const ns = p.metadata.namespace ?? '';
    if (ns !== service.namespace && ns !== root) continue;
    const refs = targetRefsOf(p);
    const selector = selectorOf(p);
    let applies: boolean;
    if (refs.length > 0) applies = ns === service.namespace && refs.some((r) => namesService(r, ns, service));
    else applies = !selector || selected(selector);
    if (!applies) continue;
    if (ns === service.namespace) items.push(p);
    else others.push(p);
  }
  const byName = (a: MeshObject, b: MeshObject) => a.metadata.name.localeCompare(b.metadata.name);
  return { items: items.sort(byName), others: others.sort(byName) };
}

import type { KubeObject } from '../../clients/mesh-objects';
import type { RouteYamlBody } from '../../contract/routing';
import { badRequest } from '../../lib/errors';
import { parseUserYaml } from '../../lib/user-yaml';
import { sameHost } from '../../mesh/hosts';
import { isRecord, records } from '../../mesh/json';
import type { MeshObject } from '../../mesh/istio-types';
import { validateIstioObject } from '../../mesh/istio-validation';
import type { LiveState, RoutePlan, RouteTarget, RpcDialect } from '../../mesh/model';
import type { KubeKind } from '../../lib/kube-kind';
import { isOnlyForHost, knownSubsets, routeHost } from '../../mesh/plan';
import { routeProblems } from '../../mesh/route-checks';
import { validateUserObject } from '../changes/user-object';
import type { UserObject } from '../changes/user-object';
import { LAST_APPLIED } from '../changes/yaml';

/**
 * Hand-written routing rules (the YAML editor): parsed by one bounded parser, their envelope and
 * values checked as Istio's webhook would, then planned as one write of the object as sent.
 */

/**
 * Each YAML body is parsed (bounded) and its envelope checked once per request, however often it
 * is read: a refused one too, so a hostile body costs one bounded parse, not one per reading.
 */
const parsedBodies = new WeakMap<RouteYamlBody, { obj: UserObject } | { refused: unknown }>();

function userObjectOf(body: RouteYamlBody): UserObject {
  let parsed = parsedBodies.get(body);
  if (!parsed) {
    try {
      parsed = { obj: validateUserObject(parseUserYaml(body.yaml), { field: 'yaml' }) };
    } catch (err) {
      parsed = { refused: err };
    }
    parsedBodies.set(body, parsed);
  }
  if ('refused' in parsed) throw parsed.refused;
  return parsed.obj;
}

export function yamlName(body: RouteYamlBody): string | undefined {
  try {
    return userObjectOf(body).metadata.name;
  } catch {
    return undefined;
  }
}

export interface YamlRuleScope {
  target: RouteTarget;
  dialect: RpcDialect;
  /** The routing object's kind in this dialect. */
  route: KubeKind;
  destinationRules: MeshObject[];
}

/** The envelope checks every hand-written rule passes: its name and namespace are the rule's. */
function placed(obj: UserObject, target: RouteTarget, name: string | undefined): MeshObject {
  if (name !== undefined && obj.metadata.name !== name)
    throw badRequest("metadata.name must stay the rule's name", 'yaml');
  if (obj.metadata.namespace && obj.metadata.namespace !== target.namespace) {
    throw badRequest(`metadata.namespace must be ${target.namespace}`, 'yaml');
  }
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { ...obj.metadata, namespace: target.namespace },
    spec: obj.spec as Record<string, unknown>,
  };
}

/** The one write of a hand-written rule: based on the version the operator saw, kubectl's record kept. */
function yamlWrite(next: MeshObject, body: RouteYamlBody, current: MeshObject | undefined): RoutePlan {
  if (current) next.metadata.resourceVersion = body.resourceVersion ?? current.metadata.resourceVersion ?? '';
  else delete next.metadata.resourceVersion;
  // The editor never shows kubectl's record of its last apply; saving must not erase it, or the
  // next `kubectl apply` would take this edit for fields it should prune or keep. (`kubectl
  // edit` keeps it the same way.)
  const lastApplied = current?.metadata.annotations?.[LAST_APPLIED];
  if (lastApplied !== undefined && next.metadata.annotations?.[LAST_APPLIED] === undefined)
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [LAST_APPLIED]: lastApplied };
  return {
    writes: [{ action: current ? 'update' : 'create', object: next, ...(current ? { current } : {}) }],
    warnings: [],
  };
}

export function planYamlRule(
  scope: YamlRuleScope,
  body: RouteYamlBody,
  name: string | undefined,
  live: LiveState,
): RoutePlan {
  const { target, dialect, route } = scope;
  const obj = userObjectOf(body);
  if (obj.kind !== route.kind || !obj.apiVersion.startsWith(`${route.group}/`)) {
    throw badRequest(`The YAML must be one ${route.kind} of ${route.group}`, 'yaml');
  }
  // What Istio's admission webhook would refuse (RE2 regexes, header names, weights, ...) is
  // refused here, naming the field, rather than written and left for istiod to reject.
  const problem = validateIstioObject(obj)[0];
  if (problem) throw badRequest(`${problem.field}: ${problem.message}`, 'yaml');
  const next = placed(obj, target, name);
  const host = routeHost(target, dialect);
  if (!isOnlyForHost(next, target, dialect))
    throw badRequest(`The rule must route ${host} and no other host`, 'yaml');
  // The checks the form makes, made on the object: weights total 100 per route, every subset is
  // defined by one of the host's DestinationRules and a subset that gets traffic selects a ready
  // instance.
  const routeProblem = routeProblems(next.spec, {
    host,
    isTargetHost: (h) => sameHost(h, host, target.namespace),
    subsets: knownSubsets({ otherDestinationRules: scope.destinationRules }),
    versions: target.versions,
  })[0];
  if (routeProblem) throw badRequest(routeProblem.message, 'yaml');
  return yamlWrite(next, body, live.route);
}

/** The kind a YAML body declares, when it parses (to tell a VirtualService from an HTTPRoute). */
export function yamlKind(body: RouteYamlBody): { apiVersion: string; kind: string } | undefined {
  try {
    const obj = userObjectOf(body);
    return { apiVersion: obj.apiVersion, kind: obj.kind };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Gateway API routes (HTTPRoute, GRPCRoute) written as YAML.

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** What a hand-written Gateway API route may attach to and send to. */
export interface GatewayYamlScope {
  target: RouteTarget;
  /** The route kinds the cluster serves, which the YAML may be. */
  kinds: readonly KubeKind[];
  /** The name of the service's Kubernetes Service. */
  service: string;
  /** The Services a backendRef may name: the service's own and its per-version Services. */
  backends: ReadonlySet<string>;
}

interface RefProblem {
  field: string;
  message: string;
}

const text = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);

/**
 * Where a Gateway API route attaches and sends traffic, judged for one service, so an operator who
 * may edit this service's routes cannot take another team's traffic through them: a parentRef
 * names this service's Service (GAMMA) or a Gateway (whose listeners' allowedRoutes are its
 * owner's say; one that does not exist is shown as missing), and every backendRef (mirrors too) names this Service or one of its per-version
 * Services, in this namespace. Defaults as the Gateway API's: a parentRef is a Gateway unless it
 * says otherwise, a backendRef a core Service.
 */
export function gatewayRefProblems(obj: MeshObject, scope: GatewayYamlScope): RefProblem[] {
  const problems: RefProblem[] = [];
  const ns = scope.target.namespace;
  const spec = isRecord(obj.spec) ? obj.spec : {};
  records(spec.parentRefs).forEach((p, i) => {
    const field = `spec.parentRefs[${i}]`;
    const group = text(p.group, GATEWAY_GROUP);
    const kind = text(p.kind, 'Gateway');
    const namespace = text(p.namespace, ns);
    const name = text(p.name, '');
    // Any Gateway, as a VirtualService may name any gateway: its listeners' allowedRoutes are its
    // owner's say, and what the route sends there is this service's traffic only (below).
    if (group === GATEWAY_GROUP && kind === 'Gateway') return;
    if (group !== '' || kind !== 'Service')
      problems.push({
        field: `${field}.kind`,
        message: `a route of this service attaches to its Service or to a Gateway, not to a ${kind} of ${group === '' ? 'the core group' : group}`,
      });
    else if (namespace !== ns)
      problems.push({
        field: `${field}.namespace`,
        message: `a route of this service attaches to its own Service in ${ns}, not to one in ${namespace}`,
      });
    else if (name !== scope.service)
      problems.push({
        field: `${field}.name`,
        message: `Service ${name} is not this service (${scope.service}); its routes are edited from its own page`,
      });
  });
  const checkBackend = (ref: Record<string, unknown>, field: string) => {
    const group = text(ref.group, '');
    const kind = text(ref.kind, 'Service');
    const namespace = text(ref.namespace, ns);
    const name = text(ref.name, '');
    if (group !== '' || kind !== 'Service')
      problems.push({
        field: `${field}.kind`,
        message: `routes of this service send to Services, not to a ${kind}`,
      });
    else if (namespace !== ns)
      problems.push({
        field: `${field}.namespace`,
        message: `routes of this service send to Services of ${ns}, not of ${namespace}`,
      });
    else if (!scope.backends.has(name))
      problems.push({
        field: `${field}.name`,
        message: `Service ${name} is neither this service nor one of its per-version Services (${[...scope.backends].sort().join(', ')})`,
      });
  };
  const checkFilters = (filters: unknown, field: string) =>
    records(filters).forEach((f, k) => {
      const mirror = isRecord(f.requestMirror) ? f.requestMirror : null;
      if (mirror && isRecord(mirror.backendRef))
        checkBackend(mirror.backendRef, `${field}[${k}].requestMirror.backendRef`);
    });
  records(spec.rules).forEach((rule, i) => {
    const field = `spec.rules[${i}]`;
    checkFilters(rule.filters, `${field}.filters`);
    records(rule.backendRefs).forEach((b, j) => {
      checkBackend(b, `${field}.backendRefs[${j}]`);
      checkFilters(b.filters, `${field}.backendRefs[${j}].filters`);
    });
  });
  return problems;
}

function refuseRefs(obj: MeshObject, scope: GatewayYamlScope, asStored: boolean): void {
  const problem = gatewayRefProblems(obj, scope)[0];
  if (problem)
    throw badRequest(
      `${problem.field}: ${problem.message}${asStored ? ' (as the control plane would store it)' : ''}`,
      'yaml',
    );
}

export function planGatewayYamlRule(
  scope: GatewayYamlScope,
  body: RouteYamlBody,
  name: string | undefined,
  current: MeshObject | undefined,
): RoutePlan {
  const obj = userObjectOf(body);
  const allowed = current ? scope.kinds.filter((k) => k.kind === current.kind) : scope.kinds;
  if (allowed.length === 0)
    throw badRequest(`The cluster does not serve ${current?.kind ?? 'HTTPRoute or GRPCRoute'}`, 'yaml');
  if (!allowed.some((k) => obj.kind === k.kind && obj.apiVersion.startsWith(`${k.group}/`)))
    throw badRequest(
      `The YAML must be one ${allowed.map((k) => k.kind).join(' or ')} of ${GATEWAY_GROUP}`,
      'yaml',
    );
  const next = placed(obj, scope.target, name);
  refuseRefs(next, scope, false);
  return yamlWrite(next, body, current);
}

/**
 * A hand-written Gateway API route judged as it would be stored (defaults filled in, unknown fields
 * pruned): what it attaches to and sends to is decided by what survives, as for VirtualServices.
 */
export function checkStoredGatewayRefs(scope: GatewayYamlScope, stored: (KubeObject | undefined)[]): void {
  for (const obj of stored)
    if (obj && scope.kinds.some((k) => k.kind === obj.kind)) refuseRefs(obj as MeshObject, scope, true);
}

/**
 * A hand-written rule judged as it would be stored, after the control plane pruned and defaulted
 * it: a field the schema does not know (`spec.host` on a VirtualService) is dropped there, so only
 * what survives may decide which host a rule routes.
 */
export function checkStoredHosts(scope: YamlRuleScope, stored: (KubeObject | undefined)[]): void {
  const { target, dialect } = scope;
  for (const obj of stored) {
    if (obj?.kind === scope.route.kind && !isOnlyForHost(obj as MeshObject, target, dialect))
      throw badRequest(
        `The rule must route ${routeHost(target, dialect)} and no other host (spec.hosts as stored: ${JSON.stringify((obj as MeshObject).spec?.hosts ?? null)})`,
        'yaml',
      );
  }
}

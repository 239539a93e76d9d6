import type { KubeObject } from '../../clients/mesh-objects';
import type { RouteYamlBody } from '../../contract/routing';
import { badRequest } from '../../lib/errors';
import { parseUserYaml } from '../../lib/user-yaml';
import { sameHost } from '../../mesh/hosts';
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
  if (name !== undefined && obj.metadata.name !== name)
    throw badRequest("metadata.name must stay the rule's name", 'yaml');
  if (obj.metadata.namespace && obj.metadata.namespace !== target.namespace) {
    throw badRequest(`metadata.namespace must be ${target.namespace}`, 'yaml');
  }
  const next: MeshObject = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { ...obj.metadata, namespace: target.namespace },
    spec: obj.spec as Record<string, unknown>,
  };
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
  const current = live.route;
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

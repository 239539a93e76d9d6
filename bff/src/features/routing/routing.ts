import type {
  MergedSubsets,
  PreviewResponse,
  RouteForm,
  RouteScope,
  RouteListResponse,
  RouteRule,
  RouteYamlBody,
} from '../../contract/routing';
import { checkRouteForService } from '../../contract/routing-checks';
import { badRequest } from '../../lib/errors';
import { contractMessage } from '../../contract/messages';
import type { MeshObject } from '../../mesh/istio-types';
import { MANAGED_BY, MANAGED_BY_LABEL, dialectFor, isRpcProtocol } from '../../mesh/model';
import type { CatalogSource } from '../catalog/catalog';
import type { LiveState, RoutePlan, RouteTarget, RpcDialect, TranslateOptions } from '../../mesh/model';
import {
  GATEWAY_KIND,
  isForHost,
  isOnlyForHost,
  kindsFor,
  knownSubsets,
  planRestore,
  planRoute,
  planRouteDelete,
  readRoute,
  routeHost,
  subsetsOf,
} from '../../mesh/plan';
import { sameHost } from '../../mesh/hosts';
import { routeProblems } from '../../mesh/route-checks';
import type { KubeKind } from '../../lib/kube-kind';
import { keptFields } from '../../mesh/istio-routes';
import { managedByOf } from '../../mesh/managed-by';
import { recordSubsetUsers } from '../../mesh/subset-users';
import { toYaml } from '../changes/yaml';
import { RuleService } from '../rules/service';
import type { RuleContext, RuleDeps, RuleKind } from '../rules/service';
import { serviceInfo } from './target';
import { hostsOf, mergedSubsets, routesScope } from './scope';
import type { RoutesScope, ScopedRow } from './scope';
import { appliesAtOf, destinationsOf, namespaceOf, qualifyGateway, ruleScope } from '../../mesh/rule-scope';
import { callerScope, inScope } from '../auth/scope';
import { checkStoredHosts, planYamlRule, yamlName } from './yaml-rule';

export interface RoutingDeps extends RuleDeps {
  options: TranslateOptions;
}

type RouteBody = RouteForm | RouteYamlBody;

interface RoutingContext extends RuleContext {
  dialect: RpcDialect;
  /** The routing object's kind in the service's dialect. */
  route: KubeKind;
  /** The service's own rules: in its namespace, naming its host. The form and YAML editor edit these. */
  routes: MeshObject[];
  /** The DestinationRules of the host in the service's namespace: where the console writes subsets. */
  destinationRules: MeshObject[];
  /** Every DestinationRule of the host in any namespace: their subsets are the host's (Istio merges them). */
  hostDestinationRules: MeshObject[];
  /** Istio dialect: every rule that affects the service, and how (`mesh/rule-scope.ts`). */
  scope: RoutesScope | null;
  merged: MergedSubsets | null;
  /** Every Gateway, as namespace/name. */
  gateways: string[];
  /**
   * An RPC interface routed with Istio's rules: the application's other interfaces. They share the
   * application's host, so every rule here routes them too.
   */
  sharedWith: string[];
}

interface RoutingTypes {
  body: RouteBody;
  rule: RouteRule;
  list: RouteListResponse;
  preview: PreviewResponse;
  context: RoutingContext;
  plan: RoutePlan;
}

const isForm = (body: RouteBody): body is RouteForm => !('yaml' in body);

const byName = (a: MeshObject, b: MeshObject) => a.metadata.name.localeCompare(b.metadata.name);

const ref = (obj: MeshObject, namespace: string) => ({
  apiVersion: obj.apiVersion,
  kind: obj.kind,
  namespace: obj.metadata.namespace ?? namespace,
  name: obj.metadata.name,
});

/** The live objects a rule's plan starts from. */
function liveOf(ctx: RoutingContext, name: string | undefined): LiveState {
  const route = name === undefined ? undefined : ctx.routes.find((r) => r.metadata.name === name);
  // When several subset objects exist for a host, the console's own is preferred, else the first.
  const destinationRule =
    ctx.destinationRules.find((d) => d.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) ??
    ctx.destinationRules[0];
  const live: LiveState = {
    otherRoutes: ctx.routes.filter((r) => r !== route),
    otherDestinationRules: ctx.hostDestinationRules.filter((d) => d !== destinationRule),
  };
  if (route) live.route = route;
  if (destinationRule) live.destinationRule = destinationRule;
  return live;
}

/** What is wrong with a live rule (a split not totalling 100, a subset missing or selecting nothing). */
function problemsOf(ctx: RoutingContext, obj: MeshObject): string[] {
  const host = routeHost(ctx.target, ctx.dialect);
  const ns = obj.metadata.namespace ?? ctx.target.namespace;
  return routeProblems(obj.spec, {
    host,
    isTargetHost: (h) => sameHost(h, host, ns),
    subsets: knownSubsets({ otherDestinationRules: ctx.hostDestinationRules }),
    versions: ctx.target.versions,
  }).map((p) => p.message);
}

/** The scope of a rule without the mesh's whole picture (Dubbo and SOFA rules): the service's own. */
function ownScope(ctx: RoutingContext, obj: MeshObject): RouteScope {
  return {
    namespace: obj.metadata.namespace ?? ctx.target.namespace,
    match: 'exact',
    host: routeHost(ctx.target, ctx.dialect),
    hosts: hostsOf(obj),
    appliesAt: { mesh: true, gateways: [] },
    exportTo: ['*'],
    effect: 'in-effect',
    missingGateways: [],
    editable: true,
  };
}

const keyOf = (obj: MeshObject, namespace: string) =>
  `${obj.metadata.namespace ?? namespace}/${obj.metadata.name}`;

/** What every row says of its object, whether the service's own rule or another that affects it. */
function objectFields(ctx: RoutingContext, obj: MeshObject) {
  return {
    name: obj.metadata.name,
    ref: ref(obj, ctx.target.namespace),
    resourceVersion: obj.metadata.resourceVersion ?? '',
    managedByConsole: obj.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY,
    managedBy: managedByOf(obj),
    yaml: toYaml(obj),
  };
}

function ruleOf(ctx: RoutingContext, obj: MeshObject): RouteRule {
  const { form, reasons } = readRoute(obj, ctx.target, liveOf(ctx, obj.metadata.name));
  const found = ctx.scope?.byKey.get(keyOf(obj, ctx.target.namespace)) ?? ownScope(ctx, obj);
  const scope = ctx.sharedWith.length > 0 ? { ...found, sharedWith: ctx.sharedWith } : found;
  return {
    ...objectFields(ctx, obj),
    form,
    reasons,
    scope,
    kept: form && ctx.dialect === 'istio' ? keptFields(obj.spec) : [],
    problems: problemsOf(ctx, obj),
  };
}

/** A rule that affects the service but is edited elsewhere: shown, read-only, with why. */
function otherRuleOf(ctx: RoutingContext, row: ScopedRow): RouteRule {
  const obj = row.object;
  return {
    ...objectFields(ctx, obj),
    form: null,
    reasons: [row.reason],
    scope: row.scope,
    kept: [],
    problems: row.scope.match === 'destination' || row.scope.match === 'delegate' ? [] : problemsOf(ctx, obj),
  };
}

/** Never silently: a rule on one interface of an application routed by host routes all of them. */
function everyInterface(ctx: RoutingContext): RouteListResponse['warnings'][number] {
  return {
    code: 'applies-to-every-interface',
    message: contractMessage('routing.everyInterface', {
      application: ctx.service.application,
      interfaces: ctx.sharedWith.join(', '),
      name: ctx.service.name,
    }),
  };
}

/**
 * Whether a VirtualService bound only to gateways sends everything it routes (routes, mirrors) to
 * the target, by name, without delegating: editing its weights then changes this service's
 * traffic and no other's.
 */
function routesOnlyTo(vs: MeshObject, target: RouteTarget): boolean {
  if (appliesAtOf(vs).mesh) return false;
  const ns = vs.metadata.namespace ?? target.namespace;
  const dests = destinationsOf(vs);
  const http = Array.isArray(vs.spec.http) ? (vs.spec.http as { delegate?: unknown }[]) : [];
  return (
    dests.length > 0 &&
    dests.every((d) => sameHost(d.host, target.host, ns)) &&
    !http.some((r) => r.delegate !== undefined)
  );
}

/**
 * Where a form's rule goes: every gateway it names exists (or is `mesh`), and the form edits the
 * kind of routes the rule has (it never turns HTTP routes into TCP ones or the reverse, which would
 * drop the routes it does not show).
 */
function checkPlacement(ctx: RoutingContext, form: RouteForm, current: MeshObject | undefined): void {
  for (const gateway of form.gateways ?? []) {
    if (gateway === 'mesh') continue;
    if (ctx.dialect !== 'istio' || !ctx.gateways.includes(qualifyGateway(gateway, ctx.target.namespace)))
      throw badRequest(contractMessage('routing.gatewayUnknown', { gateway }), 'gateways');
  }
  // A rule for other hosts (a gateway's outside names) applies at gateways only: in the mesh, its
  // hosts would take those names' traffic from every sidecar.
  if (current && !isOnlyForHost(current, ctx.target, ctx.dialect)) {
    const gateways = form.gateways ?? (current.spec.gateways as string[] | undefined) ?? [];
    if (gateways.length === 0 || gateways.includes('mesh'))
      throw badRequest(
        contractMessage('routing.otherHostsInMesh', {
          hosts: ((current.spec.hosts as string[] | undefined) ?? []).join(', '),
        }),
        'gateways',
      );
  }
  const spec = (current?.spec ?? {}) as { http?: unknown[]; tcp?: unknown[] };
  const has = (routes: unknown[] | undefined) => Array.isArray(routes) && routes.length > 0;
  const tcp = form.transport === 'tcp';
  if ((tcp && has(spec.http)) || (!tcp && has(spec.tcp)))
    throw badRequest(contractMessage('yaml.httpAndTcp'), 'transport');
}

/**
 * Routing rules as a kind: every rule on the service's host (hand-written ones too, edited as
 * YAML), planned by `mesh/plan.ts` with the DestinationRule subsets they need. A change that starts
 * or stops relying on a subset records that on the DestinationRule (`recordSubsetUsers`), so two
 * changes racing for it conflict there and are planned again.
 */
function routingKind(options: TranslateOptions, catalog: CatalogSource): RuleKind<RoutingTypes> {
  return {
    noun: 'routing rule',
    shortNoun: 'rule',
    async load({ service, target }, objects) {
      const dialect = dialectFor(target, options);
      const kinds = kindsFor(dialect, options);
      const onHost = (list: MeshObject[]) => list.filter((o) => isForHost(o, target, dialect)).sort(byName);
      const inNamespace = (list: MeshObject[]) =>
        list.filter((o) => (o.metadata.namespace ?? target.namespace) === target.namespace);
      if (dialect !== 'istio') {
        const [routes, drs] = await Promise.all([
          objects.list(kinds.route, target.namespace),
          objects.list(kinds.subsets, target.namespace),
        ]);
        const destinationRules = onHost(drs as MeshObject[]);
        return {
          service,
          target,
          dialect,
          route: kinds.route,
          routes: onHost(routes as MeshObject[]),
          destinationRules,
          hostDestinationRules: destinationRules,
          scope: null,
          merged: null,
          gateways: [],
          sharedWith: [],
        };
      }
      // Istio: the rules of every namespace, since a rule anywhere can name the service.
      const [allRoutes, allDrs, allGateways] = (await Promise.all([
        objects.list(kinds.route, ''),
        objects.list(kinds.subsets, ''),
        objects.list(GATEWAY_KIND, '').catch(() => []),
      ])) as [MeshObject[], MeshObject[], MeshObject[]];
      const own = onHost(inNamespace(allRoutes));
      // A gateway's rule for outside names that sends all it routes to this service (Istio's
      // bookinfo-gateway and tcp-echo tasks) is the service's to edit too, hosts and gateways kept.
      const gatewayRules = inNamespace(allRoutes).filter((o) => !own.includes(o) && routesOnlyTo(o, target));
      const scoped = ruleScope(
        { host: target.host, namespace: target.namespace },
        { virtualServices: allRoutes, destinationRules: allDrs, gateways: allGateways },
      );
      const ctx: RoutingContext = {
        service,
        target,
        dialect,
        route: kinds.route,
        routes: own,
        destinationRules: onHost(inNamespace(allDrs)),
        hostDestinationRules: scoped.destinationRules.matching.map((m) => m.object),
        scope: null,
        merged: mergedSubsets(scoped, target),
        gateways: allGateways.map((g) => `${namespaceOf(g)}/${g.metadata.name}`).sort(),
        sharedWith: isRpcProtocol(service.protocol)
          ? catalog
              .view()
              .services.filter(
                (s) => s.host === service.host && s.id !== service.id && isRpcProtocol(s.protocol),
              )
              .map((s) => s.name)
              .sort()
          : [],
      };
      // Only those the form can show: their hosts are not this service's, which the YAML editor
      // refuses; the others stay read-only rows.
      const formable = gatewayRules.filter(
        (r) => readRoute(r, target, liveOf(ctx, r.metadata.name)).form !== null,
      );
      ctx.routes = [...own, ...formable].sort(byName);
      const editable = new Set(ctx.routes.map((r) => keyOf(r, target.namespace)));
      ctx.scope = routesScope(scoped, target, editable);
      return ctx;
    },
    find: (ctx, name) => ctx.routes.find((r) => r.metadata.name === name),
    read(ctx, name) {
      const obj = ctx.routes.find((r) => r.metadata.name === name);
      return obj ? ruleOf(ctx, obj) : null;
    },
    list(ctx) {
      const warnings: RouteListResponse['warnings'] = [];
      const own = ctx.routes.map((r) => ruleOf(ctx, r));
      // Rules of other namespaces are listed to those who may read them; the others are counted.
      const readable = callerScope();
      const others = (ctx.scope?.others ?? []).filter((row) => inScope(readable, row.scope.namespace));
      const hidden = (ctx.scope?.others.length ?? 0) - others.length;
      const items = [...own, ...others.map((row) => otherRuleOf(ctx, row))];
      const meshRules = items.filter(
        (r) => r.scope.appliesAt.mesh && (r.scope.match === 'exact' || r.scope.match === 'wildcard'),
      );
      if (meshRules.length > 1) {
        warnings.push({
          code: 'second-route-on-host',
          message: `${meshRules.length} VirtualServices route this service in the mesh (${meshRules.map((r) => r.name).join(', ')}); a sidecar uses only one of them per host: the oldest`,
        });
      }
      if (ctx.sharedWith.length > 0 && own.length > 0) warnings.push(everyInterface(ctx));
      if (hidden > 0) {
        warnings.push({
          code: 'rules-in-unreadable-namespaces',
          message: `${hidden} more VirtualServices in namespaces you may not read affect this service`,
        });
      }
      return {
        dialect: ctx.dialect,
        items,
        merged: ctx.merged,
        gateways: ctx.gateways,
        destinationRules: ctx.destinationRules.map((d) => ({
          ref: ref(d, ''),
          yaml: toYaml(d),
          subsets: subsetsOf(d).flatMap((s) => (s.name ? [s.name] : [])),
        })),
        warnings,
      };
    },
    nameOf: (body) => (isForm(body) ? body.name : yamlName(body)),
    plan(ctx, body, name) {
      const rule = name ?? (isForm(body) ? body.name : yamlName(body));
      const live = liveOf(ctx, rule);
      let plan: RoutePlan;
      if (isForm(body)) {
        const problem = checkRouteForService(body, serviceInfo(ctx.service, ctx.dialect))[0];
        if (problem) throw badRequest(problem.message, problem.field);
        if (name !== undefined && body.name !== name)
          throw badRequest('A rule cannot be renamed; create a new one', 'name');
        checkPlacement(ctx, body, live.route);
        plan = planRoute(body, ctx.target, live, options);
      } else plan = planYamlRule(ctx, body, name, live);
      return rule === undefined ? plan : recordSubsetUsers(plan, rule, live);
    },
    planDelete(ctx, name, resourceVersion) {
      const live = liveOf(ctx, name);
      if (live.route && resourceVersion !== undefined)
        live.route = { ...live.route, metadata: { ...live.route.metadata, resourceVersion } };
      return recordSubsetUsers(planRouteDelete(ctx.target, live, options), name, live);
    },
    planRollback(ctx, name, saved) {
      const live = liveOf(ctx, name);
      const restored = saved.find((o) => o.kind === ctx.route.kind && o.metadata.name === name) as
        MeshObject | undefined;
      const subsetDefs = saved
        .filter((o) => o.kind === 'DestinationRule')
        .flatMap((o) => subsetsOf(o as MeshObject));
      const plan = restored
        ? planRestore(ctx.target, live, restored, subsetDefs, options)
        : planRouteDelete(ctx.target, live, options);
      return { plan: recordSubsetUsers(plan, name, live), restored: !!restored };
    },
    preview: (ctx, plan, objects) => ({
      dialect: ctx.dialect,
      objects,
      warnings: ctx.sharedWith.length > 0 ? [...plan.warnings, everyInterface(ctx)] : plan.warnings,
    }),
    judgeStored: (ctx, body) => (isForm(body) ? undefined : (stored) => checkStoredHosts(ctx, stored)),
    recordOf: (ctx, rule) => ({
      keep: (o) => o.kind === ctx.route.kind || o.kind === 'DestinationRule',
      isRuleObject: (o) => o.kind === ctx.route.kind && o.metadata.name === rule,
    }),
  };
}

/**
 * Routing rules of a service, from form to control plane: list (every rule on the service's host,
 * hand-written ones too), preview (objects, diff, warnings; nothing written), create, update,
 * delete, history and rollback, on the one rule service.
 */
export class RoutingService extends RuleService<RoutingTypes> {
  constructor(deps: RoutingDeps) {
    super(deps, routingKind(deps.options, deps.catalog));
  }
}

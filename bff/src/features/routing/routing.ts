import type {
  MergedSubsets,
  PreviewResponse,
  RouteApiChoice,
  RouteForm,
  RouteScope,
  RouteListResponse,
  RouteRule,
  RouteYamlBody,
} from '../../contract/routing';
import { checkRouteForService } from '../../contract/routing-checks';
import { ApiError, badRequest } from '../../lib/errors';
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
import { hostsOf, mergedSubsets, routesScope, ruleIndex } from './scope';
import type { RoutesScope, ScopedRow } from './scope';
import { appliesAtOf, destinationsOf, namespaceOf, qualifyGateway, ruleScope } from '../../mesh/rule-scope';
import { callerScope, inScope } from '../auth/scope';
import {
  checkStoredGatewayRefs,
  checkStoredHosts,
  planGatewayYamlRule,
  planYamlRule,
  yamlKind,
  yamlName,
} from './yaml-rule';
import {
  gatewayKeptFields,
  planGatewayRestore,
  planGatewayRoute,
  planGatewayRouteDelete,
  readGatewayRoute,
  SERVICE_KIND,
  VERSION_OF_ANNOTATION,
} from '../../mesh/gateway-api-routes';
import type { GatewayLiveState } from '../../mesh/gateway-api-routes';
import { chooseRouteApi } from './route-api';
import type { RouteApiDecision, RouteApiSetting } from './route-api';
import {
  gatewayRouteProblems,
  gatewayRouteScope,
  gatewayRows,
  isGatewayRoute,
  loadGatewayApi,
  routeApiFacts,
  recordBackendUsers,
  routeGateways,
  yamlScopeOf,
} from './gateway-api';
import type { GatewayApiState } from './gateway-api';

export interface RoutingDeps extends RuleDeps {
  options: TranslateOptions;
  /** `MESH_CONSOLE_ROUTE_API` (default `auto`): which API new routes of HTTP, gRPC and TCP services use. */
  routeApi?: RouteApiSetting;
}

/** The Gateway API side of a service routed with Istio's rules (`gateway-api.ts`). */
interface GatewayContext {
  state: GatewayApiState;
  /** Which API new routes are written with, and why. */
  choice: RouteApiDecision;
  /** The service's own HTTPRoutes and GRPCRoutes: in its namespace, attached to it, routing only to it. */
  routes: MeshObject[];
  /** The HTTPRoutes and GRPCRoutes of other namespaces, or routing to other services too: read-only rows. */
  others: ScopedRow[];
  /** The namespace's HTTPRoutes and GRPCRoutes (which per-version Services are still used). */
  namespaceRoutes: MeshObject[];
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
  /** Istio dialect: the Gateway API routes of the service and the route API chosen; null otherwise. */
  gatewayApi: GatewayContext | null;
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

/** The live objects a Gateway API route's plan starts from. */
function gatewayLiveOf(gw: GatewayContext, route: MeshObject | undefined): GatewayLiveState {
  const live: GatewayLiveState = {
    services: gw.state.services,
    otherRoutes: gw.namespaceRoutes.filter(
      (r) => !route || r.kind !== route.kind || r.metadata.name !== route.metadata.name,
    ),
  };
  if (route) live.route = route;
  return live;
}

/** The service's own rule of that name: of the API new routes use first (two rules may share a name across APIs). */
function findRule(ctx: RoutingContext, name: string): MeshObject | undefined {
  const byName = (r: MeshObject) => r.metadata.name === name;
  const gateway = ctx.gatewayApi?.routes.find(byName);
  const istio = ctx.routes.find(byName);
  return ctx.gatewayApi?.choice.api === 'gateway-api' ? (gateway ?? istio) : (istio ?? gateway);
}

/** The route API as the responses show it (without the internal `unavailable`). */
function routeApiOf(ctx: RoutingContext): RouteApiChoice | undefined {
  const choice = ctx.gatewayApi?.choice;
  return choice ? { api: choice.api, kind: choice.kind, reason: choice.reason } : undefined;
}

/** A new rule in the Gateway API, where the chosen API cannot be written: a clear refusal. */
function checkWritable(ctx: RoutingContext): GatewayContext {
  const gw = ctx.gatewayApi;
  if (!gw) throw badRequest('Gateway API routes are written for HTTP and gRPC services only', 'yaml');
  if (gw.choice.unavailable)
    throw new ApiError(
      409,
      'RouteApiUnavailable',
      contractMessage('routeApi.unavailable', { reason: gw.choice.unavailable }),
    );
  return gw;
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

/** One of the service's own Gateway API routes, in the form when it fits, with what the form keeps. */
function gatewayRuleOf(ctx: RoutingContext, gw: GatewayContext, obj: MeshObject): RouteRule {
  const { form, reasons } = readGatewayRoute(obj, ctx.target, { services: gw.state.services });
  return {
    ...objectFields(ctx, obj),
    form,
    reasons,
    scope: gatewayRouteScope(obj, ctx.target, gw.state, true),
    kept: form ? gatewayKeptFields(obj.spec) : [],
    problems: gatewayRouteProblems(obj, gw.state),
  };
}

const ruleOfAny = (ctx: RoutingContext, obj: MeshObject): RouteRule =>
  ctx.gatewayApi && isGatewayRoute(obj) ? gatewayRuleOf(ctx, ctx.gatewayApi, obj) : ruleOf(ctx, obj);

/** A rule that affects the service but is edited elsewhere: shown, read-only, with why. */
function otherRuleOf(ctx: RoutingContext, row: ScopedRow): RouteRule {
  const obj = row.object;
  return {
    ...objectFields(ctx, obj),
    form: null,
    reasons: [row.reason],
    scope: row.scope,
    kept: [],
    problems:
      isGatewayRoute(obj) || row.scope.match === 'destination' || row.scope.match === 'delegate'
        ? []
        : problemsOf(ctx, obj),
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
function routingKind(
  options: TranslateOptions,
  catalog: CatalogSource,
  routeApi: RouteApiSetting,
): RuleKind<RoutingTypes> {
  return {
    noun: 'routing rule',
    shortNoun: 'rule',
    async load({ service, target }, objects) {
      const dialect = dialectFor(target, options);
      const kinds = kindsFor(dialect, options);
      const onHost = (list: MeshObject[]) => list.filter((o) => isForHost(o, target, dialect)).sort(byName);
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
          gatewayApi: null,
        };
      }
      // Istio: the rules of every namespace, since a rule anywhere can name the service.
      const [allRoutes, allDrs, allGateways, gatewayState] = (await Promise.all([
        objects.listShared(kinds.route),
        objects.listShared(kinds.subsets),
        objects.list(GATEWAY_KIND, '').catch(() => []),
        loadGatewayApi(objects, target),
      ])) as [readonly MeshObject[], readonly MeshObject[], MeshObject[], GatewayApiState];
      const routeIndex = ruleIndex(allRoutes);
      const drIndex = ruleIndex(allDrs);
      const namespaceRoutes = routeIndex.inNamespace(target.namespace);
      // The namespace's rules for the host: among those that may concern it (the index), not all of
      // the namespace's.
      const inTargetNamespace = (o: MeshObject) =>
        (o.metadata.namespace ?? target.namespace) === target.namespace;
      const own = onHost(routeIndex.concerning(target.host).filter(inTargetNamespace));
      // A gateway's rule for outside names that sends all it routes to this service (Istio's
      // bookinfo-gateway and tcp-echo tasks) is the service's to edit too, hosts and gateways kept.
      const gatewayRules = namespaceRoutes.filter((o) => !own.includes(o) && routesOnlyTo(o, target));
      const scoped = ruleScope(
        { host: target.host, namespace: target.namespace },
        {
          virtualServices: routeIndex.concerning(target.host),
          destinationRules: drIndex.concerning(target.host),
          gateways: allGateways,
        },
      );
      const ctx: RoutingContext = {
        service,
        target,
        dialect,
        route: kinds.route,
        routes: own,
        destinationRules: onHost(drIndex.concerning(target.host).filter(inTargetNamespace)),
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
        gatewayApi: null,
      };
      // Only those the form can show: their hosts are not this service's, which the YAML editor
      // refuses; the others stay read-only rows.
      const formable = gatewayRules.filter(
        (r) => readRoute(r, target, liveOf(ctx, r.metadata.name)).form !== null,
      );
      ctx.routes = [...own, ...formable].sort(byName);
      const editable = new Set(ctx.routes.map((r) => keyOf(r, target.namespace)));
      ctx.scope = routesScope(scoped, target, editable);
      // Every HTTPRoute and GRPCRoute that attaches to the service is listed, whichever API new
      // routes use; those of its namespace that route only to it are its own.
      const rows = gatewayRows(target, gatewayState, (namespace) =>
        contractMessage('yaml.otherNamespace', { namespace }),
      );
      ctx.gatewayApi = {
        state: gatewayState,
        choice: chooseRouteApi(
          routeApiFacts(
            routeApi,
            service,
            target,
            gatewayState,
            own.filter((vs) => appliesAtOf(vs).mesh),
          ),
        ),
        routes: rows.own,
        others: rows.others,
        namespaceRoutes: gatewayState.routes.filter((r) => namespaceOf(r) === target.namespace),
      };
      return ctx;
    },
    find: findRule,
    taken: (ctx, name) =>
      ctx.routes.some((r) => r.metadata.name === name) ||
      !!ctx.gatewayApi?.routes.some((r) => r.metadata.name === name),
    read(ctx, name) {
      const obj = findRule(ctx, name);
      return obj ? ruleOfAny(ctx, obj) : null;
    },
    list(ctx) {
      const warnings: RouteListResponse['warnings'] = [];
      const gw = ctx.gatewayApi;
      const own = [
        ...ctx.routes.map((r) => ruleOf(ctx, r)),
        ...(gw?.routes.map((r) => gatewayRuleOf(ctx, gw, r)) ?? []),
      ];
      // Rules of other namespaces are listed to those who may read them; the others are counted.
      const readable = callerScope();
      const allOthers = [...(ctx.scope?.others ?? []), ...(gw?.others ?? [])];
      const others = allOthers.filter((row) => inScope(readable, row.scope.namespace));
      const hiddenRows = allOthers.filter((row) => !inScope(readable, row.scope.namespace));
      const hidden = hiddenRows.length;
      const items = [...own, ...others.map((row) => otherRuleOf(ctx, row))];
      // Gateway API routes on one Service merge (their rules ranked by how specific they are); only
      // VirtualServices exclude each other.
      const meshRules = items.filter(
        (r) =>
          r.ref.kind === ctx.route.kind &&
          r.scope.appliesAt.mesh &&
          (r.scope.match === 'exact' || r.scope.match === 'wildcard'),
      );
      if (meshRules.length > 1) {
        warnings.push({
          code: 'second-route-on-host',
          message: `${meshRules.length} VirtualServices route this service in the mesh (${meshRules.map((r) => r.name).join(', ')}); a sidecar uses only one of them per host: the oldest`,
        });
      }
      if (ctx.sharedWith.length > 0 && own.length > 0) warnings.push(everyInterface(ctx));
      const gatewayMesh = items.filter(
        (r) => isGatewayRoute(r.ref) && r.scope.appliesAt.mesh && r.scope.match === 'exact',
      );
      if (meshRules.length > 0 && gatewayMesh.length > 0) {
        warnings.push({
          code: 'second-route-on-host',
          message: `Both VirtualService ${meshRules.map((r) => r.name).join(', ')} and ${gatewayMesh.map((r) => `${r.ref.kind} ${r.name}`).join(', ')} route this service in the mesh; keep one API per service (new routes: ${gw?.choice.kind ?? ctx.route.kind})`,
        });
      }
      if (hidden > 0) {
        const kinds = [...new Set(hiddenRows.map((row) => `${row.object.kind}s`))].sort().join(' and ');
        warnings.push({
          code: 'rules-in-unreadable-namespaces',
          message: `${hidden} more ${kinds} in namespaces you may not read affect this service`,
        });
      }
      const routeApiChoice = routeApiOf(ctx);
      return {
        ...(routeApiChoice ? { routeApi: routeApiChoice } : {}),
        dialect: ctx.dialect,
        items,
        merged: ctx.merged,
        // Istio's Gateways, which the form offers for VirtualServices (also in a namespace whose new
        // routes are HTTPRoutes: its VirtualServices keep theirs). A Gateway API route's parentRefs
        // are not edited by the form; they are read from its row.
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
      const current = rule === undefined ? undefined : findRule(ctx, rule);
      if (usesGatewayApi(ctx, body, current)) {
        const plan = planGateway(ctx, body, name, current);
        const gw = ctx.gatewayApi;
        return rule === undefined || !gw ? plan : recordBackendUsers(plan, rule, ctx.target, gw.state);
      }
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
      const current = findRule(ctx, name);
      const gw = ctx.gatewayApi;
      if (gw && current && isGatewayRoute(current)) {
        const live = gatewayLiveOf(gw, withVersion(current, resourceVersion));
        return recordBackendUsers(planGatewayRouteDelete(ctx.target, live), name, ctx.target, live);
      }
      const live = liveOf(ctx, name);
      if (live.route && resourceVersion !== undefined) live.route = withVersion(live.route, resourceVersion);
      return recordSubsetUsers(planRouteDelete(ctx.target, live, options), name, live);
    },
    planRollback(ctx, name, saved) {
      const current = findRule(ctx, name);
      const gw = ctx.gatewayApi;
      const restoredGateway = saved.find((o) => isGatewayRoute(o) && o.metadata.name === name) as
        MeshObject | undefined;
      if (gw && (restoredGateway || (current && isGatewayRoute(current)))) {
        const live = gatewayLiveOf(gw, current && isGatewayRoute(current) ? current : undefined);
        // The revision keeps the console's per-version Services the route used: made live again.
        const savedServices = saved.filter((o) => o.kind === SERVICE_KIND.kind) as MeshObject[];
        const plan = restoredGateway
          ? planGatewayRestore(ctx.target, live, restoredGateway, savedServices)
          : planGatewayRouteDelete(ctx.target, live);
        return { plan: recordBackendUsers(plan, name, ctx.target, live), restored: !!restoredGateway };
      }
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
    preview: (ctx, plan, objects) => {
      const routeApiChoice = routeApiOf(ctx);
      return {
        ...(routeApiChoice ? { routeApi: routeApiChoice } : {}),
        dialect: ctx.dialect,
        objects,
        warnings: ctx.sharedWith.length > 0 ? [...plan.warnings, everyInterface(ctx)] : plan.warnings,
      };
    },
    judgeStored: (ctx, body) => {
      if (isForm(body)) return undefined;
      const gw = ctx.gatewayApi;
      return (stored) => {
        checkStoredHosts(ctx, stored);
        if (gw) checkStoredGatewayRefs(yamlScopeOf(ctx.target, gw.state), stored);
      };
    },
    recordOf: (ctx, rule) => ({
      // A revision keeps the rule, the subsets it relies on, and the per-version Services the
      // console made for Gateway API routes (so a rollback brings them back).
      keep: (o) =>
        o.kind === ctx.route.kind ||
        o.kind === 'DestinationRule' ||
        isGatewayRoute(o) ||
        (o.kind === SERVICE_KIND.kind && o.metadata.annotations?.[VERSION_OF_ANNOTATION] !== undefined),
      isRuleObject: (o) => (o.kind === ctx.route.kind || isGatewayRoute(o)) && o.metadata.name === rule,
    }),
  };
}

const withVersion = (obj: MeshObject, resourceVersion: string | undefined): MeshObject =>
  resourceVersion === undefined ? obj : { ...obj, metadata: { ...obj.metadata, resourceVersion } };

/**
 * Whether a body is planned as a Gateway API route: an existing rule keeps its own API; a YAML body
 * is what it declares; a new form is the API chosen for the service.
 */
function usesGatewayApi(ctx: RoutingContext, body: RouteBody, current: MeshObject | undefined): boolean {
  if (!ctx.gatewayApi) return false;
  if (current) return isGatewayRoute(current);
  if (!isForm(body)) {
    const declared = yamlKind(body);
    return declared !== undefined && isGatewayRoute(declared);
  }
  return ctx.gatewayApi.choice.api === 'gateway-api';
}

/** A form or YAML body as an HTTPRoute or GRPCRoute, with the per-version Services it needs. */
function planGateway(
  ctx: RoutingContext,
  body: RouteBody,
  name: string | undefined,
  current: MeshObject | undefined,
): RoutePlan {
  const gw = current ? ctx.gatewayApi : null;
  const writable = gw ?? checkWritable(ctx);
  if (!isForm(body)) return planGatewayYamlRule(yamlScopeOf(ctx.target, writable.state), body, name, current);
  const problem = checkRouteForService(body, serviceInfo(ctx.service, ctx.dialect))[0];
  if (problem) throw badRequest(problem.message, problem.field);
  if (name !== undefined && body.name !== name)
    throw badRequest('A rule cannot be renamed; create a new one', 'name');
  const tcp = body.transport === 'tcp' || (body.transport === undefined && ctx.target.protocol === 'tcp');
  const tcpApiVersion = writable.state.tcpApiVersion;
  if (tcp && !current && tcpApiVersion === null)
    throw badRequest('The cluster does not serve TCPRoute, which a Gateway API TCP route is', 'transport');
  const known = routeGateways(writable.state);
  for (const gateway of body.gateways ?? []) {
    if (gateway !== 'mesh' && !known.includes(qualifyGateway(gateway, ctx.target.namespace)))
      throw badRequest(contractMessage('routing.gatewayUnknown', { gateway }), 'gateways');
  }
  const live = gatewayLiveOf(writable, current ? withVersion(current, body.resourceVersion) : undefined);
  // A TCPRoute is written at the version the cluster serves (v1alpha2 before Gateway API v1.5).
  if (tcp && tcpApiVersion) live.newRouteApiVersion = tcpApiVersion;
  return planGatewayRoute(body, ctx.target, live);
}

/**
 * Routing rules of a service, from form to control plane: list (every rule on the service's host,
 * hand-written ones too), preview (objects, diff, warnings; nothing written), create, update,
 * delete, history and rollback, on the one rule service.
 */
export class RoutingService extends RuleService<RoutingTypes> {
  constructor(deps: RoutingDeps) {
    super(deps, routingKind(deps.options, deps.catalog, deps.routeApi ?? 'auto'));
  }
}

import type { KubeObject, MeshObjects } from '../../clients/mesh-objects';
import { staleWrite, toApiError } from '../../clients/kube-errors';
import type { ServiceDetail } from '../../contract/catalog';
import type {
  PreviewResponse,
  RevisionList,
  RouteForm,
  RouteListResponse,
  RouteRule,
  RouteYamlBody,
} from '../../contract/routing';
import { checkRouteForService } from '../../contract/routing-checks';
import { ApiError, badRequest, notFound } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { sameHost } from '../../mesh/hosts';
import type { MeshObject } from '../../mesh/istio-types';
import { recordSubsetUsers, undefinedSubsets } from '../../mesh/subset-users';
import { MANAGED_BY, MANAGED_BY_LABEL, dialectFor } from '../../mesh/model';
import type { LiveState, RoutePlan, RouteTarget, RpcDialect, TranslateOptions } from '../../mesh/model';
import {
  isForHost,
  isOnlyForHost,
  kindsFor,
  planRestore,
  planRoute,
  planRouteDelete,
  readRoute,
  routeHost,
  subsetsOf,
} from '../../mesh/plan';
import type { CatalogSource } from '../catalog/catalog';
import { dryRunWrites } from '../changes/apply';
import { applyAndRecord, describeWrites, listRevisions, retryOnPreconditionChange } from '../changes/flow';
import type { RevisionHistory } from '../changes/history';
import { LAST_APPLIED, toYaml } from '../changes/yaml';
import { validateUserObject } from '../changes/user-object';
import type { UserObject } from '../changes/user-object';
import { parseUserYaml } from '../../lib/user-yaml';
import { validateIstioObject } from '../../mesh/istio-validation';
import { routeTarget, serviceInfo } from './target';

export interface RoutingDeps {
  objects: MeshObjects;
  catalog: CatalogSource;
  history: RevisionHistory;
  options: TranslateOptions;
  log: Logger;
}

interface Context {
  service: ServiceDetail;
  target: RouteTarget;
  dialect: RpcDialect;
  routes: MeshObject[];
  destinationRules: MeshObject[];
}

const isForm = (body: RouteForm | RouteYamlBody): body is RouteForm => !('yaml' in body);

/** Each YAML body is parsed (bounded) and its envelope checked once per request, however often it is read. */
const parsedBodies = new WeakMap<RouteYamlBody, UserObject>();

function userObjectOf(body: RouteYamlBody): UserObject {
  let obj = parsedBodies.get(body);
  if (!obj) {
    obj = validateUserObject(parseUserYaml(body.yaml), { field: 'yaml' });
    parsedBodies.set(body, obj);
  }
  return obj;
}

function yamlName(body: RouteYamlBody): string | undefined {
  try {
    return userObjectOf(body).metadata.name;
  } catch {
    return undefined;
  }
}

/**
 * Routing rules of a service, from form to control plane: list (every rule on the service's host,
 * hand-written ones too), preview (objects, diff, warnings; nothing written), create, update,
 * delete, history and rollback. Writes carry the resourceVersion the operator's form was based
 * on; a change of several objects that fails half-way is undone.
 */
export class RoutingService {
  constructor(private readonly deps: RoutingDeps) {}

  private async context(serviceId: string): Promise<Context> {
    const service = this.deps.catalog.get(serviceId);
    if (!service) throw notFound(`Service ${serviceId} was not found`);
    const target = routeTarget(service);
    const dialect = dialectFor(target, this.deps.options);
    const kinds = kindsFor(dialect, this.deps.options);
    const [routes, drs] = await Promise.all([
      this.deps.objects.list(kinds.route, target.namespace),
      this.deps.objects.list(kinds.subsets, target.namespace),
    ]).catch((err: unknown) => {
      throw toApiError(err, `the rules of ${serviceId}`) ?? err;
    });
    const byName = (a: MeshObject, b: MeshObject) => a.metadata.name.localeCompare(b.metadata.name);
    return {
      service,
      target,
      dialect,
      routes: (routes as MeshObject[]).filter((r) => isForHost(r, target, dialect)).sort(byName),
      destinationRules: (drs as MeshObject[]).filter((d) => isForHost(d, target, dialect)).sort(byName),
    };
  }

  private live(ctx: Context, name: string | undefined): LiveState {
    const route = name === undefined ? undefined : ctx.routes.find((r) => r.metadata.name === name);
    // When several subset objects exist for a host, the console's own is preferred, else the first.
    const destinationRule =
      ctx.destinationRules.find((d) => d.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) ??
      ctx.destinationRules[0];
    const live: LiveState = { otherRoutes: ctx.routes.filter((r) => r !== route) };
    if (route) live.route = route;
    if (destinationRule) live.destinationRule = destinationRule;
    return live;
  }

  private rule(ctx: Context, obj: MeshObject): RouteRule {
    const { form, reasons } = readRoute(obj, ctx.target, this.live(ctx, obj.metadata.name));
    return {
      name: obj.metadata.name,
      ref: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace: obj.metadata.namespace ?? ctx.target.namespace,
        name: obj.metadata.name,
      },
      resourceVersion: obj.metadata.resourceVersion ?? '',
      managedByConsole: obj.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY,
      form,
      reasons,
      yaml: toYaml(obj),
    };
  }

  async list(serviceId: string): Promise<RouteListResponse> {
    const ctx = await this.context(serviceId);
    const warnings: RouteListResponse['warnings'] = [];
    if (ctx.routes.length > 1) {
      warnings.push({
        code: 'second-route-on-host',
        message: `${ctx.routes.length} VirtualServices route this service (${ctx.routes.map((r) => r.metadata.name).join(', ')}); the mesh applies only one per host`,
      });
    }
    return {
      dialect: ctx.dialect,
      items: ctx.routes.map((r) => this.rule(ctx, r)),
      destinationRules: ctx.destinationRules.map((d) => ({
        ref: {
          apiVersion: d.apiVersion,
          kind: d.kind,
          namespace: d.metadata.namespace ?? '',
          name: d.metadata.name,
        },
        yaml: toYaml(d),
        subsets: subsetsOf(d).flatMap((s) => (s.name ? [s.name] : [])),
      })),
      warnings,
    };
  }

  async get(serviceId: string, name: string): Promise<RouteRule> {
    const ctx = await this.context(serviceId);
    const obj = ctx.routes.find((r) => r.metadata.name === name);
    if (!obj) throw notFound(`Routing rule ${name} of ${serviceId} was not found`);
    return this.rule(ctx, obj);
  }

  /** The plan for a form or a YAML rule: validated against the service, nothing written. */
  private plan(ctx: Context, body: RouteForm | RouteYamlBody, name: string | undefined): RoutePlan {
    const rule = name ?? (isForm(body) ? body.name : yamlName(body));
    const live = this.live(ctx, rule);
    let plan: RoutePlan;
    if (isForm(body)) {
      const problem = checkRouteForService(body, serviceInfo(ctx.service, ctx.dialect))[0];
      if (problem) throw badRequest(problem.message, problem.field);
      if (name !== undefined && body.name !== name)
        throw badRequest('A rule cannot be renamed; create a new one', 'name');
      plan = planRoute(body, ctx.target, live, this.deps.options);
    } else plan = this.planYaml(ctx, body, name, live);
    return rule === undefined ? plan : recordSubsetUsers(plan, rule, live);
  }

  private planYaml(ctx: Context, body: RouteYamlBody, name: string | undefined, live: LiveState): RoutePlan {
    const obj = userObjectOf(body);
    const kinds = kindsFor(ctx.dialect, this.deps.options);
    if (obj.kind !== kinds.route.kind || !obj.apiVersion.startsWith(`${kinds.route.group}/`)) {
      throw badRequest(`The YAML must be one ${kinds.route.kind} of ${kinds.route.group}`, 'yaml');
    }
    // What Istio's admission webhook would refuse (RE2 regexes, header names, weights, ...) is
    // refused here, naming the field, rather than written and left for istiod to reject.
    const problem = validateIstioObject(obj)[0];
    if (problem) throw badRequest(`${problem.field}: ${problem.message}`, 'yaml');
    if (name !== undefined && obj.metadata.name !== name)
      throw badRequest("metadata.name must stay the rule's name", 'yaml');
    if (obj.metadata.namespace && obj.metadata.namespace !== ctx.target.namespace) {
      throw badRequest(`metadata.namespace must be ${ctx.target.namespace}`, 'yaml');
    }
    const next: MeshObject = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: { ...obj.metadata, namespace: ctx.target.namespace },
      spec: obj.spec as Record<string, unknown>,
    };
    if (!isOnlyForHost(next, ctx.target, ctx.dialect))
      throw badRequest(`The rule must route ${routeHost(ctx.target, ctx.dialect)} and no other host`, 'yaml');
    const host = routeHost(ctx.target, ctx.dialect);
    const missing = undefinedSubsets(
      next,
      (h) => sameHost(h, host, ctx.target.namespace),
      ctx.destinationRules,
    )[0];
    if (missing)
      throw badRequest(
        `${missing.path}: subset ${missing.subset} is not defined by any DestinationRule of ${host}; the mesh would answer 503`,
        'yaml',
      );
    const current = live.route;
    if (current)
      next.metadata.resourceVersion = body.resourceVersion ?? current.metadata.resourceVersion ?? '';
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

  private describe(plan: RoutePlan, ctx: Context): PreviewResponse {
    return {
      dialect: ctx.dialect,
      objects: describeWrites(plan.writes, ctx.target.namespace),
      warnings: plan.warnings,
    };
  }

  async preview(serviceId: string, body: RouteForm | RouteYamlBody, name?: string): Promise<PreviewResponse> {
    const ctx = await this.context(serviceId);
    const plan = this.plan(ctx, body, name);
    await this.dryRun(ctx, plan, body);
    return this.describe(plan, ctx);
  }

  /**
   * The control plane validates the objects (a server-side dry run), so a preview that passes is a
   * change that will be accepted. A hand-written rule is then judged as it would be stored, after
   * the control plane pruned and defaulted it: a field the schema does not know (`spec.host` on a
   * VirtualService) is dropped there, so only what survives may decide which host a rule routes.
   */
  private async dryRun(ctx: Context, plan: RoutePlan, body: RouteForm | RouteYamlBody): Promise<void> {
    const stored = await dryRunWrites(this.deps.objects, plan.writes).catch((err: unknown) => {
      throw toApiError(err, 'the rule') ?? err;
    });
    if (isForm(body)) return;
    const routeKind = kindsFor(ctx.dialect, this.deps.options).route.kind;
    for (const obj of stored) {
      if (obj?.kind === routeKind && !isOnlyForHost(obj as MeshObject, ctx.target, ctx.dialect))
        throw badRequest(
          `The rule must route ${routeHost(ctx.target, ctx.dialect)} and no other host (spec.hosts as stored: ${JSON.stringify((obj as MeshObject).spec?.hosts ?? null)})`,
          'yaml',
        );
    }
  }

  private async applyAndRecord(
    ctx: Context,
    plan: RoutePlan,
    rule: string,
    action: 'create' | 'update' | 'delete' | 'rollback',
    user: string,
    extra: { comment?: string | undefined; fromRevision?: number },
  ): Promise<KubeObject[]> {
    const routeKind = kindsFor(ctx.dialect, this.deps.options).route.kind;
    return applyAndRecord(this.deps, plan.writes, {
      kind: 'routing rule',
      namespace: ctx.target.namespace,
      serviceId: ctx.service.id,
      rule,
      action,
      user,
      comment: extra.comment,
      fromRevision: extra.fromRevision,
      keep: (o) => o.kind === routeKind || o.kind === 'DestinationRule',
      isRuleObject: (o) => o.kind === routeKind && o.metadata.name === rule,
    });
  }

  // Each change below is planned on what it reads; when a DestinationRule it relies on moves while
  // it is applied (another change added or removed a subset), it is read and planned again.

  async create(serviceId: string, body: RouteForm | RouteYamlBody, user: string): Promise<RouteRule> {
    const name = isForm(body) ? body.name : yamlName(body);
    return retryOnPreconditionChange(async () => {
      const ctx = await this.context(serviceId);
      if (name && ctx.routes.some((r) => r.metadata.name === name)) {
        throw new ApiError(
          409,
          'AlreadyExists',
          `Routing rule ${name} already exists; edit it or choose another name`,
          'name',
        );
      }
      const plan = this.plan(ctx, isForm(body) ? { ...body, resourceVersion: undefined } : body, undefined);
      if (!isForm(body)) await this.dryRun(ctx, plan, body);
      const ruleName = name ?? '';
      await this.applyAndRecord(ctx, plan, ruleName, 'create', user, { comment: body.comment });
      return this.get(serviceId, ruleName);
    });
  }

  async update(
    serviceId: string,
    name: string,
    body: RouteForm | RouteYamlBody,
    user: string,
  ): Promise<RouteRule> {
    return retryOnPreconditionChange(async () => {
      const ctx = await this.context(serviceId);
      const current = ctx.routes.find((r) => r.metadata.name === name);
      if (!current) throw notFound(`Routing rule ${name} of ${serviceId} was not found`);
      if (body.resourceVersion !== undefined && body.resourceVersion !== current.metadata.resourceVersion) {
        throw staleWrite(`Routing rule ${name}`);
      }
      const plan = this.plan(ctx, body, name);
      if (!isForm(body)) await this.dryRun(ctx, plan, body);
      await this.applyAndRecord(ctx, plan, name, 'update', user, { comment: body.comment });
      return this.get(serviceId, name);
    });
  }

  async remove(
    serviceId: string,
    name: string,
    opts: { resourceVersion?: string | undefined; comment?: string | undefined },
    user: string,
  ) {
    await retryOnPreconditionChange(async () => {
      const ctx = await this.context(serviceId);
      const live = this.live(ctx, name);
      if (!live.route) throw notFound(`Routing rule ${name} of ${serviceId} was not found`);
      if (opts.resourceVersion !== undefined)
        live.route = {
          ...live.route,
          metadata: { ...live.route.metadata, resourceVersion: opts.resourceVersion },
        };
      const plan = recordSubsetUsers(planRouteDelete(ctx.target, live, this.deps.options), name, live);
      await this.applyAndRecord(ctx, plan, name, 'delete', user, { comment: opts.comment });
    });
  }

  revisions(serviceId: string, name: string): Promise<RevisionList> {
    return listRevisions(this.deps.catalog, this.deps.history, serviceId, name);
  }

  rollback(
    serviceId: string,
    name: string,
    revision: number,
    user: string,
    comment?: string,
  ): Promise<RouteRule | null> {
    return retryOnPreconditionChange(async () => {
      const ctx = await this.context(serviceId);
      const rev = await this.deps.history.get(ctx.target.namespace, serviceId, name, revision);
      if (!rev) throw notFound(`Revision ${revision} of routing rule ${name} was not found`);
      const live = this.live(ctx, name);
      const routeKind = kindsFor(ctx.dialect, this.deps.options).route.kind;
      const restored = rev.raw.find((o) => o.kind === routeKind && o.metadata.name === name) as
        MeshObject | undefined;
      let plan: RoutePlan;
      if (!restored) {
        plan = planRouteDelete(ctx.target, live, this.deps.options);
      } else {
        const subsetDefs = rev.raw
          .filter((o) => o.kind === 'DestinationRule')
          .flatMap((o) => subsetsOf(o as MeshObject));
        plan = planRestore(ctx.target, live, restored, subsetDefs, this.deps.options);
      }
      plan = recordSubsetUsers(plan, name, live);
      await this.applyAndRecord(ctx, plan, name, 'rollback', user, { comment, fromRevision: revision });
      return restored ? this.get(serviceId, name) : null;
    });
  }
}

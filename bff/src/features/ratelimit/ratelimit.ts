import type { KubeObject, MeshObjects } from '../../clients/mesh-objects';
import { kindOf } from '../../clients/mesh-objects';
import { staleWrite, toApiError } from '../../clients/kube-errors';
import type { ServiceDetail } from '../../contract/catalog';
import { checkRateLimitForService } from '../../contract/ratelimit';
import type {
  RateLimitForm,
  RateLimitListResponse,
  RateLimitPreview,
  RateLimitRule,
} from '../../contract/ratelimit';
import type { RevisionList } from '../../contract/routing';
import { ApiError, badRequest, notFound } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { MeshObject } from '../../mesh/istio-types';
import { SERVICE_ANNOTATION } from '../../mesh/model';
import type { PlannedWrite, RouteTarget } from '../../mesh/model';
import {
  RATELIMIT_API_VERSION,
  RATELIMIT_LABEL,
  SERVICE_HASH_LABEL,
  planRateLimit,
  planRateLimitDelete,
  readRateLimit,
  ruleOf,
} from '../../mesh/ratelimit';
import type { ConfigMapObject, RateLimitLive } from '../../mesh/ratelimit';
import { shortHash } from '../../mesh/hosts';
import type { CatalogSource } from '../catalog/catalog';
import { dryRunWrites } from '../changes/apply';
import { applyAndRecord, describeWrites, listRevisions } from '../changes/flow';
import type { RevisionHistory } from '../changes/history';
import { toYaml } from '../changes/yaml';
import { routeTarget } from '../routing/target';

export interface RateLimitDeps {
  objects: MeshObjects;
  catalog: CatalogSource;
  history: RevisionHistory;
  log: Logger;
}

export const ENVOY_FILTER = kindOf(RATELIMIT_API_VERSION, 'EnvoyFilter', 'envoyfilters');
export const CONFIG_MAP = kindOf('v1', 'ConfigMap', 'configmaps');

interface Context {
  service: ServiceDetail;
  target: RouteTarget;
  /** The console's rules of this service, by rule name. */
  rules: Map<string, RateLimitLive>;
  /** EnvoyFilters on the service's workloads that the console did not write. */
  foreign: MeshObject[];
}

/**
 * Rate-limit rules of a service, from form to control plane: the same flow as routing (preview with a
 * server-side dry run, writes carrying the resourceVersion they were based on and undone when a later
 * one fails, a revision per change, rollback), over the EnvoyFilters and descriptor ConfigMaps of
 * mesh/ratelimit.ts.
 */
export class RateLimitService {
  constructor(private readonly deps: RateLimitDeps) {}

  private async context(serviceId: string): Promise<Context> {
    const service = this.deps.catalog.get(serviceId);
    if (!service) throw notFound(`Service ${serviceId} was not found`);
    const target = routeTarget(service);
    const selector = `${SERVICE_HASH_LABEL}=${shortHash(serviceId)},${RATELIMIT_LABEL}`;
    const [filters, configs] = await Promise.all([
      this.deps.objects.list(ENVOY_FILTER, target.namespace),
      this.deps.objects.list(CONFIG_MAP, target.namespace, selector),
    ]).catch((err: unknown) => {
      throw toApiError(err, `the rate limits of ${serviceId}`) ?? err;
    });
    const rules = new Map<string, RateLimitLive>();
    const foreign: MeshObject[] = [];
    const mine = (o: KubeObject) => o.metadata.annotations?.[SERVICE_ANNOTATION] === serviceId;
    for (const f of filters as MeshObject[]) {
      const rule = ruleOf(f);
      if (rule && mine(f)) rules.set(rule, { ...rules.get(rule), filter: f });
      else if (appliesTo(f, target)) foreign.push(f);
    }
    for (const c of configs) {
      const rule = c.metadata.labels?.[RATELIMIT_LABEL];
      if (rule && mine(c)) rules.set(rule, { ...rules.get(rule), config: c as unknown as ConfigMapObject });
    }
    foreign.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    return { service, target, rules, foreign };
  }

  private rule(ctx: Context, name: string, live: RateLimitLive): RateLimitRule | null {
    if (!live.filter) return null;
    const form = readRateLimit(live.filter, live.config, ctx.target);
    if (!form) return null;
    const objects = [live.config, live.filter].flatMap((o) =>
      o
        ? [
            {
              apiVersion: o.apiVersion,
              kind: o.kind,
              namespace: o.metadata.namespace ?? ctx.target.namespace,
              name: o.metadata.name,
            },
          ]
        : [],
    );
    return {
      name,
      objects,
      resourceVersion: live.filter.metadata.resourceVersion ?? '',
      form: { ...form, resourceVersion: live.filter.metadata.resourceVersion ?? '' },
      yaml: [live.filter, live.config].flatMap((o) => (o ? [toYaml(o)] : [])).join('---\n'),
    };
  }

  async list(serviceId: string): Promise<RateLimitListResponse> {
    const ctx = await this.context(serviceId);
    const items = [...ctx.rules.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([name, live]) => {
        const rule = this.rule(ctx, name, live);
        return rule ? [rule] : [];
      });
    // A console rule edited by hand into a shape the form cannot show is listed with the foreign ones.
    for (const [name, live] of ctx.rules) {
      if (live.filter && !items.some((i) => i.name === name)) ctx.foreign.push(live.filter);
    }
    return {
      items,
      foreign: ctx.foreign.map((f) => ({
        ref: {
          apiVersion: f.apiVersion,
          kind: f.kind,
          namespace: f.metadata.namespace ?? ctx.target.namespace,
          name: f.metadata.name,
        },
        yaml: toYaml(f),
      })),
      readyInstances: ctx.service.versionDetails.reduce((n, v) => n + v.ready, 0),
      versions: ctx.service.versionDetails.flatMap((v) =>
        v.version === null ? [] : [{ version: v.version, ready: v.ready }],
      ),
    };
  }

  async get(serviceId: string, name: string): Promise<RateLimitRule> {
    const ctx = await this.context(serviceId);
    const live = ctx.rules.get(name);
    const rule = live ? this.rule(ctx, name, live) : null;
    if (!rule) throw notFound(`Rate limit ${name} of ${serviceId} was not found`);
    return rule;
  }

  private plan(ctx: Context, form: RateLimitForm, name: string | undefined): PlannedWrite[] {
    if (name !== undefined && form.name !== name)
      throw badRequest('A rule cannot be renamed; create a new one', 'name');
    const others = [...ctx.rules.entries()].flatMap(([n, live]) => {
      if (n === form.name || !live.filter) return [];
      const f = readRateLimit(live.filter, live.config, ctx.target);
      return f ? [f] : [];
    });
    const problem = checkRateLimitForService(
      form,
      {
        protocol: ctx.service.protocol,
        versions: ctx.service.versionDetails.map((v) => ({ version: v.version, ready: v.ready })),
      },
      others,
    )[0];
    if (problem) throw badRequest(problem.message, problem.field);
    return planRateLimit(form, ctx.target, ctx.rules.get(form.name) ?? {});
  }

  async preview(serviceId: string, form: RateLimitForm, name?: string): Promise<RateLimitPreview> {
    const ctx = await this.context(serviceId);
    const writes = this.plan(ctx, form, name);
    // The control plane validates the objects too (a server-side dry run): a preview that passes
    // is a change that will be accepted.
    await dryRunWrites(this.deps.objects, writes).catch((err: unknown) => {
      throw toApiError(err, 'the rate limit') ?? err;
    });
    const warnings: RateLimitPreview['warnings'] = [];
    if (form.scope === 'global')
      warnings.push({
        message:
          'A global limit needs the envoyproxy/ratelimit service (outbound|8081||ratelimit.istio-system) to read this ConfigMap',
      });
    return { objects: describeWrites(writes, ctx.target.namespace), warnings };
  }

  private async applyAndRecord(
    ctx: Context,
    writes: PlannedWrite[],
    rule: string,
    action: 'create' | 'update' | 'delete' | 'rollback',
    user: string,
    extra: { comment?: string | undefined; fromRevision?: number },
  ): Promise<void> {
    await applyAndRecord(this.deps, writes, {
      kind: 'rate limit',
      namespace: ctx.target.namespace,
      serviceId: ctx.service.id,
      rule,
      action,
      user,
      comment: extra.comment,
      fromRevision: extra.fromRevision,
    });
  }

  async create(serviceId: string, form: RateLimitForm, user: string): Promise<RateLimitRule> {
    const ctx = await this.context(serviceId);
    if (ctx.rules.has(form.name))
      throw new ApiError(
        409,
        'AlreadyExists',
        `Rate limit ${form.name} already exists; edit it or choose another name`,
        'name',
      );
    const writes = this.plan(ctx, { ...form, resourceVersion: undefined }, undefined);
    await this.applyAndRecord(ctx, writes, form.name, 'create', user, { comment: form.comment });
    return this.get(serviceId, form.name);
  }

  private checkVersion(live: RateLimitLive | undefined, name: string, resourceVersion: string | undefined) {
    if (
      resourceVersion !== undefined &&
      live?.filter &&
      resourceVersion !== live.filter.metadata.resourceVersion
    ) {
      throw staleWrite(`Rate limit ${name}`);
    }
  }

  async update(serviceId: string, name: string, form: RateLimitForm, user: string): Promise<RateLimitRule> {
    const ctx = await this.context(serviceId);
    const live = ctx.rules.get(name);
    if (!live?.filter) throw notFound(`Rate limit ${name} of ${serviceId} was not found`);
    this.checkVersion(live, name, form.resourceVersion);
    const writes = this.plan(ctx, form, name);
    if (form.resourceVersion !== undefined) {
      // The write is based on the version the operator saw, so a change in between is a 409.
      for (const w of writes)
        if (w.object.kind === 'EnvoyFilter') w.object.metadata.resourceVersion = form.resourceVersion;
    }
    await this.applyAndRecord(ctx, writes, name, 'update', user, { comment: form.comment });
    return this.get(serviceId, name);
  }

  async remove(
    serviceId: string,
    name: string,
    opts: { resourceVersion?: string | undefined; comment?: string | undefined },
    user: string,
  ): Promise<void> {
    const ctx = await this.context(serviceId);
    const live = ctx.rules.get(name);
    if (!live?.filter) throw notFound(`Rate limit ${name} of ${serviceId} was not found`);
    this.checkVersion(live, name, opts.resourceVersion);
    await this.applyAndRecord(ctx, planRateLimitDelete(live), name, 'delete', user, {
      comment: opts.comment,
    });
  }

  revisions(serviceId: string, name: string): Promise<RevisionList> {
    return listRevisions(this.deps.catalog, this.deps.history, serviceId, name);
  }

  /** Writes an old revision as a new one: its form re-applied, or the rule deleted if it was deleted then. */
  async rollback(
    serviceId: string,
    name: string,
    revision: number,
    user: string,
    comment?: string,
  ): Promise<RateLimitRule | null> {
    const ctx = await this.context(serviceId);
    const rev = await this.deps.history.get(ctx.target.namespace, serviceId, name, revision);
    if (!rev) throw notFound(`Revision ${revision} of rate limit ${name} was not found`);
    const live = ctx.rules.get(name) ?? {};
    const filter = rev.raw.find((o) => o.kind === 'EnvoyFilter') as MeshObject | undefined;
    const config = rev.raw.find((o) => o.kind === 'ConfigMap') as ConfigMapObject | undefined;
    if (!filter) {
      if (!live.filter) return null;
      await this.applyAndRecord(ctx, planRateLimitDelete(live), name, 'rollback', user, {
        comment,
        fromRevision: revision,
      });
      return null;
    }
    const form = readRateLimit(filter, config, ctx.target);
    if (!form)
      throw new ApiError(
        409,
        'CannotRestore',
        `Revision ${revision} of ${name} cannot be restored by the form`,
      );
    const writes = planRateLimit(form, ctx.target, live);
    await this.applyAndRecord(ctx, writes, name, 'rollback', user, { comment, fromRevision: revision });
    return this.get(serviceId, name);
  }
}

/** Whether an EnvoyFilter selects the service's workloads (or every workload of its namespace). */
function appliesTo(f: MeshObject, target: RouteTarget): boolean {
  const labels = (f.spec?.workloadSelector as { labels?: Record<string, string> } | undefined)?.labels;
  if (!labels || Object.keys(labels).length === 0) return true;
  return labels.app === target.application;
}

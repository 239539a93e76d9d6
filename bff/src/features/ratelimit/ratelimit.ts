import { kubeKind } from '../../lib/kube-kind';
import { checkRateLimitForService } from '../../contract/ratelimit';
import type {
  RateLimitForm,
  RateLimitListResponse,
  RateLimitPreview,
  RateLimitRule,
} from '../../contract/ratelimit';
import { ApiError, badRequest } from '../../lib/errors';
import { shortHash } from '../../mesh/hosts';
import type { MeshObject } from '../../mesh/istio-types';
import {
  RATELIMIT_API_VERSION,
  RATELIMIT_LABEL,
  SERVICE_HASH_LABEL,
  groupRateLimits,
  planRateLimit,
  planRateLimitDelete,
  readRateLimit,
} from '../../mesh/ratelimit';
import type { ConfigMapObject, RateLimitLive } from '../../mesh/ratelimit';
import { ROOT_NAMESPACE, envoyFiltersReaching } from '../../mesh/ratelimit-reach';
import type { EnvoyFilterReach } from '../../mesh/ratelimit-reach';
import { callerScope, inScope } from '../auth/scope';
import { toYaml } from '../changes/yaml';
import { RuleService } from '../rules/service';
import type { RuleContext, RuleDeps, RuleKind, RulePlan } from '../rules/service';

export type RateLimitDeps = RuleDeps;

const ENVOY_FILTER = kubeKind(RATELIMIT_API_VERSION, 'EnvoyFilter', 'envoyfilters');
const CONFIG_MAP = kubeKind('v1', 'ConfigMap', 'configmaps');

interface RateLimitContext extends RuleContext {
  /** The console's rules of this service, by rule name. */
  rules: Map<string, RateLimitLive>;
  /** EnvoyFilters on the service's workloads that the console did not write. */
  foreign: MeshObject[];
  /**
   * The other EnvoyFilters istiod attaches to the service's sidecars (the root namespace's, and
   * those of its instances' namespaces that `foreign` does not hold), and the namespaces whose
   * EnvoyFilters could not be read.
   */
  others: { reach: EnvoyFilterReach[]; unavailable: string[] };
}

type RateLimitPlan = RulePlan<RateLimitPreview['warnings'][number]>;

interface RateLimitTypes {
  body: RateLimitForm;
  rule: RateLimitRule;
  list: RateLimitListResponse;
  preview: RateLimitPreview;
  context: RateLimitContext;
  plan: RateLimitPlan;
}

const GLOBAL_WARNING = {
  message:
    'A global limit needs the envoyproxy/ratelimit service (outbound|8081||ratelimit.istio-system) to read this ConfigMap',
};

const ref = (
  o: { apiVersion: string; kind: string; metadata: MeshObject['metadata'] },
  namespace: string,
) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  namespace: o.metadata.namespace ?? namespace,
  name: o.metadata.name,
});

const keyOf = (o: MeshObject, namespace: string) => `${o.metadata.namespace ?? namespace}/${o.metadata.name}`;

/**
 * The other EnvoyFilters on the service as the caller may see them: those of namespaces it may read
 * in full, the rest counted without their names or content.
 */
function othersOf(ctx: RateLimitContext): RateLimitListResponse['others'] {
  const readable = callerScope();
  const visible = (ns: string) => inScope(readable, ns);
  const items = ctx.others.reach.filter((r) => visible(r.filter.metadata.namespace ?? ctx.target.namespace));
  return {
    items: items.map((r) => ({
      ref: ref(r.filter, ctx.target.namespace),
      yaml: toYaml(r.filter),
      from: r.from,
      selector: r.selector,
      instances: r.instances,
      rateLimiting: r.rateLimiting,
    })),
    hidden: ctx.others.reach.length - items.length,
    unavailable: ctx.others.unavailable.filter(visible),
  };
}

function ruleOf(ctx: RateLimitContext, name: string): RateLimitRule | null {
  const live = ctx.rules.get(name);
  if (!live?.filter) return null;
  const form = readRateLimit(live.filter, live.config, ctx.target);
  if (!form) return null;
  const resourceVersion = live.filter.metadata.resourceVersion ?? '';
  return {
    name,
    objects: [live.config, live.filter].flatMap((o) => (o ? [ref(o, ctx.target.namespace)] : [])),
    resourceVersion,
    form: { ...form, resourceVersion },
    yaml: [live.filter, live.config].flatMap((o) => (o ? [toYaml(o)] : [])).join('---\n'),
  };
}

/**
 * Rate limits as a kind: the console's EnvoyFilters (and, for a global limit, descriptor
 * ConfigMaps) of `mesh/ratelimit.ts`, one rule each; EnvoyFilters on the service that the console
 * did not write are listed read-only.
 */
const rateLimitKind: RuleKind<RateLimitTypes> = {
  noun: 'rate limit',
  shortNoun: 'rate limit',
  async load({ service, target }, objects) {
    const selector = `${SERVICE_HASH_LABEL}=${shortHash(service.id)},${RATELIMIT_LABEL}`;
    // EnvoyFilters apply from the root namespace and from the instances' own namespaces.
    const elsewhere = [...new Set([ROOT_NAMESPACE, ...service.providers.map((p) => p.namespace)])].filter(
      (ns) => ns !== target.namespace,
    );
    const unavailable: string[] = [];
    const [filters, configs, ...others] = await Promise.all([
      objects.list(ENVOY_FILTER, target.namespace),
      objects.list(CONFIG_MAP, target.namespace, selector),
      // Another namespace that cannot be read (no such namespace, no permission) must not take the
      // service's own rules down with it: it is named in the answer instead.
      ...elsewhere.map((ns) =>
        objects.list(ENVOY_FILTER, ns).catch(() => {
          unavailable.push(ns);
          return [];
        }),
      ),
    ]);
    const grouped = groupRateLimits(filters as MeshObject[], configs as unknown as ConfigMapObject[], target);
    const shown = new Set(
      [...grouped.foreign, ...[...grouped.rules.values()].flatMap((r) => (r.filter ? [r.filter] : []))].map(
        (f) => keyOf(f, target.namespace),
      ),
    );
    const reach = envoyFiltersReaching(
      [...filters, ...others.flat()] as MeshObject[],
      service.providers,
    ).filter((r) => !shown.has(keyOf(r.filter, target.namespace)));
    return { service, target, ...grouped, others: { reach, unavailable: unavailable.sort() } };
  },
  find: (ctx, name) => ctx.rules.get(name)?.filter,
  taken: (ctx, name) => ctx.rules.has(name),
  read: ruleOf,
  list(ctx) {
    const names = [...ctx.rules.keys()];
    const items = [...names].sort((a, b) => a.localeCompare(b)).flatMap((name) => ruleOf(ctx, name) ?? []);
    // A console rule edited by hand into a shape the form cannot show is listed with the foreign ones.
    const unreadable = names.flatMap((name) => {
      const filter = ctx.rules.get(name)?.filter;
      return filter && !items.some((i) => i.name === name) ? [filter] : [];
    });
    return {
      items,
      foreign: [...ctx.foreign, ...unreadable].map((f) => ({
        ref: ref(f, ctx.target.namespace),
        yaml: toYaml(f),
      })),
      others: othersOf(ctx),
      readyInstances: ctx.service.versionDetails.reduce((n, v) => n + v.ready, 0),
      versions: ctx.service.versionDetails.flatMap((v) =>
        v.version === null ? [] : [{ version: v.version, ready: v.ready }],
      ),
    };
  },
  nameOf: (form) => form.name,
  plan(ctx, form, name) {
    if (name !== undefined && form.name !== name)
      throw badRequest('A rule cannot be renamed; create a new one', 'name');
    const others = [...ctx.rules.entries()].flatMap(([n, live]) => {
      if (n === form.name || !live.filter) return [];
      const f = readRateLimit(live.filter, live.config, ctx.target);
      return f ? [f] : [];
    });
    const service = ctx.service;
    const versions = service.versionDetails.map((v) => ({ version: v.version, ready: v.ready }));
    const problem = checkRateLimitForService(form, { protocol: service.protocol, versions }, others)[0];
    if (problem) throw badRequest(problem.message, problem.field);
    const writes = planRateLimit(form, ctx.target, ctx.rules.get(form.name) ?? {});
    // An update is based on the version the operator saw, so a change in between is a 409.
    if (name !== undefined && form.resourceVersion !== undefined)
      for (const w of writes)
        if (w.object.kind === 'EnvoyFilter') w.object.metadata.resourceVersion = form.resourceVersion;
    return { writes, warnings: form.scope === 'global' ? [GLOBAL_WARNING] : [] };
  },
  planDelete: (ctx, name) => ({ writes: planRateLimitDelete(ctx.rules.get(name) ?? {}), warnings: [] }),
  planRollback(ctx, name, saved, revision) {
    const live = ctx.rules.get(name) ?? {};
    const filter = saved.find((o) => o.kind === 'EnvoyFilter') as MeshObject | undefined;
    const config = saved.find((o) => o.kind === 'ConfigMap') as ConfigMapObject | undefined;
    if (!filter) {
      if (!live.filter) return { restored: false };
      return { plan: { writes: planRateLimitDelete(live), warnings: [] }, restored: false };
    }
    const form = readRateLimit(filter, config, ctx.target);
    if (!form)
      throw new ApiError(
        409,
        'CannotRestore',
        `Revision ${revision} of ${name} cannot be restored by the form`,
      );
    return { plan: { writes: planRateLimit(form, ctx.target, live), warnings: [] }, restored: true };
  },
  preview: (_ctx, plan, objects) => ({ objects, warnings: plan.warnings }),
};

/**
 * Rate-limit rules of a service, from form to control plane, on the one rule service: preview with a
 * server-side dry run, writes carrying the resourceVersion they were based on and undone when a later
 * one fails, a revision per change, rollback.
 */
export class RateLimitService extends RuleService<RateLimitTypes> {
  constructor(deps: RateLimitDeps) {
    super(deps, rateLimitKind);
  }
}

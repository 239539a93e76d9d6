import * as yaml from 'js-yaml';
import { UNIT_SECONDS } from '../contract/ratelimit';
import { jsonEqual } from '../lib/json';
import type { RateLimitForm, RateLimitMatch, RateUnit } from '../contract/ratelimit';
import { hostName, shortHash, toDnsLabel } from './hosts';
import { RPC_METHOD_HEADER } from './istio-routes';
import type { MeshObject } from './istio-types';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_ANNOTATION } from './model';
import type { PlannedWrite, RouteTarget } from './model';
import {
  DESCRIPTOR_KEY,
  GLOBAL_RATELIMIT_FILTER,
  GLOBAL_RATELIMIT_TYPE,
  HTTP_CONNECTION_MANAGER,
  LOCAL_RATELIMIT_FILTER,
  LOCAL_RATELIMIT_TYPE,
  ROUTER_FILTER,
  isOn,
  percent,
} from './ratelimit-envoy';
import type {
  GlobalRateLimit,
  HeaderMatcher,
  LocalRateLimit,
  RateLimitAction,
  RateLimitServiceConfig,
  RouteRateLimit,
  TokenBucket,
} from './ratelimit-envoy';

/**
 * Rate-limit rules, form ⇄ mesh objects, with no I/O.
 *
 * A per-instance rule is one EnvoyFilter on the service's workloads (workloadSelector): it inserts
 * Envoy's local rate limit filter into the inbound HTTP filter chain before the router, as Istio's
 * rate-limit task does. Without a match the filter itself holds the token bucket. With a match, the
 * filter is inserted without a bucket (a no-op) and an HTTP_ROUTE patch gives the inbound routes a
 * per-route config whose descriptor carries the bucket, plus the route `rate_limits` action that
 * produces that descriptor only for matching requests.
 *
 * A global rule is an EnvoyFilter inserting Envoy's rate limit filter (which asks the envoyproxy/
 * ratelimit service) and the route action, plus a ConfigMap holding the service's configuration
 * file: the rule's own domain and one descriptor with the limit.
 */

export const RATELIMIT_API_VERSION = 'networking.istio.io/v1alpha3';
/** The rule's name on each of its objects. */
export const RATELIMIT_LABEL = 'mesh-console.io/ratelimit';
export const SERVICE_HASH_LABEL = 'mesh-console.io/service-hash';
/** The key of the ConfigMap's file, as the ratelimit service's runtime directory expects. */
export const CONFIG_FILE = 'config.yaml';
/** The envoyproxy/ratelimit service as the mesh knows it (Istio's global rate-limit task deploys it so). */
const RATELIMIT_CLUSTER = 'outbound|8081||ratelimit.istio-system.svc.cluster.local';
/** Envoy needs a default bucket next to descriptors; this one never runs out, so only the descriptor limits. */
const UNLIMITED_BUCKET: TokenBucket = {
  max_tokens: 1_000_000_000,
  tokens_per_fill: 1_000_000_000,
  fill_interval: '1s',
};

export interface ConfigMapObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: MeshObject['metadata'];
  data: Record<string, string>;
}

/** The live objects of one rule. */
export interface RateLimitLive {
  filter?: MeshObject;
  config?: ConfigMapObject;
}

function filterName(target: RouteTarget, rule: string): string {
  return toDnsLabel(`${hostName(target.host)}-ratelimit-${rule}`, 63);
}

function configName(target: RouteTarget, rule: string): string {
  return toDnsLabel(`${hostName(target.host)}-ratelimit-${rule}-descriptors`, 63);
}

/** The envoyproxy/ratelimit domain of a global rule: one per rule, so each ConfigMap is a file of its own. */
function domainOf(target: RouteTarget, rule: string): string {
  return `mesh-console.${target.namespace}.${filterName(target, rule)}`;
}

function metadata(target: RouteTarget, name: string, rule: string): MeshObject['metadata'] {
  return {
    name,
    namespace: target.namespace,
    labels: {
      [MANAGED_BY_LABEL]: MANAGED_BY,
      [RATELIMIT_LABEL]: rule,
      [SERVICE_HASH_LABEL]: shortHash(target.id),
    },
    annotations: { [SERVICE_ANNOTATION]: target.id },
  };
}

function bucketOf(form: RateLimitForm): TokenBucket {
  const seconds = UNIT_SECONDS[form.limit.unit] * (form.limit.window ?? 1);
  return {
    max_tokens: form.limit.requests + (form.burst ?? 0),
    tokens_per_fill: form.limit.requests,
    fill_interval: `${seconds}s`,
  };
}

/** The workloads the rule applies to: the application's, or one version's. */
function workloadLabels(target: RouteTarget, version: string | undefined): Record<string, string> {
  const labels: Record<string, string> = { app: target.application };
  if (version !== undefined) {
    const v = target.versions.find((x) => x.version === version);
    Object.assign(labels, v?.labels ?? { version });
  }
  return labels;
}

function headerMatchers(match: RateLimitMatch): HeaderMatcher[] {
  const out: HeaderMatcher[] = [];
  if (match.path)
    out.push({
      name: ':path',
      string_match: match.path.type === 'exact' ? { exact: match.path.value } : { prefix: match.path.value },
    });
  if (match.method) out.push({ name: ':method', string_match: { exact: match.method } });
  if (match.header)
    out.push({ name: match.header.name.toLowerCase(), string_match: { exact: match.header.value } });
  if (match.rpcMethod !== undefined)
    out.push({ name: RPC_METHOD_HEADER, string_match: { exact: match.rpcMethod } });
  return out;
}

function hasMatch(form: RateLimitForm): boolean {
  const m = form.match;
  return !!m && (!!m.path || !!m.method || !!m.header || m.rpcMethod !== undefined);
}

function routeAction(form: RateLimitForm): RouteRateLimit {
  const action: RateLimitAction =
    form.match && hasMatch(form)
      ? {
          header_value_match: {
            descriptor_key: DESCRIPTOR_KEY,
            descriptor_value: form.name,
            expect_match: true,
            headers: headerMatchers(form.match),
          },
        }
      : { generic_key: { descriptor_key: DESCRIPTOR_KEY, descriptor_value: form.name } };
  return { actions: [action] };
}

const inboundFilterMatch = {
  context: 'SIDECAR_INBOUND',
  listener: {
    filterChain: { filter: { name: HTTP_CONNECTION_MANAGER, subFilter: { name: ROUTER_FILTER } } },
  },
};

const inboundRouteMatch = {
  context: 'SIDECAR_INBOUND',
  routeConfiguration: { vhost: { route: { action: 'ANY' } } },
};

function localConfig(form: RateLimitForm, statPrefix: string): LocalRateLimit {
  const config: LocalRateLimit = {
    '@type': LOCAL_RATELIMIT_TYPE,
    stat_prefix: statPrefix,
    filter_enabled: percent('local_rate_limit_enabled', form.enabled),
    filter_enforced: percent('local_rate_limit_enforced', !form.shadow),
    status: { code: form.response.status },
  };
  if (form.response.header)
    config.response_headers_to_add = [
      {
        header: { key: form.response.header.name, value: form.response.header.value },
        append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
      },
    ];
  if (hasMatch(form)) {
    config.token_bucket = UNLIMITED_BUCKET;
    config.descriptors = [
      { entries: [{ key: DESCRIPTOR_KEY, value: form.name }], token_bucket: bucketOf(form) },
    ];
  } else config.token_bucket = bucketOf(form);
  return config;
}

function globalConfig(form: RateLimitForm, domain: string): GlobalRateLimit {
  return {
    '@type': GLOBAL_RATELIMIT_TYPE,
    domain,
    // When the rate-limit service cannot be reached, requests pass: a limit must not become an outage.
    failure_mode_deny: false,
    timeout: '0.25s',
    rate_limit_service: {
      grpc_service: { envoy_grpc: { cluster_name: RATELIMIT_CLUSTER } },
      transport_api_version: 'V3',
    },
    rate_limited_status: { code: form.response.status },
    filter_enabled: percent('ratelimit_enabled', form.enabled),
    filter_enforced: percent('ratelimit_enforced', true),
  };
}

function serviceConfig(form: RateLimitForm, domain: string): RateLimitServiceConfig {
  const descriptor: RateLimitServiceConfig['descriptors'][number] = {
    key: DESCRIPTOR_KEY,
    value: form.name,
    rate_limit: { unit: form.limit.unit, requests_per_unit: form.limit.requests },
  };
  if (form.shadow) descriptor.shadow_mode = true;
  return { domain, descriptors: [descriptor] };
}

/** The rule's objects as the form says: the EnvoyFilter, and the ConfigMap for a global rule. */
export function buildRateLimit(
  form: RateLimitForm,
  target: RouteTarget,
): { filter: MeshObject; config?: ConfigMapObject } {
  const name = filterName(target, form.name);
  const patches: Record<string, unknown>[] = [];
  if (form.scope === 'instance') {
    const config = localConfig(form, `${toDnsLabel(form.name)}_local_rate_limiter`);
    if (hasMatch(form)) {
      patches.push({
        applyTo: 'HTTP_FILTER',
        match: inboundFilterMatch,
        patch: {
          operation: 'INSERT_BEFORE',
          value: {
            name: LOCAL_RATELIMIT_FILTER,
            typed_config: { '@type': LOCAL_RATELIMIT_TYPE, stat_prefix: config.stat_prefix },
          },
        },
      });
      patches.push({
        applyTo: 'HTTP_ROUTE',
        match: inboundRouteMatch,
        patch: {
          operation: 'MERGE',
          value: {
            route: { rate_limits: [routeAction(form)] },
            typed_per_filter_config: { [LOCAL_RATELIMIT_FILTER]: config },
          },
        },
      });
    } else {
      patches.push({
        applyTo: 'HTTP_FILTER',
        match: inboundFilterMatch,
        patch: { operation: 'INSERT_BEFORE', value: { name: LOCAL_RATELIMIT_FILTER, typed_config: config } },
      });
    }
  } else {
    const domain = domainOf(target, form.name);
    patches.push({
      applyTo: 'HTTP_FILTER',
      match: inboundFilterMatch,
      patch: {
        operation: 'INSERT_BEFORE',
        value: { name: GLOBAL_RATELIMIT_FILTER, typed_config: globalConfig(form, domain) },
      },
    });
    patches.push({
      applyTo: 'HTTP_ROUTE',
      match: inboundRouteMatch,
      patch: { operation: 'MERGE', value: { route: { rate_limits: [routeAction(form)] } } },
    });
  }
  const filter: MeshObject = {
    apiVersion: RATELIMIT_API_VERSION,
    kind: 'EnvoyFilter',
    metadata: metadata(target, name, form.name),
    spec: {
      workloadSelector: { labels: workloadLabels(target, form.version) },
      configPatches: patches,
    },
  };
  if (form.scope !== 'global') return { filter };
  const domain = domainOf(target, form.name);
  const config: ConfigMapObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(target, configName(target, form.name), form.name),
    data: { [CONFIG_FILE]: yaml.dump(serviceConfig(form, domain), { lineWidth: 120 }) },
  };
  return { filter, config };
}

const asMesh = (c: ConfigMapObject): MeshObject => c as unknown as MeshObject;

/**
 * The writes that make the live objects what the form says, in a safe order: the descriptors before
 * the filter that refers to them, the filter's removal before its descriptors'.
 */
export function planRateLimit(form: RateLimitForm, target: RouteTarget, live: RateLimitLive): PlannedWrite[] {
  const next = buildRateLimit(form, target);
  const writes: PlannedWrite[] = [];
  const keepVersion = (obj: MeshObject, current: MeshObject | undefined) => {
    if (current?.metadata.resourceVersion) obj.metadata.resourceVersion = current.metadata.resourceVersion;
    return obj;
  };
  if (next.config) {
    const current = live.config ? asMesh(live.config) : undefined;
    writes.push(
      current
        ? { action: 'update', object: keepVersion(asMesh(next.config), current), current }
        : { action: 'create', object: asMesh(next.config) },
    );
  }
  writes.push(
    live.filter
      ? { action: 'update', object: keepVersion(next.filter, live.filter), current: live.filter }
      : { action: 'create', object: next.filter },
  );
  if (!next.config && live.config)
    writes.push({ action: 'delete', object: asMesh(live.config), current: asMesh(live.config) });
  return writes.map((w) =>
    w.action === 'update' && w.current && sameContent(w.object, w.current)
      ? { ...w, action: 'unchanged' }
      : w,
  );
}

export function planRateLimitDelete(live: RateLimitLive): PlannedWrite[] {
  const writes: PlannedWrite[] = [];
  if (live.filter) writes.push({ action: 'delete', object: live.filter, current: live.filter });
  if (live.config)
    writes.push({ action: 'delete', object: asMesh(live.config), current: asMesh(live.config) });
  return writes;
}

/** Spec (or data) and labels alike, in any key order: the live object as read back may order them differently. */
function sameContent(a: MeshObject, b: MeshObject): boolean {
  return (
    jsonEqual(a.spec, b.spec) && jsonEqual(a.data, b.data) && jsonEqual(a.metadata.labels, b.metadata.labels)
  );
}

// ---------------------------------------------------------------------------------------------
// Reading back.

/** Whether an EnvoyFilter is one of the console's rate-limit rules (and for which rule). */
export function ruleOf(obj: MeshObject): string | undefined {
  if (obj.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) return undefined;
  return obj.metadata.labels?.[RATELIMIT_LABEL];
}

/** Whether an EnvoyFilter selects the service's workloads (or every workload of its namespace). */
function selectsService(f: MeshObject, target: RouteTarget): boolean {
  const labels = (f.spec?.workloadSelector as { labels?: Record<string, string> } | undefined)?.labels;
  if (!labels || Object.keys(labels).length === 0) return true;
  return labels.app === target.application;
}

/**
 * The live objects of a service's rules, by rule name, from the EnvoyFilters of its namespace and
 * its descriptor ConfigMaps; `foreign` are the EnvoyFilters on its workloads that the console did
 * not write for it (sorted by name).
 */
export function groupRateLimits(
  filters: readonly MeshObject[],
  configs: readonly ConfigMapObject[],
  target: RouteTarget,
): { rules: Map<string, RateLimitLive>; foreign: MeshObject[] } {
  const rules = new Map<string, RateLimitLive>();
  const foreign: MeshObject[] = [];
  const mine = (o: { metadata: MeshObject['metadata'] }) =>
    o.metadata.annotations?.[SERVICE_ANNOTATION] === target.id;
  for (const f of filters) {
    const rule = ruleOf(f);
    if (rule && mine(f)) rules.set(rule, { ...rules.get(rule), filter: f });
    else if (selectsService(f, target)) foreign.push(f);
  }
  for (const c of configs) {
    const rule = c.metadata.labels?.[RATELIMIT_LABEL];
    if (rule && mine(c)) rules.set(rule, { ...rules.get(rule), config: c });
  }
  foreign.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return { rules, foreign };
}

interface Patch {
  applyTo?: string;
  patch?: { operation?: string; value?: Record<string, unknown> };
}

function unitOf(seconds: number): { unit: RateUnit; window?: number } {
  for (const unit of ['hour', 'minute'] as const) {
    if (seconds % UNIT_SECONDS[unit] === 0) {
      const window = seconds / UNIT_SECONDS[unit];
      return window === 1 ? { unit } : { unit, window };
    }
  }
  return seconds === 1 ? { unit: 'second' } : { unit: 'second', window: seconds };
}

function matchOf(action: RateLimitAction | undefined): RateLimitMatch | undefined {
  if (!action || !('header_value_match' in action)) return undefined;
  const match: RateLimitMatch = {};
  for (const h of action.header_value_match.headers ?? []) {
    const sm = h.string_match as Record<string, string>;
    if (h.name === ':path') {
      match.path =
        sm.prefix !== undefined
          ? { type: 'prefix', value: sm.prefix }
          : { type: 'exact', value: sm.exact ?? '' };
    } else if (h.name === ':method') match.method = sm.exact as RateLimitMatch['method'];
    else if (h.name === RPC_METHOD_HEADER) match.rpcMethod = sm.exact ?? '';
    else match.header = { name: h.name, value: sm.exact ?? '' };
  }
  return match;
}

function versionOf(obj: MeshObject, target: RouteTarget): string | undefined {
  const labels = (obj.spec.workloadSelector as { labels?: Record<string, string> } | undefined)?.labels ?? {};
  for (const v of target.versions)
    if (Object.entries(v.labels).every(([k, val]) => labels[k] === val)) return v.version;
  return labels.version;
}

/**
 * The form of one of the console's rules, from its EnvoyFilter (and ConfigMap for a global rule),
 * or null when the objects are not in the shape the console writes (edited by hand).
 */
export function readRateLimit(
  filter: MeshObject,
  config: ConfigMapObject | undefined,
  target: RouteTarget,
): RateLimitForm | null {
  const name = ruleOf(filter);
  if (!name) return null;
  const patches = (filter.spec.configPatches ?? []) as Patch[];
  const filterPatch = patches.find((p) => p.applyTo === 'HTTP_FILTER');
  const routePatch = patches.find((p) => p.applyTo === 'HTTP_ROUTE');
  const inserted = filterPatch?.patch?.value as { name?: string; typed_config?: unknown } | undefined;
  const routeValue = routePatch?.patch?.value as
    | { route?: { rate_limits?: RouteRateLimit[] }; typed_per_filter_config?: Record<string, unknown> }
    | undefined;
  const action = routeValue?.route?.rate_limits?.[0]?.actions?.[0];
  const match = matchOf(action);
  const version = versionOf(filter, target);
  const base = { name, ...(version !== undefined ? { version } : {}), ...(match ? { match } : {}) };

  if (inserted?.name === LOCAL_RATELIMIT_FILTER) {
    const local = (routeValue?.typed_per_filter_config?.[LOCAL_RATELIMIT_FILTER] ?? inserted.typed_config) as
      LocalRateLimit | undefined;
    const bucket = match ? local?.descriptors?.[0]?.token_bucket : local?.token_bucket;
    if (!local || !bucket) return null;
    const seconds = Number.parseFloat(bucket.fill_interval);
    if (!Number.isFinite(seconds) || seconds <= 0) return null;
    const burst = bucket.max_tokens - bucket.tokens_per_fill;
    const header = local.response_headers_to_add?.[0]?.header;
    return {
      ...base,
      limit: { requests: bucket.tokens_per_fill, ...unitOf(seconds) },
      ...(burst > 0 ? { burst } : {}),
      scope: 'instance',
      response: {
        status: local.status?.code ?? 429,
        ...(header ? { header: { name: header.key, value: header.value } } : {}),
      },
      enabled: isOn(local.filter_enabled),
      shadow: !isOn(local.filter_enforced),
    };
  }
  if (inserted?.name === GLOBAL_RATELIMIT_FILTER) {
    const global = inserted.typed_config as GlobalRateLimit | undefined;
    const file = config?.data?.[CONFIG_FILE];
    if (!global || !file) return null;
    let parsed: RateLimitServiceConfig;
    try {
      parsed = yaml.load(file) as RateLimitServiceConfig;
    } catch {
      return null;
    }
    const descriptor = parsed?.descriptors?.find((d) => d.value === name);
    if (!descriptor || descriptor.rate_limit.unit === 'day') return null;
    return {
      ...base,
      limit: { requests: descriptor.rate_limit.requests_per_unit, unit: descriptor.rate_limit.unit },
      scope: 'global',
      response: { status: global.rate_limited_status?.code ?? 429 },
      enabled: isOn(global.filter_enabled),
      shadow: descriptor.shadow_mode === true,
    };
  }
  return null;
}

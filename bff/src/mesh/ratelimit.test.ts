import fc from 'fast-check';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { RateLimitForm } from '../contract/ratelimit';
import type { RateLimitFormInput } from '../contract/ratelimit';
import { withKeysReversed } from '../testing/json';
import { echo, reviews } from './fixtures';
import { checkIstioObject } from './istio-schema';
import type { MeshObject } from './istio-types';
import type { RouteTarget } from './model';
import { CONFIG_FILE, buildRateLimit, planRateLimit, planRateLimitDelete, readRateLimit } from './ratelimit';
import type { ConfigMapObject } from './ratelimit';

const form = (input: Partial<RateLimitFormInput> = {}): RateLimitForm =>
  RateLimitForm.parse({
    name: 'api-limit',
    limit: { requests: 10, unit: 'second' },
    scope: 'instance',
    enabled: true,
    shadow: false,
    ...input,
  });

/** A patch value, walked freely by the tests (what Envoy would parse). */
interface Json {
  [key: string]: Json;
}
type Patch = { applyTo: string; match: Record<string, unknown>; patch: { operation: string; value: Json } };
const patches = (obj: MeshObject) => obj.spec.configPatches as Patch[];

describe('per-instance limits become a local rate limit EnvoyFilter', () => {
  it('without a match: the filter on the inbound chain holds the token bucket, with Envoy’s field names', () => {
    const { filter, config } = buildRateLimit(form({ burst: 5 }), reviews);
    expect(config).toBeUndefined();
    expect(filter.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(filter.kind).toBe('EnvoyFilter');
    expect(filter.spec.workloadSelector).toEqual({ labels: { app: 'reviews' } });
    const [p, ...rest] = patches(filter);
    expect(rest).toEqual([]);
    expect(p?.applyTo).toBe('HTTP_FILTER');
    expect(p?.match).toEqual({
      context: 'SIDECAR_INBOUND',
      listener: {
        filterChain: {
          filter: {
            name: 'envoy.filters.network.http_connection_manager',
            subFilter: { name: 'envoy.filters.http.router' },
          },
        },
      },
    });
    expect(p?.patch.operation).toBe('INSERT_BEFORE');
    expect(p?.patch.value.name).toBe('envoy.filters.http.local_ratelimit');
    expect(p?.patch.value.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
      stat_prefix: 'api-limit_local_rate_limiter',
      token_bucket: { max_tokens: 15, tokens_per_fill: 10, fill_interval: '1s' },
      filter_enabled: {
        runtime_key: 'local_rate_limit_enabled',
        default_value: { numerator: 100, denominator: 'HUNDRED' },
      },
      filter_enforced: {
        runtime_key: 'local_rate_limit_enforced',
        default_value: { numerator: 100, denominator: 'HUNDRED' },
      },
      status: { code: 429 },
    });
  });

  it('shadow mode: enabled but not enforced; disabled: not enabled; response status and header', () => {
    const shadow = buildRateLimit(
      form({ shadow: true, response: { status: 503, header: { name: 'x-limited', value: 'yes' } } }),
      reviews,
    ).filter;
    const cfg = patches(shadow)[0]?.patch.value.typed_config;
    expect(cfg?.filter_enabled?.default_value?.numerator).toBe(100);
    expect(cfg?.filter_enforced?.default_value?.numerator).toBe(0);
    expect(cfg?.status).toEqual({ code: 503 });
    expect(cfg?.response_headers_to_add).toEqual([
      { header: { key: 'x-limited', value: 'yes' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    ]);
    const off = buildRateLimit(form({ enabled: false }), reviews).filter;
    expect(patches(off)?.[0]?.patch?.value?.typed_config?.filter_enabled?.default_value?.numerator).toBe(0);
  });

  it('a window in minutes or hours is the fill interval; one version narrows the workload selector', () => {
    const { filter } = buildRateLimit(
      form({ limit: { requests: 600, unit: 'minute' }, version: 'v2' }),
      reviews,
    );
    expect(patches(filter)?.[0]?.patch?.value?.typed_config?.token_bucket).toEqual({
      max_tokens: 600,
      tokens_per_fill: 600,
      fill_interval: '60s',
    });
    expect(filter.spec.workloadSelector).toEqual({ labels: { app: 'reviews', version: 'v2' } });
    const hourly = buildRateLimit(form({ limit: { requests: 5, unit: 'hour', window: 2 } }), reviews).filter;
    expect(patches(hourly)?.[0]?.patch?.value?.typed_config?.token_bucket?.fill_interval).toBe('7200s');
  });

  it('with a match: a bucketless filter plus an HTTP_ROUTE patch with the action and the descriptor', () => {
    const { filter } = buildRateLimit(
      form({
        match: {
          path: { type: 'prefix', value: '/api' },
          method: 'POST',
          header: { name: 'X-User', value: 'a' },
        },
      }),
      reviews,
    );
    const [insert, route] = patches(filter);
    expect(insert?.patch.value.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
      stat_prefix: 'api-limit_local_rate_limiter',
    });
    expect(route?.applyTo).toBe('HTTP_ROUTE');
    expect(route?.match).toEqual({
      context: 'SIDECAR_INBOUND',
      routeConfiguration: { vhost: { route: { action: 'ANY' } } },
    });
    expect(route?.patch.operation).toBe('MERGE');
    expect(route?.patch?.value?.route?.rate_limits).toEqual([
      {
        actions: [
          {
            header_value_match: {
              descriptor_key: 'mesh-console-rule',
              descriptor_value: 'api-limit',
              expect_match: true,
              headers: [
                { name: ':path', string_match: { prefix: '/api' } },
                { name: ':method', string_match: { exact: 'POST' } },
                { name: 'x-user', string_match: { exact: 'a' } },
              ],
            },
          },
        ],
      },
    ]);
    const perRoute = route?.patch?.value?.typed_per_filter_config?.['envoy.filters.http.local_ratelimit'];
    expect(perRoute?.descriptors).toEqual([
      {
        entries: [{ key: 'mesh-console-rule', value: 'api-limit' }],
        token_bucket: { max_tokens: 10, tokens_per_fill: 10, fill_interval: '1s' },
      },
    ]);
  });

  it('a Dubbo method name matches the method header the sidecar exposes', () => {
    const { filter } = buildRateLimit(form({ match: { rpcMethod: 'echo' } }), echo);
    expect(
      patches(filter)?.[1]?.patch?.value?.route?.rate_limits?.[0]?.actions?.[0]?.header_value_match?.headers,
    ).toEqual([{ name: 'method', string_match: { exact: 'echo' } }]);
  });
});

describe('global limits become the rate limit filter, a route action and the descriptors', () => {
  it('without a match: generic_key action, the ratelimit service over gRPC, one domain per rule', () => {
    const { filter, config } = buildRateLimit(
      form({ scope: 'global', limit: { requests: 100, unit: 'minute' } }),
      reviews,
    );
    const [insert, route] = patches(filter);
    expect(insert?.patch.value.name).toBe('envoy.filters.http.ratelimit');
    const cfg = insert?.patch.value.typed_config;
    expect(cfg?.['@type']).toBe('type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit');
    expect(cfg?.domain).toBe('mesh-console.bookinfo.reviews-ratelimit-api-limit');
    expect(cfg?.rate_limit_service).toEqual({
      grpc_service: {
        envoy_grpc: { cluster_name: 'outbound|8081||ratelimit.istio-system.svc.cluster.local' },
      },
      transport_api_version: 'V3',
    });
    expect(cfg?.rate_limited_status).toEqual({ code: 429 });
    expect(route?.patch?.value?.route?.rate_limits).toEqual([
      { actions: [{ generic_key: { descriptor_key: 'mesh-console-rule', descriptor_value: 'api-limit' } }] },
    ]);
    expect(config?.kind).toBe('ConfigMap');
    expect(yaml.load(config?.data[CONFIG_FILE] ?? '')).toEqual({
      domain: 'mesh-console.bookinfo.reviews-ratelimit-api-limit',
      descriptors: [
        {
          key: 'mesh-console-rule',
          value: 'api-limit',
          rate_limit: { unit: 'minute', requests_per_unit: 100 },
        },
      ],
    });
  });

  it('shadow mode is the descriptor’s shadow_mode; a match is a header_value_match action', () => {
    const { filter, config } = buildRateLimit(
      form({ scope: 'global', shadow: true, match: { path: { type: 'exact', value: '/login' } } }),
      reviews,
    );
    expect(
      (yaml.load(config?.data[CONFIG_FILE] ?? '') as { descriptors: { shadow_mode?: boolean }[] })
        .descriptors[0]?.shadow_mode,
    ).toBe(true);
    expect(
      patches(filter)?.[1]?.patch?.value?.route?.rate_limits?.[0]?.actions?.[0]?.header_value_match?.headers,
    ).toEqual([{ name: ':path', string_match: { exact: '/login' } }]);
  });

  it('rejects what the global service cannot do: a burst, a window of several units', () => {
    expect(RateLimitForm.safeParse({ ...form(), scope: 'global', burst: 3 }).success).toBe(false);
    expect(
      RateLimitForm.safeParse({
        ...form(),
        scope: 'global',
        limit: { requests: 1, unit: 'second', window: 5 },
      }).success,
    ).toBe(false);
  });
});

describe('every object is one Istio accepts as written', () => {
  const cases: [string, Partial<RateLimitFormInput>][] = [
    ['local', {}],
    [
      'local with match and header',
      {
        match: { path: { type: 'prefix', value: '/a' } },
        response: { status: 429, header: { name: 'x-rl', value: '1' } },
      },
    ],
    ['local shadow', { shadow: true }],
    ['global', { scope: 'global' }],
    ['global with match', { scope: 'global', match: { method: 'GET' } }],
  ];
  it.each(cases)('%s validates against the EnvoyFilter CRD with nothing pruned', (_name, input) => {
    const { filter } = buildRateLimit(form(input), reviews);
    expect(checkIstioObject(filter)).toEqual({ errors: [], pruned: [] });
  });
});

describe('planning', () => {
  it('creates the descriptors before the filter, and deletes the filter before its descriptors', () => {
    const global = form({ scope: 'global' });
    const writes = planRateLimit(global, reviews, {});
    expect(writes.map((w) => `${w.action} ${w.object.kind}`)).toEqual([
      'create ConfigMap',
      'create EnvoyFilter',
    ]);
    const live = buildRateLimit(global, reviews);
    const del = planRateLimitDelete({ filter: live.filter, config: live.config as ConfigMapObject });
    expect(del.map((w) => `${w.action} ${w.object.kind}`)).toEqual([
      'delete EnvoyFilter',
      'delete ConfigMap',
    ]);
  });

  it('switching from global to per-instance removes the descriptors; an unchanged rule writes nothing', () => {
    const live = buildRateLimit(form({ scope: 'global' }), reviews);
    live.filter.metadata.resourceVersion = '7';
    const writes = planRateLimit(form(), reviews, {
      filter: live.filter,
      config: live.config as ConfigMapObject,
    });
    expect(writes.map((w) => `${w.action} ${w.object.kind}`)).toEqual([
      'update EnvoyFilter',
      'delete ConfigMap',
    ]);
    expect(writes[0]?.object.metadata.resourceVersion).toBe('7');
    const same = buildRateLimit(form(), reviews);
    expect(planRateLimit(form(), reviews, { filter: same.filter }).map((w) => w.action)).toEqual([
      'unchanged',
    ]);
    // Read back with its keys in another order (a control plane's own), it is still unchanged.
    const readBack = withKeysReversed(same.filter);
    expect(planRateLimit(form(), reviews, { filter: readBack }).map((w) => w.action)).toEqual(['unchanged']);
  });
});

describe('round trip: the console reads its own rules back', () => {
  const name = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
  const arb = (target: RouteTarget) => {
    const rpc = target.protocol === 'dubbo';
    const match = rpc
      ? fc.option(fc.record({ rpcMethod: fc.stringMatching(/^[a-zA-Z]{1,8}$/) }), { nil: undefined })
      : fc.option(
          fc.record(
            {
              path: fc.record({
                type: fc.constantFrom('exact', 'prefix'),
                value: fc.stringMatching(/^\/[a-z]{0,6}$/),
              }),
              method: fc.constantFrom('GET', 'POST'),
              header: fc.record({
                name: fc.stringMatching(/^x-[a-z]{1,5}$/),
                value: fc.stringMatching(/^[a-z0-9]{1,5}$/),
              }),
            },
            { requiredKeys: [] },
          ),
          { nil: undefined },
        );
    return fc
      .record({
        name,
        version: fc.option(fc.constantFrom(...target.versions.map((v) => v.version)), { nil: undefined }),
        match,
        requests: fc.integer({ min: 1, max: 100_000 }),
        unit: fc.constantFrom('second', 'minute', 'hour'),
        burst: fc.integer({ min: 0, max: 100 }),
        scope: fc.constantFrom('instance', 'global'),
        status: fc.integer({ min: 400, max: 599 }),
        enabled: fc.boolean(),
        shadow: fc.boolean(),
      })
      .map((r) =>
        RateLimitForm.parse({
          name: r.name,
          ...(r.version ? { version: r.version } : {}),
          ...(r.match && Object.keys(r.match).length > 0 ? { match: r.match } : {}),
          limit: { requests: r.requests, unit: r.unit },
          ...(r.scope === 'instance' && r.burst > 0 ? { burst: r.burst } : {}),
          scope: r.scope,
          response: { status: r.status },
          enabled: r.enabled,
          shadow: r.shadow,
        }),
      );
  };

  it.each([
    ['HTTP', reviews],
    ['Dubbo', echo],
  ] as const)('%s: form → objects → form is the same form', (_n, target) => {
    fc.assert(
      fc.property(arb(target), (f) => {
        const { filter, config } = buildRateLimit(f, target);
        expect(readRateLimit(filter, config, target)).toEqual(f);
      }),
      { numRuns: 200 },
    );
  });

  it('an EnvoyFilter the console did not write is not read as a rule', () => {
    const { filter } = buildRateLimit(form(), reviews);
    delete filter.metadata.labels;
    expect(readRateLimit(filter, undefined, reviews)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { RateLimitForm } from '../../../contract/ratelimit';
import type { RateLimitFormInput } from '../../../contract/ratelimit';
import { EmbeddedTelemetry } from './telemetry-source';
import { routeTarget } from '../../../features/routing/target';
import { buildRateLimit } from '../../../mesh/ratelimit';
import type { ConfigMapObject } from '../../../mesh/ratelimit';
import { localRateLimitMetric } from './exporter';
import { RateLimitAdmission, enforcedLimits } from './ratelimit';
import { demoCatalog, parseExposition, simulation } from './testing';

/** The busy front door of the demo (about 50 requests per second, one instance). */
const GATEWAY = 'sc-gateway.spring-demo.svc.cluster.local';
const q = { rangeSeconds: 60, stepSeconds: 5, rateSeconds: 20 };

/** The limits the demo's sidecars enforce for a form, read from exactly what the console writes. */
function limitsFor(input: Partial<RateLimitFormInput>, serviceId = GATEWAY) {
  const catalog = demoCatalog();
  const service = catalog.get(serviceId);
  if (!service) throw new Error(`no service ${serviceId}`);
  const form = RateLimitForm.parse({
    name: 'gate',
    limit: { requests: 10, unit: 'second' },
    scope: 'instance',
    enabled: true,
    shadow: false,
    ...input,
  });
  const { filter, config } = buildRateLimit(form, routeTarget(service));
  return enforcedLimits([filter], config ? [config as ConfigMapObject] : [], catalog);
}

function run(input: Partial<RateLimitFormInput> | null, seconds = 60) {
  const admission = new RateLimitAdmission();
  if (input) admission.setLimits(limitsFor(input));
  const s = simulation({ exporter: true, admission });
  s.advance(seconds);
  return { s, admission, telemetry: new EmbeddedTelemetry(s.store) };
}

describe('the demo mesh enforces the console’s rate limits', () => {
  it('has a service receiving about 50 requests per second to limit', async () => {
    const { telemetry } = run(null);
    const f = await telemetry.limits(GATEWAY, q);
    expect(f.passed).toBeGreaterThan(30);
    expect(f.passed).toBeLessThan(75);
    expect(f.limited).toBe(0);
  });

  it('a per-instance limit of 10 per second lets about 10 through and refuses the rest with 429 RL', async () => {
    const { s, telemetry } = run({});
    const f = await telemetry.limits(GATEWAY, q);
    expect(f.passed).toBeGreaterThan(9);
    expect(f.passed).toBeLessThan(11);
    expect(f.limited).toBeGreaterThan(20);
    const samples = parseExposition((await s.exporter?.metrics())?.body ?? '').filter(
      (x) => x.name === 'istio_requests_total' && x.labels.response_flags === 'RL' && x.value > 0,
    );
    expect(samples.length).toBeGreaterThan(0);
    for (const x of samples)
      expect(x.labels).toMatchObject({ destination_service: GATEWAY, response_code: '429' });
    // Less reaches the services the gateway calls.
    const free = run(null);
    const downstream = 'order-service.spring-demo.svc.cluster.local';
    const limitedOrders = (await telemetry.serviceFigures(downstream, q)).total.requests;
    const freeOrders = (await free.telemetry.serviceFigures(downstream, q)).total.requests;
    expect(limitedOrders).toBeLessThan(freeOrders * 0.5);
  });

  it('answers with the rule’s status when one is chosen', async () => {
    const { s } = run({ response: { status: 503 } }, 10);
    const limited = parseExposition((await s.exporter?.metrics())?.body ?? '').filter(
      (x) => x.name === 'istio_requests_total' && x.labels.response_flags === 'RL' && x.value > 0,
    );
    expect(limited.map((x) => x.labels.response_code)).toContain('503');
    expect(limited.map((x) => x.labels.response_code)).not.toContain('429');
  });

  it('shadow mode counts what would be refused without refusing anything', async () => {
    const { telemetry, admission } = run({ shadow: true });
    const f = await telemetry.limits(GATEWAY, q);
    expect(f.limited).toBe(0);
    expect(f.passed).toBeGreaterThan(30);
    expect(admission.shadowLimited.get('gate') ?? 0).toBeGreaterThan(1000);
  });

  it('shadow mode is observable: the monitoring figures and Envoy’s stats show what would have been refused', async () => {
    const { s, telemetry } = run({ shadow: true });
    const f = await telemetry.limits(GATEWAY, q);
    // About 50 per second arrive and 10 would pass: about 40 would have been refused, and all passed.
    expect(f.shadowLimited).toBeGreaterThan(20);
    expect(f.shadowLimited).toBeLessThan(f.passed);
    expect(f.series.shadowLimited.filter((v) => v !== null && v > 20).length).toBeGreaterThan(0);
    // Envoy's local rate limit counts them as rate_limited, and not as enforced.
    const stats = parseExposition((await s.exporter?.metrics())?.body ?? '');
    const sum = (name: string) => stats.filter((x) => x.name === name).reduce((t, x) => t + x.value, 0);
    expect(sum(localRateLimitMetric('gate', 'rate_limited'))).toBeGreaterThan(1000);
    expect(sum(localRateLimitMetric('gate', 'enforced'))).toBe(0);
    expect(stats.find((x) => x.name === localRateLimitMetric('gate', 'rate_limited'))?.labels).toMatchObject({
      namespace: 'spring-demo',
      app: expect.any(String),
      pod: expect.any(String),
    });
    // An enforcing rule counts both, and nothing is "would be limited".
    const enforcing = run({});
    const e = await enforcing.telemetry.limits(GATEWAY, q);
    expect(e.shadowLimited).toBe(0);
    const enforced = parseExposition((await enforcing.s.exporter?.metrics())?.body ?? '');
    const total = (name: string) => enforced.filter((x) => x.name === name).reduce((t, x) => t + x.value, 0);
    expect(total(localRateLimitMetric('gate', 'enforced'))).toBeGreaterThan(1000);
    expect(total(localRateLimitMetric('gate', 'enforced'))).toBe(
      total(localRateLimitMetric('gate', 'rate_limited')),
    );
  });

  it('a disabled rule, or one with a match the simulated requests cannot show, is not enforced', () => {
    expect(limitsFor({ enabled: false })).toEqual([]);
    expect(limitsFor({ match: { path: { type: 'prefix', value: '/api' } } })).toEqual([]);
  });

  it('a per-instance limit multiplies by instances; a global one is shared by all of them', async () => {
    const productpage = 'productpage.bookinfo.svc.cluster.local';
    const perInstance = new RateLimitAdmission();
    perInstance.setLimits(limitsFor({ limit: { requests: 1, unit: 'second' } }, productpage));
    const global = new RateLimitAdmission();
    global.setLimits(limitsFor({ limit: { requests: 1, unit: 'second' }, scope: 'global' }, productpage));
    const a = simulation({ admission: perInstance });
    const b = simulation({ admission: global });
    a.advance(60);
    b.advance(60);
    const passedA = (await new EmbeddedTelemetry(a.store).limits(productpage, q)).passed;
    const passedB = (await new EmbeddedTelemetry(b.store).limits(productpage, q)).passed;
    // productpage has two instances: 2 per second pass with per-instance buckets, 1 with a shared one.
    expect(passedA).toBeCloseTo(2, 0);
    expect(passedB).toBeCloseTo(1, 0);
  });
});

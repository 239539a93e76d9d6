import { describe, expect, it } from 'vitest';
import { staticCatalog } from '../../../features/catalog/catalog';
import type { ServiceEntry, V1Pod, V1Service, WorkloadEntry } from '../../../features/catalog/kube-types';
import { buildCatalog } from '../../../features/catalog/registry';
import { EmbeddedTelemetry } from './telemetry-source';
import { ECHO_VERSIONS } from '../mesh';
import { demoObjects } from '../seed';
import type { AdmissionPolicy, Flow } from './pipeline';
import { requestKinds } from './requests';
import { parseExposition, rulesFor, simulation } from './testing';

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const RATINGS = 'ratings.bookinfo.svc.cluster.local';
const ECHO = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
/** One-second slots, so a test can look at exactly the ticks since a change. */
const FINE = [{ slotMs: 1000, slots: 3600 }];

/** Share of each version in the requests of the last `seconds` seconds. */
async function observedSplit(sim: ReturnType<typeof simulation>, serviceId: string, seconds: number) {
  const source = new EmbeddedTelemetry(sim.store);
  const split = await source.split(serviceId, {
    rangeSeconds: seconds,
    stepSeconds: 1,
    rateSeconds: seconds,
  });
  const total = split.reduce((s, v) => s + v.requests, 0);
  return { total, share: new Map(split.map((v) => [v.version, total > 0 ? v.requests / total : 0])) };
}

const versionRoute = (weights: Record<string, number>) => ({
  name: 'split',
  routeType: 'version' as const,
  trafficSplit: Object.keys(weights).length > 1,
  destinations: Object.entries(weights).map(([version, weight]) => ({ version, weight })),
});

/** Requests per (destination version) of one service from one caller workload, from the exported metrics. */
async function exportedByVersion(s: ReturnType<typeof simulation>, service: string, sourceWorkload: string) {
  const text = (await s.exporter?.metrics())?.body ?? '';
  const out = new Map<string, number>();
  for (const x of parseExposition(text)) {
    if (x.name !== 'istio_requests_total') continue;
    if (x.labels.destination_service !== service || x.labels.source_workload !== sourceWorkload) continue;
    const v = x.labels.destination_version as string;
    out.set(v, (out.get(v) ?? 0) + x.value);
  }
  return out;
}

describe('the traffic simulator obeys the routing rules', () => {
  it('without a rule, spreads a service over its ready instances', async () => {
    const s = simulation({ tiers: FINE });
    s.advance(120);
    const { share, total } = await observedSplit(s, REVIEWS, 120);
    expect(total).toBeGreaterThan(1);
    // reviews has one ready instance per version: a third each, within sampling noise.
    for (const v of ['v1', 'v2', 'v3']) expect(share.get(v)).toBeCloseTo(1 / 3, 1);
    // cart's second instance is not ready: it gets nothing.
    const instances = await new EmbeddedTelemetry(s.store).instances('cart.shop.svc.cluster.local', {
      rangeSeconds: 120,
      stepSeconds: 1,
      rateSeconds: 1,
    });
    const cart = s.catalog.get('cart.shop.svc.cluster.local');
    const notReady = cart?.providers.filter((p) => !p.ready).map((p) => p.name) ?? [];
    expect(notReady).toHaveLength(1);
    expect(instances.map((i) => i.instance)).not.toContain(notReady[0]);
    expect(instances.reduce((sum, i) => sum + i.requests, 0)).toBeGreaterThan(0);
  });

  it('follows a 0/100 VirtualService within a few ticks, then a 20/80 one', async () => {
    const s = simulation({ tiers: FINE });
    s.advance(30);
    expect((await observedSplit(s, REVIEWS, 30)).share.get('v1')).toBeGreaterThan(0.15);

    s.rules.set(rulesFor(s.catalog, REVIEWS, versionRoute({ v1: 0, v3: 100 })));
    s.advance(3);
    const after = await observedSplit(s, REVIEWS, 3);
    expect(after.total).toBeGreaterThan(0);
    expect(after.share.get('v3')).toBe(1);

    s.rules.set(rulesFor(s.catalog, REVIEWS, versionRoute({ v1: 20, v3: 80 })));
    s.advance(300);
    const weighted = await observedSplit(s, REVIEWS, 300);
    expect(weighted.share.get('v1')).toBeGreaterThan(0.2 - 0.05);
    expect(weighted.share.get('v1')).toBeLessThan(0.2 + 0.05);
    expect(weighted.share.get('v2') ?? 0).toBe(0);
  });

  it('leaves calls inside the mesh alone under a rule bound only to a gateway, and obeys it with mesh among its gateways', async () => {
    const s = simulation({ tiers: FINE });
    const bound = (gateways: string[]) => {
      const rules = rulesFor(s.catalog, REVIEWS, versionRoute({ v1: 0, v3: 100 }));
      return {
        ...rules,
        virtualServices: rules.virtualServices.map((vs) => ({
          ...vs,
          spec: { ...(vs.spec as object), gateways },
        })),
      };
    };
    s.rules.set(bound(['bookinfo/bookinfo-gateway']));
    s.advance(120);
    const atGateway = await observedSplit(s, REVIEWS, 120);
    // Still spread over every version, as without a rule.
    expect(atGateway.share.get('v1')).toBeGreaterThan(0.15);
    expect(atGateway.share.get('v3')).toBeLessThan(0.6);

    s.rules.set(bound(['bookinfo/bookinfo-gateway', 'mesh']));
    s.advance(3);
    expect((await observedSplit(s, REVIEWS, 3)).share.get('v3')).toBe(1);
  });

  it('routes the requests a condition matches (header end-user = jason → v2) and the rest by default', async () => {
    const s = simulation({ tiers: FINE });
    s.rules.set(
      rulesFor(s.catalog, REVIEWS, {
        name: 'jason',
        routeType: 'condition',
        trafficSplit: false,
        destinations: [{ version: 'v1', weight: 100 }],
        matches: [
          {
            match: { headers: [{ name: 'end-user', type: 'exact', value: 'jason' }] },
            destinations: [{ version: 'v2', weight: 100 }],
          },
        ],
      }),
    );
    s.advance(600);
    const jason = requestKinds('http')
      .filter((k) => k.headers['end-user'] === 'jason')
      .reduce((sum, k) => sum + k.share, 0);
    const { share } = await observedSplit(s, REVIEWS, 600);
    expect(share.get('v2')).toBeGreaterThan(jason - 0.04);
    expect(share.get('v2')).toBeLessThan(jason + 0.04);
    expect(share.get('v3') ?? 0).toBe(0);
  });

  it('matches the calling workload: sourceLabels version=v3 sends reviews-v3 to ratings v2 only', async () => {
    const s = simulation({ exporter: true });
    s.rules.set(
      rulesFor(s.catalog, RATINGS, {
        name: 'from-v3',
        routeType: 'condition',
        trafficSplit: false,
        destinations: [{ version: 'v1', weight: 100 }],
        matches: [
          { match: { sourceLabels: { version: 'v3' } }, destinations: [{ version: 'v2', weight: 100 }] },
        ],
      }),
    );
    s.advance(120);
    const fromV3 = await exportedByVersion(s, RATINGS, 'reviews-v3');
    const fromV1 = await exportedByVersion(s, RATINGS, 'reviews-v1');
    expect(fromV3.get('v2')).toBeGreaterThan(0);
    expect(fromV3.get('v1') ?? 0).toBe(0);
    expect(fromV1.get('v1')).toBeGreaterThan(0);
    expect(fromV1.get('v2') ?? 0).toBe(0);
  });

  it.each(['dubbo', 'sofa', 'istio'] as const)(
    'obeys rules the %s dialect writes for a Dubbo service',
    async (dialect) => {
      const s = simulation({ dialect, tiers: FINE });
      s.rules.set(
        rulesFor(s.catalog, ECHO, versionRoute({ [ECHO_VERSIONS[0]]: 20, [ECHO_VERSIONS[1]]: 80 }), dialect),
      );
      s.advance(600);
      const { share } = await observedSplit(s, ECHO, 600);
      expect(share.get(ECHO_VERSIONS[0])).toBeGreaterThan(0.2 - 0.05);
      expect(share.get(ECHO_VERSIONS[0])).toBeLessThan(0.2 + 0.05);
    },
  );

  it('answers 503 (no healthy upstream) for traffic routed to a version without a ready instance', async () => {
    const objects = demoObjects(new Date(0)).map((o) => {
      const labels = o.metadata?.labels ?? {};
      if (o.kind !== 'Pod' || labels.app !== 'reviews' || labels.version !== 'v3') return o;
      const pod = structuredClone(o) as V1Pod;
      pod.status = { ...pod.status, conditions: [{ type: 'Ready', status: 'False' }] };
      return pod;
    });
    const of = <T>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
    const catalog = staticCatalog(
      buildCatalog({
        services: of<V1Service>('Service'),
        pods: of<V1Pod>('Pod'),
        serviceEntries: of<ServiceEntry>('ServiceEntry'),
        workloadEntries: of<WorkloadEntry>('WorkloadEntry'),
      }),
    );
    const s = simulation({ catalog, exporter: true });
    s.rules.set(rulesFor(catalog, REVIEWS, versionRoute({ v3: 100 })));
    s.advance(60);
    const samples = parseExposition((await s.exporter?.metrics())?.body ?? '').filter(
      (x) => x.name === 'istio_requests_total' && x.labels.destination_service === REVIEWS && x.value > 0,
    );
    expect(samples.length).toBeGreaterThan(0);
    // The caller's sidecar answers them itself (reporter=source): no workload, so no version, was reached.
    for (const x of samples) {
      expect(x.labels).toMatchObject({
        reporter: 'source',
        destination_version: 'unknown',
        response_code: '503',
        response_flags: 'UH',
      });
    }
    const stats = await new EmbeddedTelemetry(s.store).serviceFigures(REVIEWS, {
      rangeSeconds: 60,
      stepSeconds: 5,
      rateSeconds: 20,
    });
    expect(stats.total.errors).toBeCloseTo(stats.total.requests, 6);
  });
});

describe('the traffic simulator', () => {
  it('is deterministic for a seed and varies with it', async () => {
    const run = async (seed: number) => {
      const s = simulation({ seed, exporter: true });
      s.advance(30);
      return (await s.exporter?.metrics())?.body;
    };
    expect(await run(1)).toBe(await run(1));
    expect(await run(1)).not.toBe(await run(2));
  });

  it('sends calls along the call graph only: the consumers of ratings are the versions of reviews', async () => {
    const s = simulation();
    s.advance(60);
    const q = { rangeSeconds: 60, stepSeconds: 5, rateSeconds: 20 };
    const consumers = await new EmbeddedTelemetry(s.store).consumers(RATINGS, q);
    expect(new Set(consumers.map((c) => c.workload))).toEqual(
      new Set(['reviews-v1', 'reviews-v2', 'reviews-v3']),
    );
    const front = await new EmbeddedTelemetry(s.store).consumers('productpage.bookinfo.svc.cluster.local', q);
    expect(front.map((c) => c.workload)).toEqual(['istio-ingressgateway']);
    // Every application of the demo gets traffic: requests, or connections for a TCP database.
    const apps = await new EmbeddedTelemetry(s.store).applications(q);
    expect(apps.filter((a) => a.figures.requests === 0 && a.figures.tcp.opened === 0)).toEqual([]);
  });

  it('lets an admission policy (the rate-limit hook) turn requests away: 429, and less traffic downstream', async () => {
    let rejected = 0;
    const limit: AdmissionPolicy = {
      admit(flow: Flow, count: number) {
        if (flow.app !== 'reviews') return count;
        const admitted = Math.min(count, 1);
        rejected += count - admitted;
        return admitted;
      },
    };
    const limited = simulation({ exporter: true, admission: limit });
    const free = simulation({ exporter: true });
    limited.advance(120);
    free.advance(120);
    const samples = parseExposition((await limited.exporter?.metrics())?.body ?? '');
    const tooMany = samples
      .filter((x) => x.name === 'istio_requests_total' && x.labels.response_code === '429')
      .reduce((sum, x) => {
        expect(x.labels).toMatchObject({ destination_app: 'reviews', response_flags: 'RL' });
        return sum + x.value;
      }, 0);
    expect(rejected).toBeGreaterThan(0);
    expect(tooMany).toBe(rejected);
    const q = { rangeSeconds: 120, stepSeconds: 5, rateSeconds: 20 };
    const ratingsLimited = (await new EmbeddedTelemetry(limited.store).serviceFigures(RATINGS, q)).total
      .requests;
    const ratingsFree = (await new EmbeddedTelemetry(free.store).serviceFigures(RATINGS, q)).total.requests;
    expect(ratingsLimited).toBeLessThan(ratingsFree * 0.8);
  });

  it('drifts: traffic changes over time but stays near its level', async () => {
    const s = simulation({ tiers: [{ slotMs: 60_000, slots: 60 }] });
    s.advance(1800);
    const source = new EmbeddedTelemetry(s.store);
    const perMinute: number[] = [];
    for (let m = 1; m <= 29; m++) {
      const [a] = (
        await source.applications(
          { rangeSeconds: 60, stepSeconds: 60, rateSeconds: 60 },
          s.now() - m * 60_000,
        )
      ).filter((x) => x.app === 'productpage');
      perMinute.push(a?.figures.requests ?? 0);
    }
    const max = Math.max(...perMinute);
    const min = Math.min(...perMinute);
    expect(min).toBeGreaterThan(0);
    expect(max / min).toBeGreaterThan(1.1);
    expect(max / min).toBeLessThan(5);
  });

  it('keeps the traffic going, as without rules, when the routing engine fails on a request', async () => {
    const s = simulation({
      tiers: FINE,
      decide: () => {
        throw new Error('engine bug');
      },
    });
    s.advance(60);
    const { share, total } = await observedSplit(s, REVIEWS, 60);
    expect(total).toBeGreaterThan(0);
    for (const v of ['v1', 'v2', 'v3']) expect(share.get(v)).toBeGreaterThan(0.15);
  });
});

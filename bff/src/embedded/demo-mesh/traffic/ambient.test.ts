import { describe, expect, it } from 'vitest';
import { TCP_METRICS } from './exporter';
import type { RawObject } from './istio/types';
import { EmbeddedTelemetry } from './telemetry-source';
import { demoRuleSnapshot, parseExposition, simulation } from './testing';
import type { ExportedSample } from './testing';

/*
 * The demo's ambient corner (namespace shop, waypoint `waypoint`): storefront calls catalog through
 * the waypoint, which splits it by the HTTPRoute `catalog` (90/10 as seeded) and reports it with
 * reporter="waypoint"; payments opted out of the waypoint (ztunnel only: L4 metrics, no rules);
 * inventory-db is catalog's MySQL (TCP).
 */

const host = (name: string) => `${name}.shop.svc.cluster.local`;
const CATALOG = host('catalog');
const FINE = [{ slotMs: 1000, slots: 3600 }];
const window = (seconds: number) => ({ rangeSeconds: seconds, stepSeconds: 1, rateSeconds: seconds });

async function samplesOf(s: ReturnType<typeof simulation>): Promise<ExportedSample[]> {
  return parseExposition((await s.exporter?.metrics())?.body ?? '');
}

function sum(samples: ExportedSample[], name: string, labels: Record<string, string>): number {
  return samples
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((n, x) => n + x.value, 0);
}

/** The share of catalog's v2 in the requests of the last `seconds` (the store, as the console reads it). */
async function v2Share(s: ReturnType<typeof simulation>, seconds: number) {
  const split = await new EmbeddedTelemetry(s.store).split(CATALOG, window(seconds));
  const total = split.reduce((n, v) => n + v.requests, 0);
  return { total, share: (split.find((v) => v.version === 'v2')?.requests ?? 0) / total };
}

function catalogRoute(v1: number, v2: number): RawObject {
  const seeded = demoRuleSnapshot().httpRoutes.find((r) => r.metadata.name === 'catalog');
  if (!seeded) throw new Error('the seed has no HTTPRoute catalog');
  return {
    ...seeded,
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: 'catalog', port: 8080 }],
      rules: [
        {
          backendRefs: [
            { name: 'catalog-v1', port: 8080, weight: v1 },
            { name: 'catalog-v2', port: 8080, weight: v2 },
          ],
        },
      ],
    },
  };
}

describe('the demo’s ambient namespace', () => {
  it('obeys catalog’s HTTPRoute at the waypoint (90/10, then 20/80), reported by the waypoint, with ztunnel counting connections', async () => {
    const s = simulation({ exporter: true, tiers: FINE });
    s.advance(300);
    const seeded = await v2Share(s, 300);
    // Requests per second: over a thousand requests in the five minutes.
    expect(seeded.total * 300).toBeGreaterThan(1000);
    expect(seeded.share).toBeGreaterThan(0.1 - 0.04);
    expect(seeded.share).toBeLessThan(0.1 + 0.04);

    const samples = await samplesOf(s);
    const toCatalog = samples.filter(
      (x) => x.name === 'istio_requests_total' && x.labels.destination_app === 'catalog' && x.value > 0,
    );
    expect(toCatalog.length).toBeGreaterThan(0);
    // Only the waypoint reports catalog's requests: no sidecar on either side. The caller is
    // storefront, the destination the backend Service the route picked, and its workload.
    expect(new Set(toCatalog.map((x) => x.labels.reporter))).toEqual(new Set(['waypoint']));
    expect(new Set(toCatalog.map((x) => x.labels.source_workload))).toEqual(new Set(['storefront-v1']));
    expect(new Set(toCatalog.map((x) => x.labels.destination_service))).toEqual(
      new Set([host('catalog-v1'), host('catalog-v2')]),
    );
    const byWaypoint = (version: string) =>
      sum(samples, 'istio_requests_total', {
        reporter: 'waypoint',
        destination_app: 'catalog',
        destination_version: version,
      });
    expect(byWaypoint('v2') / (byWaypoint('v1') + byWaypoint('v2'))).toBeCloseTo(seeded.share, 1);
    // ztunnel on catalog's node counts a connection per request it carried there.
    const opened = sum(samples, TCP_METRICS.opened, {
      reporter: 'destination',
      source_workload: 'storefront-v1',
      destination_app: 'catalog',
      request_protocol: 'tcp',
    });
    expect(opened).toBeGreaterThanOrEqual(byWaypoint('v1') + byWaypoint('v2'));

    // The operator moves the split: the next five minutes follow it.
    s.rules.set({ httpRoutes: [catalogRoute(20, 80)] });
    s.advance(300);
    const moved = await v2Share(s, 300);
    expect(moved.share).toBeGreaterThan(0.8 - 0.06);
    expect(moved.share).toBeLessThan(0.8 + 0.06);
  });

  it('matches requests at the waypoint: jason’s (header end-user) to catalog-v2, the rest to catalog-v1', async () => {
    const s = simulation({ tiers: FINE });
    const route = catalogRoute(100, 0);
    s.rules.set({
      httpRoutes: [
        {
          ...route,
          spec: {
            parentRefs: [{ group: '', kind: 'Service', name: 'catalog', port: 8080 }],
            rules: [
              {
                matches: [{ headers: [{ name: 'end-user', value: 'jason' }] }],
                backendRefs: [{ name: 'catalog-v2', port: 8080 }],
              },
              { backendRefs: [{ name: 'catalog-v1', port: 8080 }] },
            ],
          },
        },
      ],
    });
    s.advance(300);
    // storefront's calls carry end-user: jason in 15% of them (requests.ts).
    const { share } = await v2Share(s, 300);
    expect(share).toBeGreaterThan(0.15 - 0.05);
    expect(share).toBeLessThan(0.15 + 0.05);
  });

  it('mirrors at the waypoint without reporting the copies as requests: ztunnel counts their connections', async () => {
    const s = simulation({ exporter: true });
    const route = catalogRoute(100, 0);
    s.rules.set({
      httpRoutes: [
        {
          ...route,
          spec: {
            parentRefs: [{ group: '', kind: 'Service', name: 'catalog', port: 8080 }],
            rules: [
              {
                backendRefs: [{ name: 'catalog-v1', port: 8080 }],
                filters: [
                  {
                    type: 'RequestMirror',
                    requestMirror: { backendRef: { name: 'catalog-v2', port: 8080 } },
                  },
                ],
              },
            ],
          },
        },
      ],
    });
    s.advance(120);
    const samples = await samplesOf(s);
    const v2 = { destination_app: 'catalog', destination_version: 'v2', source_workload: 'storefront-v1' };
    expect(sum(samples, 'istio_requests_total', v2)).toBe(0);
    const served = sum(samples, 'istio_requests_total', { ...v2, destination_version: 'v1' });
    expect(served).toBeGreaterThan(100);
    // Every request mirrored: about as many connections to v2 as requests served by v1.
    const mirrored = sum(samples, TCP_METRICS.opened, { ...v2, reporter: 'destination' });
    expect(mirrored / served).toBeGreaterThan(0.8);
    expect(mirrored / served).toBeLessThan(1.2);
  });

  it('sends payments (opted out of the waypoint) through ztunnel only: TCP metrics, no request metrics, and its VirtualService changes nothing', async () => {
    const s = simulation({ exporter: true, tiers: FINE });
    // A VirtualService that would abort every request at a sidecar or a waypoint.
    s.rules.set({
      virtualServices: [
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'payments', namespace: 'shop', creationTimestamp: new Date(0).toISOString() },
          spec: {
            hosts: ['payments'],
            http: [
              {
                fault: { abort: { percentage: { value: 100 }, httpStatus: 503 } },
                route: [{ destination: { host: 'payments' } }],
              },
            ],
          },
        },
      ],
    });
    s.advance(120);
    const samples = await samplesOf(s);
    const payments = { destination_service: host('payments') };
    expect(
      samples.filter(
        (x) =>
          x.name === 'istio_requests_total' && x.labels.destination_service === payments.destination_service,
      ),
    ).toEqual([]);
    const opened = sum(samples, TCP_METRICS.opened, {
      ...payments,
      reporter: 'destination',
      source_workload: 'storefront-v1',
    });
    expect(opened).toBeGreaterThan(50);
    expect(sum(samples, TCP_METRICS.closed, payments)).toBe(opened);
    expect(sum(samples, TCP_METRICS.sent, payments)).toBeGreaterThan(0);
    expect(sum(samples, TCP_METRICS.received, payments)).toBeGreaterThan(0);
    // The store: connections, no requests.
    const figures = await new EmbeddedTelemetry(s.store).serviceFigures(
      payments.destination_service,
      window(120),
    );
    expect(figures.total.requests).toBe(0);
    expect(figures.total.tcp.opened * 120).toBeCloseTo(opened, 0);
  });

  it('counts catalog’s MySQL connections (TCP) both ways, opened and closed', async () => {
    const s = simulation({ exporter: true });
    s.advance(120);
    const samples = await samplesOf(s);
    const db = {
      destination_service: host('inventory-db'),
      reporter: 'destination',
      request_protocol: 'tcp',
    };
    const opened = sum(samples, TCP_METRICS.opened, db);
    expect(opened).toBeGreaterThan(10);
    expect(sum(samples, TCP_METRICS.closed, db)).toBe(opened);
    expect(sum(samples, TCP_METRICS.sent, db)).toBeGreaterThan(0);
    expect(sum(samples, TCP_METRICS.received, db)).toBeGreaterThan(0);
    const callers = new Set(
      samples
        .filter(
          (x) =>
            x.name === TCP_METRICS.opened &&
            x.labels.destination_service === db.destination_service &&
            x.value > 0,
        )
        .map((x) => x.labels.source_workload),
    );
    expect(callers).toEqual(new Set(['catalog-v1', 'catalog-v2']));
    expect(
      samples.some(
        (x) => x.name === 'istio_requests_total' && x.labels.destination_service === db.destination_service,
      ),
    ).toBe(false);
  });

  it('has the ingress gateway use the waypoint for storefront only because its Service asks (istio.io/ingress-use-waypoint)', async () => {
    const storefront = { destination_app: 'storefront', source_workload: 'istio-ingressgateway' };
    const asked = simulation({ exporter: true });
    asked.advance(60);
    const viaWaypoint = await samplesOf(asked);
    expect(sum(viaWaypoint, 'istio_requests_total', { ...storefront, reporter: 'waypoint' })).toBeGreaterThan(
      50,
    );
    expect(sum(viaWaypoint, 'istio_requests_total', { ...storefront, reporter: 'source' })).toBe(0);

    const unlabelled = simulation({ exporter: true });
    const services = demoRuleSnapshot().services?.map((svc) =>
      svc.metadata.name === 'storefront' && svc.metadata.namespace === 'shop'
        ? { ...svc, metadata: { ...svc.metadata, labels: { app: 'storefront' } } }
        : svc,
    );
    unlabelled.rules.set({ services: services ?? [] });
    unlabelled.advance(60);
    const direct = await samplesOf(unlabelled);
    // The gateway's own report is all there is of the requests (storefront has no sidecar)…
    expect(sum(direct, 'istio_requests_total', { ...storefront, reporter: 'waypoint' })).toBe(0);
    expect(sum(direct, 'istio_requests_total', { ...storefront, reporter: 'destination' })).toBe(0);
    const reported = sum(direct, 'istio_requests_total', { ...storefront, reporter: 'source' });
    expect(reported).toBeGreaterThan(50);
    // …and ztunnel on storefront's node counts the connections.
    expect(sum(direct, TCP_METRICS.opened, { ...storefront, reporter: 'destination' })).toBe(reported);
    // The console counts requests where they arrive (a destination sidecar or a waypoint), as its
    // PromQL does: here none, so the store has storefront's L4 traffic only, as Prometheus would.
    const telemetry = new EmbeddedTelemetry(unlabelled.store);
    const split = await telemetry.split(host('storefront'), window(60));
    expect(split.reduce((n, v) => n + v.requests, 0)).toBe(0);
    expect(split.reduce((n, v) => n + v.connections, 0)).toBeGreaterThan(0);
  });

  it('without the waypoint Gateway, catalog gets ztunnel only: the HTTPRoute no longer applies', async () => {
    const s = simulation({ exporter: true, tiers: FINE });
    s.rules.set({ gateways: [] });
    s.advance(300);
    const samples = await samplesOf(s);
    expect(sum(samples, 'istio_requests_total', { destination_app: 'catalog', reporter: 'waypoint' })).toBe(
      0,
    );
    const byVersion = (version: string) =>
      sum(samples, TCP_METRICS.opened, {
        destination_app: 'catalog',
        destination_version: version,
        source_workload: 'storefront-v1',
      });
    // One ready pod per version, and no rule: about half each.
    const share = byVersion('v2') / (byVersion('v1') + byVersion('v2'));
    expect(share).toBeGreaterThan(0.5 - 0.07);
    expect(share).toBeLessThan(0.5 + 0.07);
  });
});

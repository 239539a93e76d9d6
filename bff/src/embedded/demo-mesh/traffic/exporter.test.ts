import { describe, expect, it } from 'vitest';
import { EmbeddedTelemetry } from './telemetry-source';
import { IstioExporter, TCP_METRICS } from './exporter';
import {
  ISTIO_BUCKETS,
  ISTIO_LABELS,
  ISTIO_METRICS,
  isErrorCode,
} from '../../../features/monitoring/istio-metrics';
import type { IstioLabels } from '../../../features/monitoring/istio-metrics';
import { DEMO_APPS } from '../mesh';
import { parseExposition, simulation } from './testing';
import type { ExportedSample } from './testing';

const HISTOGRAMS = [ISTIO_METRICS.duration, ISTIO_METRICS.requestBytes, ISTIO_METRICS.responseBytes];

const seriesKey = (labels: Record<string, string>) => ISTIO_LABELS.map((l) => labels[l] ?? '').join('\u0000');

describe("the demo mesh's Istio metrics", async () => {
  const s = simulation({ exporter: true });
  s.advance(90);
  const { contentType, body } = (await s.exporter?.metrics()) ?? { contentType: '', body: '' };
  const samples = parseExposition(body);
  const requests = samples.filter((x) => x.name === ISTIO_METRICS.requests);

  it('are Prometheus text with the four standard metrics and their types', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain(`# TYPE ${ISTIO_METRICS.requests} counter`);
    for (const h of HISTOGRAMS) expect(body).toContain(`# TYPE ${h} histogram`);
    expect(requests.length).toBeGreaterThan(50);
  });

  it("carry Istio's standard labels on every series, reported by the destination (ambient: by the waypoint)", () => {
    for (const x of requests) {
      for (const label of ISTIO_LABELS) {
        if (label === 'pod' && x.labels.response_flags === 'UH') continue;
        expect(x.labels[label], `${label} of ${JSON.stringify(x.labels)}`).toBeTruthy();
      }
      // The ambient corner has no sidecars: the waypoint reports what reaches catalog and storefront
      // (whose Service asks the ingress gateway to use the waypoint).
      const expected = ['catalog', 'storefront'].includes(x.labels.destination_app ?? '')
        ? 'waypoint'
        : 'destination';
      expect(x.labels.reporter, JSON.stringify(x.labels)).toBe(expected);
    }
  });

  it("have Istio's (Envoy's) bucket bounds, cumulative counts, and +Inf = _count = the request counter", () => {
    const counter = new Map(requests.map((x) => [seriesKey(x.labels), x.value]));
    for (const h of HISTOGRAMS) {
      const buckets = new Map<string, ExportedSample[]>();
      for (const x of samples.filter((y) => y.name === `${h}_bucket`)) {
        const key = seriesKey(x.labels);
        buckets.set(key, [...(buckets.get(key) ?? []), x]);
      }
      const counts = new Map(
        samples.filter((y) => y.name === `${h}_count`).map((y) => [seriesKey(y.labels), y.value]),
      );
      expect(buckets.size).toBe(counter.size);
      for (const [key, list] of buckets) {
        expect(list.map((x) => x.labels.le)).toEqual([...ISTIO_BUCKETS.map(String), '+Inf']);
        const values = list.map((x) => x.value);
        values.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(values[i - 1] ?? 0));
        expect(values[values.length - 1]).toBe(counts.get(key));
        expect(counts.get(key)).toBe(counter.get(key));
      }
    }
  });

  it('add up to what the embedded series hold: a Prometheus scraping them sees the same traffic', async () => {
    const source = new EmbeddedTelemetry(s.store);
    const q = { rangeSeconds: 300, stepSeconds: 5, rateSeconds: 20 };
    // The store counts a per-version Service's requests (catalog-v1) as its application's (catalog).
    const perVersion = new Map(
      DEMO_APPS.filter((a) => a.versionServices).flatMap((a) =>
        a.versions.map((v) => [
          `${a.app}-${v.version}.${a.namespace}.svc.cluster.local`,
          `${a.app}.${a.namespace}.svc.cluster.local`,
        ]),
      ),
    );
    const counted = (service: string) => perVersion.get(service) ?? service;
    const sumBy = (name: string, service: string, errorsOnly = false) =>
      samples
        .filter(
          (x) =>
            x.name === name &&
            counted(x.labels.destination_service ?? '') === service &&
            (!errorsOnly || isErrorCode(x.labels.response_code ?? '')),
        )
        .reduce((sum, x) => sum + x.value, 0);
    const services = [...new Set(requests.map((x) => counted(x.labels.destination_service as string)))];
    expect(services.length).toBeGreaterThan(15);
    // Rates over the window are over the part of it the data cover (less than 5 minutes here).
    const seconds = await source.coveredSeconds(q);
    expect(seconds).toBeGreaterThan(0);
    for (const service of services) {
      const { total } = await source.serviceFigures(service, q);
      const count = sumBy(ISTIO_METRICS.requests, service);
      expect(total.requests * seconds).toBeCloseTo(count, 3);
      expect(total.errors * seconds).toBeCloseTo(sumBy(ISTIO_METRICS.requests, service, true), 3);
      const durationSum = sumBy(`${ISTIO_METRICS.duration}_sum`, service);
      // The store keeps Float32 sums: equal to about 6 significant digits.
      expect(Math.abs((total.avgMs ?? 0) * count - durationSum) / durationSum).toBeLessThan(1e-5);
      const inBytes = sumBy(`${ISTIO_METRICS.requestBytes}_sum`, service);
      expect(Math.abs(total.inBytes * seconds - inBytes) / inBytes).toBeLessThan(1e-5);
    }
  });
});

describe('a series that appears between scrapes', () => {
  it('is scraped once at zero before it counts, as a sidecar’s counters exist before traffic', async () => {
    // A rate limit starts refusing at cart after the first scrape: new series (429 with "RL").
    const cart = 'cart.shop.svc.cluster.local';
    let refusing = false;
    const s = simulation({
      exporter: true,
      admission: { admit: (flow, count) => (refusing && flow.serviceId === cart ? 0 : count) },
    });
    const exporter = s.exporter as NonNullable<typeof s.exporter>;
    s.advance(5);
    await exporter.metrics();
    refusing = true;
    s.advance(3);
    const refused = (body: string) =>
      parseExposition(body)
        .filter((x) => x.name === ISTIO_METRICS.requests && x.labels.response_flags === 'RL')
        .reduce((sum, x) => sum + x.value, 0);
    const first = await exporter.metrics();
    expect(first.body).toContain('response_flags="RL"');
    expect(refused(first.body)).toBe(0);
    expect(refused((await exporter.metrics()).body)).toBeGreaterThan(0);
  });
});

describe('L4 and waypoint series', () => {
  const labels = (reporter: string): IstioLabels => ({
    ...(Object.fromEntries(ISTIO_LABELS.map((l) => [l, 'unknown'])) as IstioLabels),
    reporter,
    destination_service: 'db.data.svc.cluster.local',
    request_protocol: reporter === 'waypoint' ? 'http' : 'tcp',
    response_code: '200',
  });

  it('counts connections opened and closed apart, and bytes each way, without a response code', async () => {
    const exporter = new IstioExporter();
    exporter.addTcp(labels('destination'), 5, 9000, 700, 3);
    const tcp = parseExposition((await exporter.metrics()).body).filter((x) =>
      x.name.startsWith('istio_tcp_'),
    );
    const value = (name: string) => tcp.find((x) => x.name === name)?.value;
    expect(value(TCP_METRICS.opened)).toBe(5);
    expect(value(TCP_METRICS.closed)).toBe(3);
    expect(value(TCP_METRICS.sent)).toBe(9000);
    expect(value(TCP_METRICS.received)).toBe(700);
    for (const x of tcp) {
      expect(x.labels.reporter).toBe('destination');
      expect(x.labels.response_code).toBeUndefined();
    }
  });

  it('closes as many connections as it opened when no closed count is given', async () => {
    const exporter = new IstioExporter();
    exporter.addTcp(labels('destination'), 4, 10, 10);
    const body = (await exporter.metrics()).body;
    const closed = parseExposition(body).find((x) => x.name === TCP_METRICS.closed);
    expect(closed?.value).toBe(4);
  });

  it('exports requests a waypoint reports with reporter="waypoint"', async () => {
    const exporter = new IstioExporter();
    const zeros = new Float64Array(ISTIO_BUCKETS.length + 1);
    exporter.add({
      labels: labels('waypoint'),
      count: 7,
      durationBuckets: zeros,
      durationSum: 0,
      requestBytesBuckets: zeros,
      requestBytesSum: 0,
      responseBytesBuckets: zeros,
      responseBytesSum: 0,
    });
    const requests = parseExposition((await exporter.metrics()).body).filter(
      (x) => x.name === ISTIO_METRICS.requests,
    );
    expect(requests.map((x) => [x.labels.reporter, x.value])).toEqual([['waypoint', 7]]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../lib/logger';
import type { RawObject } from './istio/types';
import { EmbeddedTelemetry } from './telemetry-source';
import { ERROR_RATE_ANNOTATION, LATENCY_ANNOTATION } from './misbehaviour';
import type { RuleSnapshot } from './rules';
import { parseExposition, simulation } from './testing';
import type { ExportedSample } from './testing';

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
/** One-second slots, so a test can look at exactly the ticks since a change. */
const FINE = [{ slotMs: 1000, slots: 3600 }];
type Sim = ReturnType<typeof simulation>;
const sim = (log?: Logger) => simulation({ exporter: true, tiers: FINE, ...(log ? { log } : {}) });

/** The embedded series (the console without a Prometheus): reviews v3's error share and mean latency. */
async function embeddedV3(s: Sim, seconds: number) {
  const rows = await new EmbeddedTelemetry(s.store).instances(REVIEWS, {
    rangeSeconds: seconds,
    stepSeconds: 1,
    rateSeconds: seconds,
  });
  const v3 = rows.filter((r) => r.version === 'v3');
  const requests = v3.reduce((n, r) => n + r.requests, 0);
  const errors = v3.reduce((n, r) => n + r.errors, 0);
  const avgMs = v3.reduce((n, r) => n + (r.avgMs ?? 0) * r.requests, 0) / requests;
  return { requests, errorShare: errors / requests, avgMs };
}

/** Sets (a string) or removes (null) annotations of one object of the simulator's rules, as an apply would. */
function annotate(
  s: Sim,
  field: 'deployments' | 'pods',
  match: (o: RawObject) => boolean,
  annotations: Record<string, string | null>,
) {
  const list = s.rules.snapshot()[field] ?? [];
  expect(list.filter(match)).toHaveLength(1);
  const next = list.map((o) => {
    if (!match(o)) return o;
    const meta = o.metadata as RawObject['metadata'] & { annotations?: Record<string, string> };
    const merged = new Map(Object.entries(meta.annotations ?? {}));
    for (const [k, v] of Object.entries(annotations)) {
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    return { ...o, metadata: { ...meta, annotations: Object.fromEntries(merged) } } as RawObject;
  });
  s.rules.set({ [field]: next } as Partial<RuleSnapshot>);
}

const named = (namespace: string, name: string) => (o: RawObject) =>
  o.metadata.namespace === namespace && o.metadata.name === name;
const reviewsV3Pod = (o: RawObject) =>
  o.metadata.namespace === 'bookinfo' &&
  o.metadata.labels?.app === 'reviews' &&
  o.metadata.labels.version === 'v3';

async function scrape(s: Sim): Promise<ExportedSample[]> {
  return parseExposition((await s.exporter?.metrics())?.body ?? '');
}

interface VersionTotals {
  requests: number;
  errors: number;
  durationSum: number;
  durationCount: number;
  buckets: Map<number, number>;
}

/** reviews' requests per version as one reporter counted them, from a scrape. */
function totals(samples: readonly ExportedSample[], reporter: 'source' | 'destination') {
  const out = new Map<string, VersionTotals>();
  const of = (v: string) => {
    let t = out.get(v);
    if (!t)
      out.set(v, (t = { requests: 0, errors: 0, durationSum: 0, durationCount: 0, buckets: new Map() }));
    return t;
  };
  for (const x of samples) {
    if (x.labels.destination_service !== REVIEWS || x.labels.reporter !== reporter) continue;
    const t = of(x.labels.destination_version as string);
    if (x.name === 'istio_requests_total') {
      t.requests += x.value;
      if ((x.labels.response_code ?? '').startsWith('5')) {
        t.errors += x.value;
        // An application's own 500: no response flag (Envoy got an answer from upstream).
        expect(x.labels.response_code).toBe('500');
        expect(x.labels.response_flags).toBe('-');
      }
    } else if (x.name === 'istio_request_duration_milliseconds_sum') t.durationSum += x.value;
    else if (x.name === 'istio_request_duration_milliseconds_count') t.durationCount += x.value;
    else if (x.name === 'istio_request_duration_milliseconds_bucket') {
      const le = x.labels.le === '+Inf' ? Infinity : Number(x.labels.le);
      t.buckets.set(le, (t.buckets.get(le) ?? 0) + x.value);
    }
  }
  return out;
}

/** What happened between two scrapes, per version: the counters' increase. */
function delta(before: Map<string, VersionTotals>, after: Map<string, VersionTotals>) {
  const out = new Map<string, VersionTotals>();
  for (const [v, a] of after) {
    const b = before.get(v);
    const buckets = new Map<number, number>();
    for (const [le, n] of a.buckets) buckets.set(le, n - (b?.buckets.get(le) ?? 0));
    out.set(v, {
      requests: a.requests - (b?.requests ?? 0),
      errors: a.errors - (b?.errors ?? 0),
      durationSum: a.durationSum - (b?.durationSum ?? 0),
      durationCount: a.durationCount - (b?.durationCount ?? 0),
      buckets,
    });
  }
  return out;
}

/** Prometheus' histogram_quantile over cumulative buckets: linear within the bucket the rank falls in. */
function quantile(q: number, buckets: Map<number, number>): number {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted[sorted.length - 1]?.[1] ?? 0;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1e-9, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

/**
 * Runs `seconds` ticks and returns what each version of reviews served meanwhile: as the sidecars
 * reported it (reporter="destination", the one that reports served requests here, see the README),
 * and reviews v3 in the embedded series.
 */
async function window(s: Sim, seconds: number) {
  const before = await scrape(s);
  s.advance(seconds);
  const after = await scrape(s);
  return {
    destination: delta(totals(before, 'destination'), totals(after, 'destination')),
    embedded: await embeddedV3(s, seconds),
  };
}

const share = (t: VersionTotals | undefined) => (t && t.requests > 0 ? t.errors / t.requests : NaN);
const meanMs = (t: VersionTotals | undefined) => (t ? t.durationSum / t.durationCount : NaN);

describe('a version misbehaves on cue (demo.mesh-console.io annotations)', () => {
  it("fails 30% of reviews v3's requests with the application's 500 while its Deployment says error-rate 0.3, then recovers", async () => {
    const s = sim();
    s.advance(30);
    const baseline = await window(s, 300);
    expect(baseline.destination.get('v3')?.requests).toBeGreaterThan(500);
    expect(share(baseline.destination.get('v3'))).toBe(0);

    annotate(s, 'deployments', named('bookinfo', 'reviews-v3'), { [ERROR_RATE_ANNOTATION]: '0.3' });
    s.advance(2); // the watch event, then a tick
    const bad = await window(s, 600);
    const v3 = bad.destination.get('v3');
    expect(v3?.requests).toBeGreaterThan(1000);
    expect(share(v3)).toBeGreaterThanOrEqual(0.25);
    expect(share(v3)).toBeLessThanOrEqual(0.35);
    // The console's embedded series count the same requests and errors.
    expect(bad.embedded.errorShare).toBeCloseTo(share(v3), 6);
    // The other versions stay as they were: healthy.
    for (const v of ['v1', 'v2']) {
      expect(bad.destination.get(v)?.requests).toBeGreaterThan(1000);
      expect(share(bad.destination.get(v))).toBe(share(baseline.destination.get(v)));
    }

    annotate(s, 'deployments', named('bookinfo', 'reviews-v3'), { [ERROR_RATE_ANNOTATION]: null });
    s.advance(2);
    const healed = await window(s, 300);
    expect(healed.destination.get('v3')?.requests).toBeGreaterThan(500);
    expect(share(healed.destination.get('v3'))).toBe(0);
  });

  it('adds latency-ms to every request reviews v3 serves, so its p99 moves by at least that much', async () => {
    const s = sim();
    s.advance(30);
    const base = await window(s, 300);
    const baseline = base.destination.get('v3');
    annotate(s, 'deployments', named('bookinfo', 'reviews-v3'), { [LATENCY_ANNOTATION]: '200' });
    s.advance(2);
    const slow = await window(s, 300);
    const v3 = slow.destination.get('v3');
    expect(v3?.durationCount).toBeGreaterThan(500);
    // Every request takes 200 ms more: the mean by about 200, none answered within 200 ms.
    expect(meanMs(v3) - meanMs(baseline)).toBeGreaterThan(180);
    expect(meanMs(v3) - meanMs(baseline)).toBeLessThan(220);
    const atMost = (t: VersionTotals | undefined, ms: number) => t?.buckets.get(ms) ?? NaN;
    expect(atMost(v3, 100)).toBe(0);
    expect(atMost(baseline, 100)).toBeGreaterThan(0);
    expect(
      quantile(0.99, v3?.buckets ?? new Map()) - quantile(0.99, baseline?.buckets ?? new Map()),
    ).toBeGreaterThanOrEqual(200);
    // The embedded series see it too; the other versions do not move.
    expect(slow.embedded.avgMs).toBeCloseTo(meanMs(v3), 3);
    expect(meanMs(slow.destination.get('v1'))).toBeCloseTo(meanMs(base.destination.get('v1')), -1);

    annotate(s, 'deployments', named('bookinfo', 'reviews-v3'), { [LATENCY_ANNOTATION]: null });
    s.advance(2);
    const healed = (await window(s, 300)).destination.get('v3');
    expect(Math.abs(meanMs(healed) - meanMs(baseline))).toBeLessThan(0.3 * meanMs(baseline));
    expect(atMost(healed, 100)).toBeGreaterThan(0);
  });

  it('lets a Pod’s own annotation override its Deployment’s, found through its ReplicaSet', async () => {
    const s = sim();
    annotate(s, 'deployments', named('bookinfo', 'reviews-v3'), { [ERROR_RATE_ANNOTATION]: '0.5' });
    annotate(s, 'pods', reviewsV3Pod, { [ERROR_RATE_ANNOTATION]: '0' });
    s.advance(2);
    const w = await window(s, 300);
    expect(w.destination.get('v3')?.requests).toBeGreaterThan(500);
    expect(share(w.destination.get('v3'))).toBe(0);

    // Without the Pod's, the Deployment's applies.
    annotate(s, 'pods', reviewsV3Pod, { [ERROR_RATE_ANNOTATION]: null });
    s.advance(2);
    expect(share((await window(s, 300)).destination.get('v3'))).toBeGreaterThan(0.4);
  });

  it('reads the pod template’s annotations too, and ignores a Deployment no ReplicaSet links to the Pod', async () => {
    const s = sim();
    const deployments = (s.rules.snapshot().deployments ?? []).map((d) =>
      named('bookinfo', 'reviews-v2')(d)
        ? ({
            ...d,
            spec: {
              ...(d.spec as object),
              template: {
                ...((d.spec as { template: object }).template ?? {}),
                metadata: {
                  ...(d.spec as { template: { metadata: object } }).template.metadata,
                  annotations: { [ERROR_RATE_ANNOTATION]: '1' },
                },
              },
            },
          } as RawObject)
        : d,
    );
    // A stray Deployment whose selector matches reviews v1's Pods but which made none of them.
    const v1 = deployments.find(named('bookinfo', 'reviews-v1')) as RawObject;
    deployments.push({
      ...v1,
      metadata: { ...v1.metadata, name: 'reviews-v1-stray', annotations: { [ERROR_RATE_ANNOTATION]: '1' } },
    } as RawObject);
    s.rules.set({ deployments });
    s.advance(2);
    const w = await window(s, 120);
    expect(share(w.destination.get('v2'))).toBe(1);
    expect(share(w.destination.get('v1'))).toBe(0);
  });

  it('ignores an invalid value, warning once per object, and keeps simulating', async () => {
    const warnings: unknown[][] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args), error: () => {} } as unknown as Logger;
    const s = sim(log);
    annotate(s, 'deployments', named('bookinfo', 'reviews-v3'), {
      [ERROR_RATE_ANNOTATION]: '1.5',
      [LATENCY_ANNOTATION]: '200',
    });
    annotate(s, 'deployments', named('bookinfo', 'reviews-v1'), { [LATENCY_ANNOTATION]: 'slow' });
    s.advance(2);
    // Another change rebuilds the picture: no second warning for the same values.
    annotate(s, 'deployments', named('bookinfo', 'reviews-v2'), { unrelated: 'x' });
    s.advance(2);
    const w = await window(s, 300);
    expect(w.destination.get('v3')?.requests).toBeGreaterThan(500);
    expect(share(w.destination.get('v3'))).toBe(0);
    // The valid annotation beside it still applies.
    expect(meanMs(w.destination.get('v3')) - meanMs(w.destination.get('v2'))).toBeGreaterThan(150);
    expect(meanMs(w.destination.get('v1'))).toBeLessThan(meanMs(w.destination.get('v3')) - 150);
    expect(warnings).toHaveLength(2);
    expect(JSON.stringify(warnings)).toContain('reviews-v3');
    expect(JSON.stringify(warnings)).toContain('reviews-v1');
  });
});

import { describe, expect, it } from 'vitest';
import { MONITORING_WINDOWS } from '../../../contract/monitoring';
import { resolveWindow } from '../../../features/monitoring/window';
import { BUCKET_COUNT, CONSUMER_FIELDS, GROUP_FIELDS, INSTANCE_FIELDS, TrafficStore } from './store';
import type { TickRecord } from './store';

const T = 1_700_000_000_000 - (1_700_000_000_000 % 60_000); // a minute boundary

function record(store: TrafficStore, tMs: number, requests: number, version = 'v1', serviceId = 's') {
  const r: TickRecord = {
    group: store.groupCell({ serviceId, app: 'a', namespace: 'n', version }),
    consumer: store.consumerCell({ serviceId, workload: 'w', app: 'c', namespace: 'n', version: 'v1' }),
    instance: store.instanceCell({ serviceId, instance: 'i', version }),
    requests,
    errors: 0,
    durationSum: requests * 10,
    inBytes: 0,
    outBytes: 0,
    buckets: Array.from({ length: BUCKET_COUNT }, (_, b) => (b === 3 ? requests : 0)),
  };
  store.record(tMs, [r]);
}

function requestsIn(store: TrafficStore, tier: number, from: number, to: number, cells = [0]) {
  const out = new Float64Array(GROUP_FIELDS.width);
  store.accumulate(
    'group',
    tier,
    from,
    to,
    cells,
    cells.map(() => 0),
    out,
  );
  return out[GROUP_FIELDS.requests];
}

describe('TrafficStore', () => {
  it('sums the ticks of an interval; a tick at t belongs to ranges ending at or after t', () => {
    const store = new TrafficStore();
    for (let s = 1; s <= 20; s++) record(store, T + s * 1000, s);
    // (T, T+10s] holds the ticks 1..10
    expect(requestsIn(store, 0, T, T + 10_000)).toBe((10 * 11) / 2);
    // (T+10s, T+20s] holds 11..20
    expect(requestsIn(store, 0, T + 10_000, T + 20_000)).toBe((20 * 21) / 2 - (10 * 11) / 2);
    // The minute tier holds all of them in one slot.
    expect(requestsIn(store, 1, T, T + 60_000)).toBe((20 * 21) / 2);
  });

  it('counts the oldest slot by the part of it inside the interval', () => {
    const store = new TrafficStore();
    record(store, T + 5000, 100); // the slot (T, T+5s]
    record(store, T + 10_000, 100); // the slot (T+5s, T+10s]
    // (T+2.5s, T+10s] covers half of the first slot
    expect(requestsIn(store, 0, T + 2500, T + 10_000)).toBeCloseTo(150, 6);
  });

  it('forgets what falls out of the ring and never mixes it into a reused slot', () => {
    const store = new TrafficStore([{ slotMs: 1000, slots: 10 }]);
    record(store, T + 1000, 7);
    record(store, T + 11_000, 3); // same ring position, ten slots later
    expect(requestsIn(store, 0, T, T + 1000)).toBe(0);
    expect(requestsIn(store, 0, T + 10_000, T + 11_000)).toBe(3);
  });

  it('keeps earlier data when new cells appear after slots were allocated', () => {
    const store = new TrafficStore();
    record(store, T + 1000, 5, 'v1');
    for (let i = 0; i < 300; i++) record(store, T + 2000, 1, `v${i + 2}`, `svc-${i}`);
    expect(store.groups.size).toBe(301);
    expect(requestsIn(store, 0, T, T + 5000, [0])).toBe(5);
    expect(requestsIn(store, 0, T, T + 5000, [300])).toBe(1);
    expect(store.cellsOf('group', 'svc-299')).toEqual([300]);
  });

  it('answers each window from a tier that divides its step and rate interval and holds the window', () => {
    const store = new TrafficStore();
    for (const w of MONITORING_WINDOWS) {
      const q = resolveWindow(w, store.slotMs(0) / 1000);
      const tier = store.tierFor(q.rangeSeconds, q.stepSeconds, q.rateSeconds);
      const t = store.tiers[tier];
      expect((q.stepSeconds * 1000) % (t?.slotMs ?? 1)).toBe(0);
      expect((q.rateSeconds * 1000) % (t?.slotMs ?? 1)).toBe(0);
      expect((t?.slots ?? 0) * (t?.slotMs ?? 0)).toBeGreaterThanOrEqual(
        (q.rangeSeconds + q.rateSeconds) * 1000,
      );
      // The finest such tier: a finer one would not hold the window.
      if (tier > 0) {
        const finer = store.tiers[tier - 1];
        expect((finer?.slots ?? 0) * (finer?.slotMs ?? 0)).toBeLessThan(
          (q.rangeSeconds + q.rateSeconds) * 1000,
        );
      }
    }
  });

  it('keeps L4 (TCP) figures per version, consumer and instance, apart from the requests', () => {
    const store = new TrafficStore();
    const cells = (serviceId: string, workload: string, instance: string) => ({
      group: store.groupCell({ serviceId, app: 'db', namespace: 'n', version: 'v1' }),
      consumer: store.consumerCell({ serviceId, workload, app: workload, namespace: 'n', version: 'v1' }),
      instance: store.instanceCell({ serviceId, instance, version: 'v1' }),
    });
    const tcp = (opened: number, closed: number, sent: number, received: number) => ({
      requests: 0,
      errors: 0,
      durationSum: 0,
      inBytes: 0,
      outBytes: 0,
      buckets: new Float64Array(BUCKET_COUNT),
      tcpOpened: opened,
      tcpClosed: closed,
      tcpSentBytes: sent,
      tcpReceivedBytes: received,
    });
    store.record(T + 1000, [
      { ...cells('db', 'api', 'db-0'), ...tcp(2, 1, 5000, 300) },
      { ...cells('db', 'worker', 'db-0'), ...tcp(3, 3, 1000, 100) },
    ]);
    store.record(T + 2000, [{ ...cells('db', 'api', 'db-1'), ...tcp(1, 2, 4000, 200) }]);
    const sum = (kind: 'group' | 'consumer' | 'instance', width: number, cellIds: number[]) => {
      const out = new Float64Array(width * cellIds.length);
      store.accumulate(
        kind,
        0,
        T,
        T + 5000,
        cellIds,
        cellIds.map((_, k) => k),
        out,
      );
      return out;
    };
    const g = sum('group', GROUP_FIELDS.width, [0]);
    expect([g[GROUP_FIELDS.tcpOpened], g[GROUP_FIELDS.tcpClosed]]).toEqual([6, 6]);
    expect([g[GROUP_FIELDS.tcpSentBytes], g[GROUP_FIELDS.tcpReceivedBytes]]).toEqual([10_000, 600]);
    expect(g[GROUP_FIELDS.requests]).toBe(0);
    // Per consumer: api opened 3 connections and was sent 9000 bytes, worker 3 and 1000.
    const c = sum('consumer', CONSUMER_FIELDS.width, [...store.cellsOf('consumer', 'db')]);
    expect(c[CONSUMER_FIELDS.tcpOpened]).toBe(3);
    expect(c[CONSUMER_FIELDS.tcpSentBytes]).toBe(9000);
    expect(c[CONSUMER_FIELDS.width + CONSUMER_FIELDS.tcpOpened]).toBe(3);
    expect(c[CONSUMER_FIELDS.width + CONSUMER_FIELDS.tcpReceivedBytes]).toBe(100);
    // Per instance: db-0 served two consumers' connections, db-1 one.
    const i = sum('instance', INSTANCE_FIELDS.width, [...store.cellsOf('instance', 'db')]);
    expect(i[INSTANCE_FIELDS.tcpOpened]).toBe(5);
    expect(i[INSTANCE_FIELDS.tcpClosed]).toBe(4);
    expect(i[INSTANCE_FIELDS.width + INSTANCE_FIELDS.tcpSentBytes]).toBe(4000);
  });
});

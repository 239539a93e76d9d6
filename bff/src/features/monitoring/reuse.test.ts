import { describe, expect, it, vi } from 'vitest';
import type { ServiceDetail } from '../../contract/catalog';
import { ApplicationListQuery } from '../../contract/monitoring';
import { TrafficStore } from '../../embedded/demo-mesh/traffic/store';
import { EmbeddedTelemetry } from '../../embedded/demo-mesh/traffic/telemetry-source';
import { onlyNamespaces } from '../auth/scope';
import type { NamespaceScope } from '../auth/scope';
import { indexCatalog } from '../catalog/query';
import type { CatalogView } from '../catalog/query';
import { TopologyService } from '../topology/topology';
import { isEncoded } from '../../lib/shared-encoding';
import { MonitoringService } from './monitoring';
import { Reused, Unchanged, buildsSettled, reuseMsFor, scrapeAligned } from './reuse';
import { EMPTY_FIGURES, UnavailableTelemetry } from './telemetry';
import type { TelemetrySource } from './telemetry';

function service(name: string, namespace: string): ServiceDetail {
  const id = `${name}.${namespace}.svc.cluster.local`;
  return {
    id,
    name,
    application: name,
    namespace,
    protocol: 'http',
    host: id,
    platforms: ['kubernetes'],
    versions: ['v1'],
    instances: { total: 1, ready: 1 },
    ports: [],
    versionDetails: [{ version: 'v1', instances: 1, ready: 1, platforms: ['kubernetes'] }],
    providers: [],
    sources: [],
  };
}

const SHOP = service('api', 'shop');
const DATA = service('mysql', 'data');

/** The demo's telemetry (no traffic), counting each question and holding answers at a gate when asked. */
function countingTelemetry() {
  const calls = new Map<string, number>();
  let gate: Promise<void> | null = null;
  const inner = new EmbeddedTelemetry(new TrafficStore());
  const telemetry = new Proxy(inner, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        if (gate) await gate;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as TelemetrySource;
  return {
    telemetry,
    count: (question: string) => calls.get(question) ?? 0,
    hold() {
      let open = () => {};
      gate = new Promise<void>((resolve) => (open = resolve));
      return () => {
        gate = null;
        open();
      };
    },
  };
}

function setup() {
  let now = Date.UTC(2024, 0, 1, 12);
  let view: CatalogView = indexCatalog([SHOP, DATA]);
  const t = countingTelemetry();
  const deps = {
    catalog: { view: () => view, get: (id: string) => view.byId.get(id) },
    telemetry: t.telemetry,
    clock: () => now,
    maxReuseMs: 5000,
  };
  return {
    ...t,
    monitoring: new MonitoringService(deps),
    topology: new TopologyService(deps),
    advance: (ms: number) => (now += ms),
    setCatalog: (services: ServiceDetail[]) => (view = indexCatalog(services)),
  };
}

/** The applications table of a scope, by namespace. */
async function byNamespace(s: ReturnType<typeof setup>, scope?: NamespaceScope) {
  return (await s.monitoring.applications(ApplicationListQuery.parse({ sort: 'namespace' }), scope)).items;
}

describe('answers shared between callers asking the same question', () => {
  it('the reuse lasts what the telemetry cannot change in: its scrape interval (asked on its grid), or the demo tick at most the cap', () => {
    expect(reuseMsFor({ kind: 'prometheus', scrapeIntervalSeconds: 15 }, 5000)).toBe(15_000);
    expect(reuseMsFor({ kind: 'prometheus', scrapeIntervalSeconds: 1 }, 5000)).toBe(1000);
    expect(reuseMsFor({ kind: 'prometheus', scrapeIntervalSeconds: 15 }, 0)).toBe(0);
    expect(reuseMsFor({ kind: 'embedded', scrapeIntervalSeconds: 5 }, 5000)).toBe(1000);
    expect(reuseMsFor({ kind: 'embedded', scrapeIntervalSeconds: 5 }, 0)).toBe(0);
  });

  it('two concurrent overviews make one round of queries; the second caller gets the same answer', async () => {
    const s = setup();
    const release = s.hold();
    const first = s.monitoring.overview('5m');
    const second = s.monitoring.overview('5m');
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(s.count('applications')).toBe(1);
    expect(b).toBe(a);
    expect((await byNamespace(s)).map((r) => r.application)).toEqual(['mysql', 'api']);
    // The page is built from the same figures: no other round of queries.
    expect(s.count('applications')).toBe(1);
  });

  it('reuses an answer within the telemetry resolution, asks again after it', async () => {
    const s = setup();
    await s.monitoring.overview('5m');
    s.advance(999);
    await s.monitoring.overview('5m');
    expect(s.count('applications')).toBe(1);
    s.advance(1);
    await s.monitoring.overview('5m');
    expect(s.count('applications')).toBe(2);
    // Another window is another question.
    await s.monitoring.overview('1h');
    expect(s.count('applications')).toBe(3);
  });

  it('never gives a scope the answer of another: each scope is its own question', async () => {
    const s = setup();
    const all = await s.monitoring.overview('5m');
    const data = await s.monitoring.overview('5m', onlyNamespaces(['data']));
    const shop = await s.monitoring.overview('5m', onlyNamespaces(['shop']));
    expect(s.count('applications')).toBe(3);
    expect(all.applicationCount).toBe(2);
    expect(data.applicationCount).toBe(1);
    expect(shop.applicationCount).toBe(1);
    expect((await byNamespace(s)).map((r) => r.namespace)).toEqual(['data', 'shop']);
    expect((await byNamespace(s, onlyNamespaces(['data']))).map((r) => r.namespace)).toEqual(['data']);
    expect((await byNamespace(s, onlyNamespaces(['shop']))).map((r) => r.namespace)).toEqual(['shop']);
    // Reused within each scope.
    expect(await s.monitoring.overview('5m', onlyNamespaces(['data']))).toBe(data);
    expect(s.count('applications')).toBe(3);
  });

  it('shows a catalog change at once, over the reused figures', async () => {
    const s = setup();
    await s.monitoring.overview('5m');
    s.setCatalog([SHOP]);
    const after = await s.monitoring.overview('5m');
    expect(s.count('applications')).toBe(1);
    expect(after.applicationCount).toBe(1);
    expect((await byNamespace(s)).map((r) => r.application)).toEqual(['api']);
  });

  it("service metrics: one round per service and window, each scope's answer built for it", async () => {
    const s = setup();
    const release = s.hold();
    const both = Promise.all([
      s.monitoring.serviceMetrics(DATA.id, '5m'),
      s.monitoring.serviceMetrics(DATA.id, '5m'),
    ]);
    release();
    const [a, b] = await both;
    expect(b).toBe(a);
    expect(s.count('consumers')).toBe(1);
    const scoped = await s.monitoring.serviceMetrics(DATA.id, '5m', onlyNamespaces(['data']));
    expect(scoped).not.toBe(a);
    s.advance(1000);
    await s.monitoring.serviceMetrics(DATA.id, '5m');
    expect(s.count('consumers')).toBe(2);
  });

  it('a failure is shared while in flight, not kept', async () => {
    let fail = true;
    const reused = new Reused<number>({ clock: () => 0, reuseMs: 5000 });
    const ask = () =>
      reused.get('k', async () => {
        await Promise.resolve();
        if (fail) throw new Error('Prometheus timed out');
        return 1;
      });
    await expect(Promise.all([ask(), ask()])).rejects.toThrow('Prometheus timed out');
    fail = false;
    expect(await ask()).toBe(1);
  });

  it('keeps at most its bound of entries, dropping the oldest', async () => {
    const reused = new Reused<string>({ clock: () => 0, reuseMs: 5000, maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) await reused.get(k, async () => k);
    expect(reused.size).toBe(3);
    let computed = 0;
    await reused.get('a', async () => `${++computed}`);
    expect(computed).toBe(1);
  });

  it('lets expired answers go as new questions come, without waiting for the bound', async () => {
    let now = 0;
    const reused = new Reused<string>({ clock: () => now, reuseMs: 1000 });
    await reused.get('a', async () => 'a');
    await reused.get('b', async () => 'b');
    expect(reused.size).toBe(2);
    now = 1000;
    await reused.get('c', async () => 'c');
    expect(reused.size).toBe(1);
  });

  it('serves the last derived answer of a family while its next is computed, within the stale bound', async () => {
    let now = 0;
    const reused = new Reused<number>({ clock: () => now, reuseMs: 1000, staleMs: 1000 });
    const held: (() => void)[] = [];
    let computed = 0;
    const compute = () =>
      new Promise<number>((resolve) => {
        const n = ++computed;
        held.push(() => resolve(n));
      });
    const view = {};
    const ask = (key: string, derivedKey = 'd', v: object = view) =>
      reused.derive({ key, family: 'f', compute, view: v, derivedKey, derive: (n) => `built over ${n}` });
    // Nothing derived yet: the first question waits for its answer.
    const first = ask('t0');
    held.shift()?.();
    expect(await first).toBe('built over 1');
    // The next answer is computed while the last one stands in; once derived, it is served.
    now = 1500;
    expect(await ask('t1')).toBe('built over 1');
    expect(computed).toBe(2);
    held.shift()?.();
    await nextTurn();
    expect(await ask('t1')).toBe('built over 2');
    // Another view has nothing built to stand in: while the next answer is computed, it gets a
    // build over the last one; once the next is there, a question new to it waits for its build.
    now = 2600;
    expect(await ask('t2', 'd', {})).toBe('built over 2');
    expect(computed).toBe(3);
    held.shift()?.();
    await nextTurn();
    expect(await ask('t2', 'other')).toBe('built over 3');
    // Past its reuse and stale bound, the last answer stands in for nothing.
    now = 2600 + 2000;
    let late: string | undefined;
    void ask('t4').then((v) => (late = v));
    await nextTurn();
    expect(late).toBeUndefined();
    held.shift()?.();
    await nextTurn();
    expect(late).toBe('built over 4');
  });

  it("a question whose build over the next answer is not there yet keeps the previous answer's", async () => {
    let now = 0;
    const reused = new Reused<number>({ clock: () => now, reuseMs: 1000, staleMs: 1000 });
    let n = 0;
    const view = {};
    const ask = (key: string, derivedKey: string) =>
      reused.derive({
        key,
        family: 'f',
        compute: async () => ++n,
        view,
        derivedKey,
        derive: (v) => `${derivedKey} over ${v}`,
      });
    expect(await ask('t0', 'a')).toBe('a over 1');
    expect(await ask('t0', 'b')).toBe('b over 1');
    now = 1500;
    expect(await ask('t1', 'a')).toBe('a over 1');
    await nextTurn();
    expect(await ask('t1', 'a')).toBe('a over 2');
    // The next answer has one build (a's): b's is only starting, so b keeps the previous answer's.
    expect(await ask('t1', 'b')).toBe('b over 1');
    await nextTurn();
    expect(await ask('t1', 'b')).toBe('b over 2');
  });

  it('with no stale bound (the demo), a question waits for its own answer', async () => {
    let now = 0;
    const reused = new Reused<number>({ clock: () => now, reuseMs: 1000 });
    let n = 0;
    const view = {};
    const ask = (key: string) =>
      reused.derive({ key, family: 'f', compute: async () => ++n, view, derivedKey: 'd', derive: (v) => v });
    expect(await ask('t0')).toBe(1);
    now = 1500;
    expect(await ask('t1')).toBe(2);
  });

  it('builds behind a stand-in rest the loop as long as each took; a build a request waits for does not wait', async () => {
    let now = 0;
    const reused = new Reused<number>({ clock: () => now, reuseMs: 1000, staleMs: 1000 });
    const spans: [number, number][] = [];
    const busy = (n: number) => {
      const start = performance.now();
      while (performance.now() - start < 10);
      spans.push([start, performance.now()]);
      return n;
    };
    const view = {};
    const keys = ['a', 'b', 'c', 'd'];
    const ask = (key: string) =>
      Promise.all(
        keys.map((derivedKey) =>
          reused.derive({ key, family: 'f', compute: async () => 1, view, derivedKey, derive: busy }),
        ),
      );
    const gaps = () => spans.slice(1).map(([start], i) => start - (spans[i] as [number, number])[1]);
    // The rests the queue takes (timers it sets for itself; a gap's length alone would also count the
    // time this worker waits for a core when the suite runs in parallel).
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const rests = () =>
      timers.mock.calls.filter(([fn]) => (fn as { name?: string }).name === 'pumpBuilds').length;
    // The first answer: nothing stands in, the requests wait for the builds, which run back to back
    // (each 10 ms of CPU, and no rest between two).
    await ask('t0');
    expect(spans).toHaveLength(4);
    expect(rests()).toBe(0);
    // The next answer: the first one's builds stand in, and the new builds are background work: between
    // two, the loop is left to others at least as long as the first took (timers may fire a
    // millisecond early), so the four take about 70 ms rather than 40.
    spans.length = 0;
    now = 1500;
    await ask('t1');
    await buildsSettled();
    expect(spans).toHaveLength(4);
    expect(rests()).toBe(3);
    for (const [i, gap] of gaps().entries()) {
      const [start, end] = spans[i] as [number, number];
      expect(gap).toBeGreaterThanOrEqual(end - start - 2);
    }
    timers.mockRestore();
  });

  it('topology: one round of links per scope and window, shared by every graph type and namespace', async () => {
    const s = setup();
    const release = s.hold();
    const asks = [
      s.topology.graph({ graphType: 'versionedApp', window: '5m' }),
      s.topology.graph({ graphType: 'versionedApp', window: '5m' }),
      s.topology.graph({ graphType: 'service', window: '5m', namespace: 'data' }),
    ];
    release();
    const [a, b, c] = await Promise.all(asks);
    expect(s.count('edges')).toBe(1);
    expect(b).toBe(a);
    // Serialized by its build (in the build's turn), not by the first request that sends it.
    expect(isEncoded(a as object)).toBe(true);
    expect(c?.graphType).toBe('service');
    await s.topology.graph({ graphType: 'versionedApp', window: '5m' }, onlyNamespaces(['data']));
    expect(s.count('edges')).toBe(2);
    s.advance(1000);
    await s.topology.graph({ graphType: 'versionedApp', window: '5m' });
    expect(s.count('edges')).toBe(3);
  });
});

/** Prometheus as the overview sees it: the applications' figures it is set to, a new parse per question. */
function settableTelemetry(unknownApp = false) {
  let requests = 0;
  const asked: (number | undefined)[] = [];
  // Every other question fails (UnavailableTelemetry: a Prometheus with a 15 s scrape interval).
  const telemetry: TelemetrySource = Object.assign(new UnavailableTelemetry('not asked by the overview'), {
    // No coverage figure: the rates are over the whole window.
    coveredSeconds: undefined,
    applications: async (_q: unknown, at?: number) => {
      asked.push(at);
      const known = [{ namespace: 'shop', app: 'api', figures: { ...EMPTY_FIGURES, requests } }];
      // Traffic to an application the catalog does not know.
      const unknown = { namespace: 'edge', app: 'zz-gateway', figures: { ...EMPTY_FIGURES, requests: 1 } };
      return unknownApp ? [...known, unknown] : known;
    },
  });
  return { telemetry, asked, setRequests: (n: number) => (requests = n) };
}

describe('what is built over telemetry is kept while its content does not move', () => {
  it('Unchanged hands back the kept answer for the same content, per question, a bounded number of them', () => {
    let now = 0;
    const kept = new Unchanged<{ n: number }>(() => now, { maxKept: 2, maxIdleMs: 60_000 });
    const first = kept.same('a', { n: 1 });
    expect(kept.same('a', { n: 1 })).toBe(first);
    const moved = { n: 2 };
    expect(kept.same('a', moved)).toBe(moved);
    expect(kept.same('a', { n: 2 })).toBe(moved);
    // Another question keeps its own, even with the same content.
    const other = { n: 2 };
    expect(kept.same('b', other)).toBe(other);
    // The oldest question goes beyond the bound.
    kept.same('c', { n: 3 });
    const again = { n: 2 };
    expect(kept.same('a', again)).toBe(again);
    // An answer compared within the idle limit is kept; one nobody compared for that long is let go.
    now = 59_999;
    expect(kept.same('a', { n: 2 })).toBe(again);
    now = 119_999;
    const late = { n: 2 };
    expect(kept.same('a', late)).not.toBe(again);
    expect(kept.same('a', { n: 2 })).toBe(late);
  });

  it('Prometheus is asked on its scrape grid: every question within one scrape interval at the same time', () => {
    const t = Date.UTC(2024, 0, 1, 12, 0, 7, 500);
    expect(scrapeAligned(t, 15)).toBe(Date.UTC(2024, 0, 1, 12, 0, 0));
    expect(scrapeAligned(Date.UTC(2024, 0, 1, 12, 0, 15), 15)).toBe(Date.UTC(2024, 0, 1, 12, 0, 15));
    expect(scrapeAligned(t, 1)).toBe(Date.UTC(2024, 0, 1, 12, 0, 7));
  });

  it('the applications table is built once per content of the figures, its time the scrape it is evaluated at', async () => {
    let now = Date.UTC(2024, 0, 1, 12, 0, 3);
    const p = settableTelemetry();
    const view = indexCatalog([SHOP, DATA]);
    const monitoring = new MonitoringService({
      catalog: { view: () => view, get: (id: string) => view.byId.get(id) },
      telemetry: p.telemetry,
      clock: () => now,
      maxReuseMs: 2500,
    });
    const page = () => monitoring.applications(ApplicationListQuery.parse({ sort: 'namespace' }));
    const first = await page();
    expect(p.asked).toEqual([Date.UTC(2024, 0, 1, 12, 0, 0)]);
    expect(first.updatedAt).toBe('2024-01-01T12:00:00.000Z');
    // Within the scrape interval the answer cannot move: not asked again.
    now += 10_000;
    expect((await page()).items[1]).toBe(first.items[1]);
    expect(p.asked).toHaveLength(1);
    // The next scrape, the same figures: asked again. Until that answer is there, the last table
    // stands in for it (its time says which scrape it is); then the rows are those already built.
    now = Date.UTC(2024, 0, 1, 12, 0, 15);
    const during = await page();
    expect(during.updatedAt).toBe('2024-01-01T12:00:00.000Z');
    expect(p.asked).toEqual([Date.UTC(2024, 0, 1, 12, 0, 0), Date.UTC(2024, 0, 1, 12, 0, 15)]);
    await nextTurn();
    const same = await page();
    expect(p.asked).toHaveLength(2);
    expect(same.updatedAt).toBe('2024-01-01T12:00:15.000Z');
    expect(same.items[1]).toBe(first.items[1]);
    // The one after moved the figures: the rows are built again, with them.
    now = Date.UTC(2024, 0, 1, 12, 0, 31);
    p.setRequests(2);
    expect((await page()).updatedAt).toBe('2024-01-01T12:00:15.000Z');
    await nextTurn();
    const moved = await page();
    expect(p.asked.at(-1)).toBe(Date.UTC(2024, 0, 1, 12, 0, 30));
    expect(moved.updatedAt).toBe('2024-01-01T12:00:30.000Z');
    expect(moved.items[1]).not.toBe(first.items[1]);
    expect(moved.items[1]?.traffic.requestsPerMinute).toBe(120);
  });
});

describe('the applications table in every order, from the catalog order kept per view', () => {
  for (const unknownApp of [false, true])
    it(`by name and by namespace, both ways${unknownApp ? ', with an application only telemetry knows' : ''}`, async () => {
      const p = settableTelemetry(unknownApp);
      const view = indexCatalog([SHOP, DATA, service('web', 'shop'), service('zeta', 'data')]);
      const monitoring = new MonitoringService({
        catalog: { view: () => view, get: (id: string) => view.byId.get(id) },
        telemetry: p.telemetry,
        clock: () => Date.UTC(2024, 0, 1, 12),
        maxReuseMs: 2500,
      });
      const order = async (sort: string, o: string) =>
        (await monitoring.applications(ApplicationListQuery.parse({ sort, order: o }))).items.map(
          (r) => `${r.namespace}/${r.application}`,
        );
      const byNs = [
        'data/mysql',
        'data/zeta',
        ...(unknownApp ? ['edge/zz-gateway'] : []),
        'shop/api',
        'shop/web',
      ];
      const byApp = [
        'shop/api',
        'data/mysql',
        'shop/web',
        'data/zeta',
        ...(unknownApp ? ['edge/zz-gateway'] : []),
      ];
      expect(await order('namespace', 'asc')).toEqual(byNs);
      expect(await order('namespace', 'desc')).toEqual(byNs.toReversed());
      expect(await order('application', 'asc')).toEqual(byApp);
      expect(await order('application', 'desc')).toEqual(byApp.toReversed());
    });
});

/**
 * Lets what is being computed and derived land: an answer settles, and each build over it runs in
 * a turn of the event loop of its own (a few turns, and the builds' rests between them).
 */
async function nextTurn(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await buildsSettled();
  }
}

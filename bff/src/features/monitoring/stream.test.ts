import { describe, expect, it } from 'vitest';
import type { MonitoringOverview, MonitoringWindow, ServiceMetrics } from '../../contract/monitoring';
import { ApiError } from '../../lib/errors';
import { silentLogger } from '../../lib/logger';
import { ALL_NAMESPACES, onlyNamespaces, scopeKey } from '../auth/scope';
import type { NamespaceScope } from '../auth/scope';
import { MonitoringStream } from './stream';
import type { StreamClient } from './stream';

/** A monitoring stand-in that counts its work and numbers its answers. */
function counting() {
  const calls = { overview: 0, service: 0 };
  let fail: ApiError | null = null;
  return {
    calls,
    failWith(err: ApiError | null) {
      fail = err;
    },
    monitoring: {
      async overview(window: MonitoringWindow) {
        calls.overview++;
        if (fail) throw fail;
        return { window, n: calls.overview } as unknown as MonitoringOverview;
      },
      async serviceMetrics(id: string, window: MonitoringWindow) {
        calls.service++;
        return { serviceId: id, window, n: calls.service } as unknown as ServiceMetrics;
      },
    },
  };
}

/** A client whose connection buffer holds `capacity` chunks until drained. */
function client(capacity = Infinity) {
  const written: string[] = [];
  let buffered = 0;
  let drain: (() => void) | null = null;
  const c = {
    written,
    closed: false,
    write(chunk: string) {
      written.push(chunk);
      buffered++;
      return buffered < capacity;
    },
    onceDrained(cb: () => void) {
      drain = cb;
    },
    close() {
      c.closed = true;
    },
    /** The network took everything: the buffer is empty again. */
    drain() {
      buffered = 0;
      const cb = drain;
      drain = null;
      cb?.();
    },
    events: () => written.filter((w) => w.startsWith('event:')),
  };
  return c satisfies StreamClient & Record<string, unknown>;
}

const numberOf = (frame: string | undefined) =>
  (JSON.parse(/^data: (.*)$/m.exec(frame ?? '')?.[1] ?? '{}') as { n?: number }).n;

describe('the monitoring stream hub', () => {
  it('computes each topic once per round for any number of clients', async () => {
    const m = counting();
    const hub = new MonitoringStream({ monitoring: m.monitoring, log: silentLogger(), intervalMs: 60_000 });
    const clients = Array.from({ length: 100 }, () => client());
    for (const c of clients) hub.add(c, { window: '5m', overview: true, services: ['a', 'b'] });
    await hub.round();
    await hub.round();
    expect(m.calls).toEqual({ overview: 2, service: 4 });
    for (const c of clients) expect(c.events()).toHaveLength(6);
    hub.close();
  });

  it('computes each topic per scope: a client gets frames of its own namespaces, shared only with the same scope', async () => {
    const asked: string[] = [];
    const monitoring = {
      async overview(window: MonitoringWindow, scope: NamespaceScope = ALL_NAMESPACES) {
        asked.push(`overview ${scopeKey(scope)}`);
        return { window, scope: scopeKey(scope) } as unknown as MonitoringOverview;
      },
      async serviceMetrics(id: string, window: MonitoringWindow, scope: NamespaceScope = ALL_NAMESPACES) {
        asked.push(`${id} ${scopeKey(scope)}`);
        return { serviceId: id, window, scope: scopeKey(scope) } as unknown as ServiceMetrics;
      },
    };
    const hub = new MonitoringStream({ monitoring, log: silentLogger(), intervalMs: 60_000 });
    const admin = client();
    const shop = [client(), client()];
    // A namespace named like a list of two must not share the frames of those two.
    const odd = client();
    hub.add(admin, { window: '5m', overview: true, services: ['a'] });
    for (const c of shop)
      hub.add(c, {
        window: '5m',
        overview: true,
        services: ['a'],
        scope: onlyNamespaces(['shop', 'bookinfo']),
      });
    hub.add(odd, { window: '5m', overview: true, services: ['a'], scope: onlyNamespaces(['bookinfo,shop']) });
    await hub.round();
    expect(asked).toHaveLength(6);
    const scopeOf = (c: ReturnType<typeof client>) =>
      c.events().map((f) => (JSON.parse(/^data: (.*)$/m.exec(f)?.[1] ?? '{}') as { scope: string }).scope);
    expect(scopeOf(admin)).toEqual(['*', '*']);
    for (const c of shop) expect(scopeOf(c)).toEqual(Array(2).fill(JSON.stringify(['bookinfo', 'shop'])));
    expect(scopeOf(odd)).toEqual(Array(2).fill(JSON.stringify(['bookinfo,shop'])));
    hub.close();
  });

  it('keeps only the latest update of each topic for a client that cannot keep up, and sends it when drained', async () => {
    const m = counting();
    const hub = new MonitoringStream({ monitoring: m.monitoring, log: silentLogger(), intervalMs: 60_000 });
    const slow = client(1);
    hub.add(slow, { window: '5m', overview: true, services: [] });
    await hub.round(); // written; the buffer is now full
    for (let i = 0; i < 50; i++) await hub.round();
    expect(slow.events()).toHaveLength(1);
    slow.drain();
    expect(slow.events()).toHaveLength(2);
    expect(numberOf(slow.events()[1])).toBe(m.calls.overview);
    hub.close();
  });

  it('disconnects a client that takes no data for too long', async () => {
    let now = 0;
    const m = counting();
    const hub = new MonitoringStream({
      monitoring: m.monitoring,
      log: silentLogger(),
      intervalMs: 60_000,
      maxStalledMs: 30_000,
      clock: () => now,
    });
    const stuck = client(1);
    const fine = client();
    hub.add(stuck, { window: '5m', overview: true, services: [] });
    hub.add(fine, { window: '5m', overview: true, services: [] });
    await hub.round();
    now += 31_000;
    await hub.round();
    expect(stuck.closed).toBe(true);
    expect(fine.closed).toBe(false);
    expect(hub.clientCount).toBe(1);
    hub.close();
  });

  it('sends a newcomer the latest frame at once, and stops working when the last client leaves', async () => {
    const m = counting();
    const hub = new MonitoringStream({ monitoring: m.monitoring, log: silentLogger(), intervalMs: 60_000 });
    const first = client();
    const removeFirst = hub.add(first, { window: '1h', overview: true, services: [] });
    await hub.round();
    const second = client();
    const removeSecond = hub.add(second, { window: '1h', overview: true, services: [] });
    expect(second.events()).toHaveLength(1);
    removeFirst();
    removeSecond();
    expect(hub.clientCount).toBe(0);
    const before = m.calls.overview;
    await hub.round();
    expect(m.calls.overview).toBe(before);
  });

  it('reports a failed update as a telemetry-error event and keeps the stream open', async () => {
    const m = counting();
    const hub = new MonitoringStream({ monitoring: m.monitoring, log: silentLogger(), intervalMs: 60_000 });
    const c = client();
    hub.add(c, { window: '5m', overview: true, services: [] });
    m.failWith(new ApiError(503, 'TelemetryUnavailable', 'Prometheus at http://p:9090 is unreachable'));
    await hub.round();
    m.failWith(null);
    await hub.round();
    expect(c.events()[0]).toBe(
      'event: telemetry-error\ndata: {"topic":"overview","code":"TelemetryUnavailable","message":"Prometheus at http://p:9090 is unreachable"}\n\n',
    );
    expect(c.events()[1]).toMatch(/^event: overview\n/);
    expect(c.closed).toBe(false);
    hub.close();
  });
});

// @vitest-environment jsdom
import '../test/setup';
import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MockEventSource } from '../features/monitoring/testing';
import { LiveStream, cacheWrite, streamServes } from './sse';
import type { StreamEvent, StreamSubscription } from './sse';

const KEY = ['live', 'value'] as const;

/** A subscriber that writes every `tick` event's number under KEY. */
function ticks(overrides: Partial<StreamSubscription> = {}): StreamSubscription {
  return {
    window: '5m',
    overview: true,
    onEvent: (event: StreamEvent) =>
      event.type === 'overview' ? [cacheWrite<number>(KEY, () => event.data as number)] : [],
    ...overrides,
  };
}

function setup(options: ConstructorParameters<typeof LiveStream>[1] = {}) {
  const client = new QueryClient();
  const stream = new LiveStream(client, {
    eventSource: MockEventSource as unknown as typeof EventSource,
    random: () => 1,
    ...options,
  });
  return { client, stream };
}

const settle = () => Promise.resolve(); // Subscriptions are reconciled in a microtask.

beforeEach(() => {
  MockEventSource.reset();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LiveStream', () => {
  it('opens one EventSource for all subscribers, asking for the union of their topics', async () => {
    const { stream } = setup();
    stream.subscribe(ticks({ services: ['b@dubbo'] }));
    stream.subscribe(ticks({ overview: false, services: ['a.ns.svc.cluster.local', 'b@dubbo'] }));
    await settle();

    expect(MockEventSource.instances).toHaveLength(1);
    const { params } = MockEventSource.latest();
    expect(params.get('window')).toBe('5m');
    expect(params.get('overview')).toBe('true');
    expect(params.getAll('service')).toEqual(['a.ns.svc.cluster.local', 'b@dubbo']);
    expect(stream.getSnapshot().state).toBe('connecting');

    MockEventSource.latest().connect();
    expect(stream.getSnapshot().state).toBe('open');
  });

  it('follows the most recent window; subscribers on another are not served', async () => {
    const { stream } = setup();
    const old = ticks();
    stream.subscribe(old);
    await settle();
    stream.subscribe(ticks({ window: '1h', overview: false, services: ['x'] }));
    await settle();

    expect(MockEventSource.open()).toHaveLength(1);
    expect(MockEventSource.latest().params.get('window')).toBe('1h');
    expect(MockEventSource.latest().params.get('overview')).toBe('false');
    expect(streamServes(stream.getSnapshot().topics, old)).toBe(false);
    expect(streamServes(stream.getSnapshot().topics, { window: '1h', services: ['x'] })).toBe(true);
  });

  it('merges events into the cache at most once per throttle interval, the latest winning', async () => {
    const { client, stream } = setup({ throttleMs: 1_000 });
    const writes: unknown[] = [];
    client.getQueryCache().subscribe((e) => {
      if (e.type === 'updated' && e.action.type === 'success') writes.push(e.query.state.data);
    });
    stream.subscribe(ticks());
    await settle();
    const source = MockEventSource.latest();
    source.connect();

    source.emit('overview', 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.getQueryData(KEY)).toBe(1); // The first one at once.

    source.emit('overview', 2);
    source.emit('overview', 3);
    await vi.advanceTimersByTimeAsync(500);
    expect(client.getQueryData(KEY)).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(client.getQueryData(KEY)).toBe(3);
    expect(writes).toEqual([1, 3]);
  });

  it('ignores data that is not JSON', async () => {
    const { client, stream } = setup({ throttleMs: 0 });
    stream.subscribe(ticks());
    await settle();
    const source = MockEventSource.latest();
    source.connect();
    source.emitRaw('overview', '<html>a proxy error page</html>');
    await vi.advanceTimersByTimeAsync(10);
    expect(client.getQueryData(KEY)).toBeUndefined();
  });

  it('reconnects with exponential backoff, and starts again from the first delay once open', async () => {
    const { stream } = setup({ initialBackoffMs: 1_000, maxBackoffMs: 4_000 });
    stream.subscribe(ticks());
    await settle();
    MockEventSource.latest().connect();

    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const failed = MockEventSource.latest();
      failed.fail();
      expect(failed.readyState).toBe(MockEventSource.CLOSED);
      expect(stream.getSnapshot().state).toBe('reconnecting');
      let waited = 0;
      while (MockEventSource.latest() === failed) {
        await vi.advanceTimersByTimeAsync(250);
        waited += 250;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 4_000]);
    expect(stream.getSnapshot().attempts).toBe(4);

    MockEventSource.latest().connect();
    expect(stream.getSnapshot()).toMatchObject({ state: 'open', attempts: 0 });
    MockEventSource.latest().fail();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(MockEventSource.instances).toHaveLength(6);
  });

  it('closes once the last subscriber has gone, after a moment in case another comes', async () => {
    const { stream } = setup({ lingerMs: 2_000 });
    const unsubscribe = stream.subscribe(ticks());
    await settle();
    const source = MockEventSource.latest();
    source.connect();

    unsubscribe();
    await settle();
    await vi.advanceTimersByTimeAsync(1_000);
    // A page change: the next page subscribes to the same topics and keeps the connection.
    const again = stream.subscribe(ticks());
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(source.readyState).toBe(MockEventSource.OPEN);
    expect(MockEventSource.instances).toHaveLength(1);

    again();
    await settle();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(source.readyState).toBe(MockEventSource.CLOSED);
    expect(stream.getSnapshot()).toMatchObject({ state: 'idle', topics: null });
  });

  it('says so when there is no EventSource, so subscribers poll', async () => {
    const client = new QueryClient();
    vi.stubGlobal('EventSource', undefined);
    const stream = new LiveStream(client);
    stream.subscribe(ticks());
    await settle();
    expect(stream.getSnapshot().state).toBe('unsupported');
    vi.unstubAllGlobals();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseView } from '../../contract/releases';
import { notFound } from '../../lib/errors';
import { silentLogger } from '../../lib/logger';
import type { StreamClient } from '../monitoring/stream';
import { ReleaseEvents } from './events';

/** A connection that records what it gets; `full` makes writes report a full buffer. */
function client() {
  const c = {
    chunks: [] as string[],
    closed: false,
    full: false,
    drained: null as (() => void) | null,
    write(chunk: string) {
      c.chunks.push(chunk);
      return !c.full;
    },
    onceDrained(callback: () => void) {
      c.drained = callback;
    },
    close() {
      c.closed = true;
    },
  };
  return c satisfies StreamClient;
}

const view = (resourceVersion: string, phase = 'Progressing') =>
  ({ name: 'r', resourceVersion, status: { phase } }) as unknown as ReleaseView;

const tick = () => new Promise((r) => setTimeout(r, 150));

describe('the release event stream', () => {
  let hub: ReleaseEvents | undefined;
  afterEach(() => hub?.close());

  it('sends the release now, then once per change, to every client of it with one read per poll', async () => {
    let current = view('1');
    let reads = 0;
    hub = new ReleaseEvents({
      read: () => {
        reads++;
        return Promise.resolve(current);
      },
      log: silentLogger(),
      pollMs: 50,
      heartbeatMs: 60,
    });
    const a = client();
    const b = client();
    hub.add('svc', 'r', a, current);
    hub.add('svc', 'r', b, current);
    await tick();
    current = view('2', 'Paused');
    await tick();
    const releases = (c: ReturnType<typeof client>) =>
      c.chunks
        .filter((x) => x.startsWith('event: release'))
        .map((x) => JSON.parse(x.split('data: ')[1] as string) as ReleaseView);
    expect(releases(a).map((v) => v.resourceVersion)).toEqual(['1', '2']);
    expect(releases(b).map((v) => v.status.phase)).toEqual(['Progressing', 'Paused']);
    expect(a.chunks).toContain(': heartbeat\n\n');
    // Two clients, one topic: the polls are shared (about 6 in 300 ms, not 12).
    expect(reads).toBeLessThanOrEqual(8);
  });

  it('keeps only the latest frame for a client whose buffer is full, and says when the release is gone', async () => {
    let current = view('1');
    hub = new ReleaseEvents({
      read: () => (current ? Promise.resolve(current) : Promise.reject(notFound('gone'))),
      log: silentLogger(),
      pollMs: 10,
    });
    const slow = client();
    slow.full = true;
    hub.add('svc', 'r', slow, current);
    current = view('2');
    await tick();
    current = view('3');
    await tick();
    expect(slow.chunks).toHaveLength(1);
    slow.full = false;
    slow.drained?.();
    expect(slow.chunks.at(-1)).toContain('"resourceVersion":"3"');
    expect(slow.chunks).toHaveLength(2);
    current = undefined as unknown as ReleaseView;
    await tick();
    expect(slow.chunks.at(-1)).toMatch(/^event: deleted\n/);
    expect(slow.closed).toBe(true);
  });

  it('ends every stream with a shutdown frame when the console closes', () => {
    hub = new ReleaseEvents({ read: () => Promise.resolve(view('1')), log: silentLogger() });
    const a = client();
    hub.add('svc', 'r', a, view('1'));
    hub.close();
    expect(a.chunks.at(-1)).toMatch(/^retry: 1000\nevent: shutdown\n/);
    expect(a.closed).toBe(true);
    const late = client();
    hub.add('svc', 'r', late, view('1'));
    expect(late.closed).toBe(true);
  });
});

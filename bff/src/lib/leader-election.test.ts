import { describe, expect, it } from 'vitest';
import { LeaderElector, LeaseConflict, decide } from './leader-election';
import type { LeaseApi, LeaseRecord } from './leader-election';
import { silentLogger } from './logger';

const T0 = 1_000_000;
const held = (holder: string | null, renewTime: number | null, transitions = 3): LeaseRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 10,
  acquireTime: T0 - 60_000,
  renewTime,
  leaseTransitions: transitions,
  resourceVersion: '7',
});

describe('decide', () => {
  it.each([
    { case: 'absent: create it', current: null, now: T0, write: 'create', takeover: true, transitions: 0 },
    {
      case: 'mine: renew',
      current: held('me', T0 - 2000),
      now: T0,
      write: 'replace',
      takeover: false,
      transitions: 3,
    },
    {
      case: 'mine, even expired: renew',
      current: held('me', T0 - 60_000),
      now: T0,
      write: 'replace',
      takeover: false,
      transitions: 3,
    },
    {
      case: 'released (empty holder): take',
      current: held(null, T0),
      now: T0,
      write: 'replace',
      takeover: true,
      transitions: 4,
    },
    {
      case: 'released (empty string): take',
      current: held('', T0),
      now: T0,
      write: 'replace',
      takeover: true,
      transitions: 4,
    },
    {
      case: 'expired: take',
      current: held('other', T0 - 10_001),
      now: T0,
      write: 'replace',
      takeover: true,
      transitions: 4,
    },
    {
      case: 'never renewed: take',
      current: held('other', null),
      now: T0,
      write: 'replace',
      takeover: true,
      transitions: 4,
    },
  ])('$case', ({ current, now, write, takeover, transitions }) => {
    const d = decide(current, 'me', now, 10);
    expect(d.write).toBe(write);
    if (d.write === null) throw new Error('expected a write');
    expect(d.takeover).toBe(takeover);
    expect(d.lease).toMatchObject({
      holderIdentity: 'me',
      leaseDurationSeconds: 10,
      renewTime: now,
      leaseTransitions: transitions,
    });
    // A write carries the version read: a concurrent winner makes it fail with a 409.
    expect(d.lease.resourceVersion).toBe(current?.resourceVersion);
    expect(d.lease.acquireTime).toBe(takeover ? now : current?.acquireTime);
  });

  it('takes a lease renewed before the control plane it started, however fresh', () => {
    expect(decide(held('old-run', T0 - 1000), 'me', T0, 10, T0 - 500)).toMatchObject({ write: 'replace' });
    expect(decide(held('other', T0 - 400), 'me', T0, 10, T0 - 500)).toMatchObject({ write: null });
  });

  it.each([
    { case: 'held and renewed just now', renewTime: T0 },
    { case: 'held, exactly at its duration', renewTime: T0 - 10_000 },
  ])('stays a follower: $case', ({ renewTime }) => {
    expect(decide(held('other', renewTime), 'me', T0, 10)).toEqual({ write: null, holder: 'other' });
  });
});

/** A Lease store with a resourceVersion, as the API server keeps one. */
class FakeLeases implements LeaseApi {
  lease: LeaseRecord | null = null;
  private version = 0;
  failing = false;
  /** A write that another replica slips in between this one's read and write. */
  interleave: (() => void) | null = null;

  async get() {
    if (this.failing) throw new Error('control plane away');
    return this.lease && { ...this.lease };
  }

  private store(lease: LeaseRecord) {
    this.lease = { ...lease, resourceVersion: String(++this.version) };
    return { ...this.lease };
  }

  async create(lease: LeaseRecord) {
    this.interleave?.();
    this.interleave = null;
    if (this.failing) throw new Error('control plane away');
    if (this.lease) throw new LeaseConflict();
    return this.store(lease);
  }

  async replace(lease: LeaseRecord) {
    this.interleave?.();
    this.interleave = null;
    if (this.failing) throw new Error('control plane away');
    if (!this.lease || this.lease.resourceVersion !== lease.resourceVersion) throw new LeaseConflict();
    return this.store(lease);
  }
}

function elector(api: LeaseApi, identity: string, clock: { now: number }) {
  return new LeaderElector({ api, name: 'test', identity, clock: () => clock.now, log: silentLogger() });
}

describe('LeaderElector', () => {
  it('runs its tasks only while it leads, and a follower takes over when the leader stops renewing', async () => {
    const leases = new FakeLeases();
    const clock = { now: T0 };
    const a = elector(leases, 'a', clock);
    const b = elector(leases, 'b', clock);
    const ran: string[] = [];
    for (const [name, e] of [
      ['a', a],
      ['b', b],
    ] as const)
      e.whileLeading(() => {
        ran.push(`${name} start`);
        return () => void ran.push(`${name} stop`);
      });

    await a.tick();
    await b.tick();
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect(leases.lease?.holderIdentity).toBe('a');

    clock.now += 2000;
    await a.tick();
    await b.tick();
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);

    // a dies without releasing: b waits out the lease's duration, then takes it.
    clock.now += 9000;
    await b.tick();
    expect(b.isLeader).toBe(false);
    clock.now += 2000;
    await b.tick();
    expect(b.isLeader).toBe(true);
    expect(leases.lease).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });

    // a comes back (it was only paused): it sees b's lease and stops its work.
    await a.tick();
    expect(a.isLeader).toBe(false);
    await Promise.resolve();
    expect(ran).toEqual(['a start', 'b start', 'a stop']);
  });

  it('of two replicas racing for a free lease, the one whose write lost stays a follower', async () => {
    const leases = new FakeLeases();
    const clock = { now: T0 };
    const a = elector(leases, 'a', clock);
    leases.interleave = () => {
      leases.lease = { ...held('b', T0), resourceVersion: 'b-wrote' };
    };
    await a.tick();
    expect(a.isLeader).toBe(false);
    expect(leases.lease?.holderIdentity).toBe('b');
  });

  it('a released lease is taken on the next try, without waiting for it to expire', async () => {
    const leases = new FakeLeases();
    const clock = { now: T0 };
    const a = elector(leases, 'a', clock);
    const b = elector(leases, 'b', clock);
    let stopped = 0;
    a.whileLeading(() => () => void stopped++);
    await a.tick();
    await b.tick();
    await a.stop({ release: true });
    expect(stopped).toBe(1);
    expect(leases.lease?.holderIdentity).toBeNull();
    clock.now += 1;
    await b.tick();
    expect(b.isLeader).toBe(true);
    expect(leases.lease?.leaseTransitions).toBe(1);
  });

  it('a leader that cannot reach the control plane for the lease duration stops its work', async () => {
    const leases = new FakeLeases();
    const clock = { now: T0 };
    const a = elector(leases, 'a', clock);
    let running = false;
    a.whileLeading(() => {
      running = true;
      return () => {
        running = false;
      };
    });
    await a.tick();
    await Promise.resolve();
    expect(running).toBe(true);
    leases.failing = true;
    clock.now += 8000;
    await a.tick();
    expect(a.isLeader).toBe(true);
    clock.now += 2000;
    await a.tick();
    expect(a.isLeader).toBe(false);
    expect(running).toBe(false);
  });

  it('a task registered while leading starts at once, and its unregistering stops it', async () => {
    const leases = new FakeLeases();
    const a = elector(leases, 'a', { now: T0 });
    await a.tick();
    const log: string[] = [];
    const unregister = a.whileLeading(() => {
      log.push('start');
      return () => void log.push('stop');
    });
    await unregister();
    expect(log).toEqual(['start', 'stop']);
  });
});

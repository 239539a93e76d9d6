import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger';
import { startTestControlPlane } from '../../testing/console';
import type { TestControlPlane } from '../../testing/console';
import { AUDIT_LABEL, AuditLog, DEFAULT_AUDIT_RETENTION } from './audit-log';
import type { AuditRetention } from './audit-log';

const record = (user: string, serviceId: string | null = null) => ({
  user,
  role: 'operator',
  action: 'routes.update',
  method: 'PUT',
  path: '/services/x/routes/y',
  serviceId,
  namespace: null,
  resource: null,
  outcome: 'succeeded' as const,
  status: 200,
  message: null,
  diff: null,
});
const refusal = (user: string) => ({
  ...record(user),
  outcome: 'denied' as const,
  status: 403,
  message: 'Your role, viewer, cannot change routes',
});

describe('the audit log in the control plane', () => {
  let plane: TestControlPlane;
  beforeAll(async () => {
    plane = await startTestControlPlane();
  });
  afterAll(async () => {
    await plane?.close();
  });

  const retention = (overrides: Partial<AuditRetention>): AuditRetention => ({
    ...DEFAULT_AUDIT_RETENTION,
    pruneEvery: 1,
    ...overrides,
  });
  /** An audit log that prunes, as on the replica holding the lease. */
  const pruningLog = async (namespace: string, kept: AuditRetention) => {
    const audit = new AuditLog(plane.kube, namespace, silentLogger(), kept);
    stops.push(await audit.pruning()());
    return audit;
  };
  const stops: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });
  const storedIn = async (namespace: string) =>
    (await plane.kube.core.listNamespacedConfigMap({ namespace, labelSelector: `${AUDIT_LABEL}=v1` })).items
      .length;

  it('keeps the newest refusals up to their retention, newest first, and counts the ones removed', async () => {
    const audit = await pruningLog('kube-public', retention({ refusals: 3 }));
    for (const user of ['a', 'b', 'c', 'd', 'e']) {
      audit.record(refusal(user));
      await new Promise((r) => setTimeout(r, 2));
    }
    await audit.flush();
    expect(await storedIn('kube-public')).toBe(3);
    const listed = await audit.list({ limit: 10 });
    expect(listed.items.map((r) => r.user)).toEqual(['e', 'd', 'c']);
    expect(listed.dropped.refusals).toBe(2);
    expect((await audit.list({ limit: 10, user: 'd' })).items.map((r) => r.user)).toEqual(['d']);
    expect((await audit.list({ limit: 1 })).items).toHaveLength(1);
  });

  it('two replicas pruning at once count each removed refusal once', async () => {
    const keep3 = retention({ refusals: 3, pruneEvery: 1_000 });
    const writer = new AuditLog(plane.kube, 'default', silentLogger(), keep3);
    for (const user of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) {
      writer.record(refusal(user));
      await new Promise((r) => setTimeout(r, 2));
    }
    await writer.flush();
    // Both list the same seven before either deletes: each removes what it can of the four oldest.
    const replicas = [1, 2].map(() => new AuditLog(plane.kube, 'default', silentLogger(), keep3));
    await Promise.all(replicas.map((r) => (r as unknown as { prune(): Promise<void> }).prune()));
    expect(await storedIn('default')).toBe(3);
    const listed = await writer.list({ limit: 10 });
    expect(listed.items.map((r) => r.user)).toEqual(['g', 'f', 'e']);
    expect(listed.dropped.refusals).toBe(4);
  });

  it('a flood of refused requests neither pushes changes out nor is stored one by one', async () => {
    const audit = await pruningLog(
      'shop',
      retention({ refusals: 100, pruneEvery: 50, refusalsPerMinute: 20 }),
    );
    for (const user of ['ada', 'bob', 'cy']) audit.record(record(user));
    await audit.flush();
    // A viewer sends 10,300 refused requests in a burst (as in the issue): changes stay.
    for (let i = 0; i < 10_300; i++) audit.record(refusal('mallory'));
    for (let i = 0; i < 5; i++) audit.record(refusal('eve'));
    await audit.flush();
    const listed = await audit.list({ limit: 1000 });
    const changes = listed.items.filter((r) => r.outcome === 'succeeded').map((r) => r.user);
    expect(changes.sort()).toEqual(['ada', 'bob', 'cy']);
    // Mallory's first 20 are kept one by one, the other 10,280 as one counted summary.
    const mallory = listed.items.filter((r) => r.user === 'mallory');
    expect(mallory.filter((r) => r.action !== 'audit.suppressed')).toHaveLength(20);
    const summary = mallory.find((r) => r.action === 'audit.suppressed');
    expect(summary?.repeated).toBe(10_280);
    expect(summary?.message).toMatch(/10280 more refused requests by mallory/);
    // Another user's refusals are not buried by mallory's.
    expect(listed.items.filter((r) => r.user === 'eve')).toHaveLength(5);
    expect(await storedIn('shop')).toBeLessThan(40);
  });

  it('removes changes only when they are older than their retention', async () => {
    const audit = await pruningLog('spring-demo', retention({ changeMs: 3600_000 }));
    audit.record(record('old'), { time: new Date(Date.now() - 2 * 3600_000) });
    audit.record(record('new'));
    await audit.flush();
    audit.record(record('newer'));
    await audit.flush();
    expect((await audit.list({ limit: 10 })).items.map((r) => r.user)).toEqual(['newer', 'new']);
  });

  it('only the replica that holds the lease prunes: what any replica stored, on its interval', async () => {
    const kept = retention({ refusals: 3, pruneIntervalMs: 100 });
    // A replica without the lease writes records past the retention: it removes none.
    const writer = new AuditLog(plane.kube, 'kube-system', silentLogger(), kept);
    const refuse = async (users: string[]) => {
      for (const user of users) {
        writer.record(refusal(user));
        await new Promise((r) => setTimeout(r, 2));
      }
      await writer.flush();
    };
    await refuse(['a', 'b', 'c', 'd', 'e']);
    expect(await storedIn('kube-system')).toBe(5);
    // The leader prunes what it did not write: at once when it takes the lease…
    const leader = new AuditLog(plane.kube, 'kube-system', silentLogger(), kept);
    const stop = await leader.pruning()();
    await leader.flush();
    expect(await storedIn('kube-system')).toBe(3);
    // …and on its interval, with no record of its own.
    await refuse(['f', 'g']);
    await expect.poll(() => storedIn('kube-system'), { timeout: 5000, interval: 50 }).toBe(3);
    expect((await writer.list({ limit: 10 })).items.map((r) => r.user)).toEqual(['g', 'f', 'e']);
    // Once it stops (the lease lost or handed over), nothing prunes here.
    await stop();
    await refuse(['h', 'i']);
    await new Promise((r) => setTimeout(r, 300));
    expect(await storedIn('kube-system')).toBe(5);
    expect((await writer.list({ limit: 10 })).dropped.refusals).toBe(4);
  });
});

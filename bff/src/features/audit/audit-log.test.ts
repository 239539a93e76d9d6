import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  const storedIn = async (namespace: string) =>
    (await plane.kube.core.listNamespacedConfigMap({ namespace, labelSelector: `${AUDIT_LABEL}=v1` })).items
      .length;

  it('keeps the newest refusals up to their retention, newest first, and counts the ones removed', async () => {
    const audit = new AuditLog(plane.kube, 'kube-public', silentLogger(), retention({ refusals: 3 }));
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
    const audit = new AuditLog(
      plane.kube,
      'shop',
      silentLogger(),
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
    const audit = new AuditLog(plane.kube, 'spring-demo', silentLogger(), retention({ changeMs: 3600_000 }));
    audit.record(record('old'), { time: new Date(Date.now() - 2 * 3600_000) });
    audit.record(record('new'));
    await audit.flush();
    audit.record(record('newer'));
    await audit.flush();
    expect((await audit.list({ limit: 10 })).items.map((r) => r.user)).toEqual(['newer', 'new']);
  });
});

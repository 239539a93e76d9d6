import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger';
import { testAuth } from '../../testing/auth';
import { testConsole } from '../../testing/console';
import { replicasOnOnePlane } from '../../testing/replicas';
import { AuditLog, DEFAULT_AUDIT_RETENTION } from './audit-log';

/**
 * Two consoles on one control plane (two replicas): the audit records' cleanup is the Lease
 * holder's. A replica that does not hold it leaves an expired record alone; it removes it once the
 * Lease comes to it.
 */
describe("the audit records' cleanup across replicas", () => {
  const replicas = replicasOnOnePlane();

  it('runs on the leader only, and moves with the Lease', async () => {
    const { consoles } = replicas;
    const plane = replicas.plane();
    const namespace = 'default';
    // Changes are kept an hour: one made two hours ago has expired.
    const retention = { ...DEFAULT_AUDIT_RETENTION, changeMs: 3600_000 };
    const reader = new AuditLog(plane.kube, namespace, silentLogger(), retention);
    reader.record(
      {
        user: 'ada',
        role: 'operator',
        action: 'routes.update',
        method: 'PUT',
        path: '/services/x/routes/y',
        serviceId: null,
        namespace: null,
        resource: null,
        outcome: 'succeeded',
        status: 200,
        message: null,
        diff: null,
      },
      { time: new Date(Date.now() - 2 * 3600_000) },
    );
    await reader.flush();
    const users = async () => (await reader.list({ limit: 10 })).items.map((r) => r.user);
    expect(await users()).toEqual(['ada']);

    const replica = (kept: typeof retention) =>
      testConsole({
        kube: plane.kube,
        catalog: plane.catalog,
        auth: {
          ...testAuth({ kube: plane.kube, namespace }),
          audit: new AuditLog(plane.kube, namespace, silentLogger(), kept),
        },
        leaderElection: { leaseDurationSeconds: 2, renewIntervalMs: 100 },
      });
    // The leader keeps changes 90 days; the other replica would remove the record, but does not lead.
    const first = await replica(DEFAULT_AUDIT_RETENTION);
    consoles.push(first);
    const second = await replica(retention);
    consoles.push(second);
    expect([first.leader.isLeader, second.leader.isLeader]).toEqual([true, false]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await users()).toEqual(['ada']);
    // The leader stops (and lets the Lease go): the other takes it, and its cleanup with it.
    consoles.splice(consoles.indexOf(first), 1);
    await first.close();
    await expect.poll(() => second.leader.isLeader, { timeout: 5000, interval: 50 }).toBe(true);
    await expect.poll(users, { timeout: 5000, interval: 50 }).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger';
import { startTestControlPlane } from '../../testing/console';
import type { TestControlPlane } from '../../testing/console';
import { AUDIT_LABEL, AuditLog } from './audit-log';

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

describe('the audit log in the control plane', () => {
  let plane: TestControlPlane;
  beforeAll(async () => {
    plane = await startTestControlPlane();
  });
  afterAll(async () => {
    await plane?.close();
  });

  it('keeps the newest records up to its retention, newest first', async () => {
    const audit = new AuditLog(plane.kube, 'kube-public', silentLogger(), { keep: 3, pruneEvery: 1 });
    for (const user of ['a', 'b', 'c', 'd', 'e']) {
      audit.record(record(user));
      await new Promise((r) => setTimeout(r, 2));
    }
    await audit.flush();
    const stored = await plane.kube.core.listNamespacedConfigMap({
      namespace: 'kube-public',
      labelSelector: `${AUDIT_LABEL}=v1`,
    });
    expect(stored.items).toHaveLength(3);
    const listed = await audit.list({ limit: 10 });
    expect(listed.map((r) => r.user)).toEqual(['e', 'd', 'c']);
    expect((await audit.list({ limit: 10, user: 'd' })).map((r) => r.user)).toEqual(['d']);
    expect(await audit.list({ limit: 1 })).toHaveLength(1);
  });
});

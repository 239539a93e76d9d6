import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshObjects } from '../../clients/mesh-objects';
import type { KubeObject } from '../../clients/mesh-objects';
import { silentLogger } from '../../lib/logger';
import { startTestControlPlane } from '../../testing/console';
import type { TestControlPlane } from '../../testing/console';
import { AuditLog } from '../audit/audit-log';
import { RevisionHistory } from './history';
import { ChangeJournal } from './journal';

/**
 * What a console that stopped half-way through a change leaves behind, settled by the journal: a
 * pending revision becomes applied, interrupted or is forgotten, by what is live, and every
 * change gets its audit record.
 */

const SERVICE = 'ratings.bookinfo.svc.cluster.local';

const vs = (name: string, weight: number): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace: 'bookinfo', labels: { 'app.kubernetes.io/managed-by': 'mesh-console' } },
  spec: { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'ratings' }, weight }] }] },
});

describe('the change journal', () => {
  let plane: TestControlPlane;
  let objects: MeshObjects;
  let history: RevisionHistory;
  let audit: AuditLog;
  let journal: ChangeJournal;

  beforeAll(async () => {
    plane = await startTestControlPlane();
    objects = new MeshObjects(plane.kube);
    history = new RevisionHistory(plane.kube, 'routes');
    audit = new AuditLog(plane.kube, 'default', silentLogger());
    journal = new ChangeJournal({
      kube: plane.kube,
      objects,
      audit,
      log: silentLogger(),
      changeTimeoutMs: 0,
      auditRetentionMs: 86400_000,
    });
  });
  afterAll(async () => {
    await plane?.close();
  });

  const begin = (rule: string, intent: Parameters<RevisionHistory['begin']>[5]) =>
    history.begin(
      'bookinfo',
      SERVICE,
      rule,
      { action: 'create', user: 'ada', objects: [], diff: `+ ${rule}` },
      { user: 'ada', role: 'operator' },
      intent,
    );
  const auditOf = async (rule: string) =>
    (await audit.list({ limit: 1000 })).items.filter((r) => r.resource?.name === rule);

  it('completes a change that was applied before the console stopped, with its audit record', async () => {
    const object = vs('j-applied', 100);
    await begin('j-applied', [{ action: 'create', object }]);
    await objects.create(object);
    const report = await journal.settle();
    expect(report.applied).toBeGreaterThanOrEqual(1);
    const revs = await history.list('bookinfo', SERVICE, 'j-applied');
    expect(revs.map((r) => `${r.revision}:${r.state}`)).toEqual(['1:applied']);
    expect(revs[0]?.raw.map((o) => o.metadata.name)).toEqual(['j-applied']);
    const records = await auditOf('j-applied');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ user: 'ada', outcome: 'succeeded', recovered: true, status: 201 });
    // Settling again changes nothing and writes no second record.
    await journal.settle();
    expect(await auditOf('j-applied')).toHaveLength(1);
  });

  it('forgets a change that never reached the control plane, and says so in the audit trail', async () => {
    await begin('j-never', [{ action: 'create', object: vs('j-never', 100) }]);
    await journal.settle();
    expect(await history.list('bookinfo', SERVICE, 'j-never')).toEqual([]);
    const records = await auditOf('j-never');
    expect(records.map((r) => r.outcome)).toEqual(['failed']);
    expect(records[0]?.message).toMatch(/nothing was changed/);
  });

  it('keeps a half-applied change as an interrupted revision naming what changed', async () => {
    const first = vs('j-half-a', 100);
    const second = vs('j-half-b', 100);
    await begin('j-half', [
      { action: 'create', object: first },
      { action: 'create', object: second },
    ]);
    await objects.create(first);
    await journal.settle();
    const revs = await history.list('bookinfo', SERVICE, 'j-half');
    expect(revs.map((r) => r.state)).toEqual(['interrupted']);
    const records = await auditOf('j-half');
    expect(records[0]?.message).toMatch(/VirtualService j-half-a changed, VirtualService j-half-b not/);
  });

  it('leaves a change alone while it may still be running', async () => {
    const patient = new ChangeJournal({
      kube: plane.kube,
      objects,
      audit,
      log: silentLogger(),
      changeTimeoutMs: 60_000,
      auditRetentionMs: 86400_000,
    });
    await begin('j-running', [{ action: 'create', object: vs('j-running', 100) }]);
    await patient.settle();
    const pending = await plane.kube.core.listNamespacedConfigMap({
      namespace: 'bookinfo',
      labelSelector: 'mesh-console.io/state=pending',
    });
    expect(pending.items.map((c) => c.data?.rule)).toContain('j-running');
  });

  it('writes the audit record of an applied change whose record was lost', async () => {
    await history.record(
      'bookinfo',
      SERVICE,
      'j-lost',
      { action: 'update', user: 'bob', objects: [], diff: '' },
      { user: 'bob', role: 'admin' },
    );
    expect(await auditOf('j-lost')).toEqual([]);
    await journal.settle();
    expect((await auditOf('j-lost')).map((r) => `${r.user}:${r.action}:${r.outcome}`)).toEqual([
      'bob:routes.update:succeeded',
    ]);
  });
});

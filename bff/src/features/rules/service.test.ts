import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../clients/kube';
import { MeshObjects } from '../../clients/mesh-objects';
import { kubeKind } from '../../lib/kube-kind';
import type { KubeObject, WriteOptions } from '../../clients/mesh-objects';
import { startControlPlane } from '../../embedded/control-plane';
import type { ControlPlane } from '../../embedded/control-plane';
import { seedDemoMesh } from '../../embedded/demo-mesh/seed';
import type { ApiError } from '../../lib/errors';
import { badRequest } from '../../lib/errors';
import { silentLogger } from '../../lib/logger';
import type { MeshObject } from '../../mesh/istio-types';
import type { PlannedWrite } from '../../mesh/model';
import { InformerCatalog } from '../catalog/catalog';
import { RevisionHistory } from '../changes/history';
import { RuleService } from './service';
import type { RuleContext, RuleKind, RulePlan } from './service';

/**
 * A third kind of rule, defined here and nowhere else: "faults", each a ConfigMap holding the
 * percentage of calls to fail (and, above 50 %, a second ConfigMap "-alarm"). The rule service
 * must give it everything routes and rate limits get (preview by dry run, writes with the
 * resourceVersion, undo on failure, revisions, rollback, the same messages) from the definition alone.
 */

interface FaultForm {
  name: string;
  percent: number;
  resourceVersion?: string | undefined;
  comment?: string | undefined;
}

interface FaultRule {
  name: string;
  resourceVersion: string;
  percent: number;
}

interface FaultContext extends RuleContext {
  maps: MeshObject[];
}

interface FaultTypes {
  body: FaultForm;
  rule: FaultRule;
  list: { items: FaultRule[] };
  preview: { objects: { action: string; name: string; diff: string }[]; warnings: string[] };
  context: FaultContext;
  plan: RulePlan<string>;
}

const FAULT_LABEL = 'test.mesh-console.io/fault';
const CONFIG_MAP = kubeKind('v1', 'ConfigMap', 'configmaps');

const mapName = (rule: string) => `fault-${rule}`;
const alarmName = (rule: string) => `fault-${rule}-alarm`;

/** The pure plan: the objects a form makes, against what is live. */
function planFault(ctx: FaultContext, form: FaultForm): RulePlan<string> {
  const writes: PlannedWrite[] = [];
  const put = (name: string, data: Record<string, string> | null) => {
    const current = ctx.maps.find((m) => m.metadata.name === name);
    if (data === null) {
      if (current) writes.push({ action: 'delete', object: current, current });
      return;
    }
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: ctx.target.namespace,
        labels: { [FAULT_LABEL]: form.name },
        ...(current ? { resourceVersion: form.resourceVersion ?? current.metadata.resourceVersion } : {}),
      },
      data,
    } as unknown as MeshObject;
    writes.push(current ? { action: 'update', object, current } : { action: 'create', object });
  };
  put(mapName(form.name), { percent: String(form.percent) });
  put(alarmName(form.name), form.percent > 50 ? { percent: String(form.percent) } : null);
  return { writes, warnings: form.percent === 100 ? ['every call fails'] : [] };
}

/** The pure read: a rule from its objects. */
function readFault(obj: MeshObject): FaultRule {
  return {
    name: obj.metadata.labels?.[FAULT_LABEL] ?? '',
    resourceVersion: obj.metadata.resourceVersion ?? '',
    percent: Number((obj as unknown as { data: { percent: string } }).data.percent),
  };
}

const faultKind: RuleKind<FaultTypes> = {
  noun: 'fault',
  shortNoun: 'fault',
  async load(base, objects) {
    const maps = (await objects.list(CONFIG_MAP, base.target.namespace, FAULT_LABEL)) as MeshObject[];
    return { ...base, maps };
  },
  find: (ctx, name) => ctx.maps.find((m) => m.metadata.name === mapName(name)),
  read(ctx, name) {
    const obj = ctx.maps.find((m) => m.metadata.name === mapName(name));
    return obj ? readFault(obj) : null;
  },
  list: (ctx) => ({
    items: ctx.maps.filter((m) => !m.metadata.name.endsWith('-alarm')).map(readFault),
  }),
  nameOf: (form) => form.name,
  plan(ctx, form, name) {
    if (form.percent < 0 || form.percent > 100) throw badRequest('A percentage', 'percent');
    if (name !== undefined && form.name !== name) throw badRequest('A rule cannot be renamed', 'name');
    return planFault(ctx, form);
  },
  planDelete(ctx, name) {
    const writes = ctx.maps
      .filter((m) => m.metadata.labels?.[FAULT_LABEL] === name)
      .map((m): PlannedWrite => ({ action: 'delete', object: m, current: m }));
    return { writes, warnings: [] };
  },
  planRollback(ctx, name, saved) {
    const main = saved.find((o) => o.metadata.name === mapName(name));
    if (!main) return { plan: faultKind.planDelete(ctx, name, undefined), restored: false };
    return { plan: planFault(ctx, { name, percent: readFault(main as MeshObject).percent }), restored: true };
  },
  preview: (_ctx, plan, objects) => ({
    objects: objects.map((o) => ({ action: o.action, name: o.name, diff: o.diff })),
    warnings: plan.warnings,
  }),
};

/** Object writes that can be made to fail for one object name. */
class FailingObjects extends MeshObjects {
  failOn: string | null = null;
  /** Dry runs refused at once, before the preview has made its YAML. */
  refuseDryRuns = false;
  override async create(obj: KubeObject, opts?: WriteOptions) {
    if (!opts?.dryRun && obj.metadata.name === this.failOn) throw new Error('injected failure');
    if (opts?.dryRun && this.refuseDryRuns) throw badRequest('refused by the dry run', 'data');
    return super.create(obj, opts);
  }
}

describe('RuleService with a kind defined from scratch', () => {
  let dataDir: string;
  let cp: ControlPlane;
  let kube: KubeClient;
  let catalog: InformerCatalog;
  let objects: FailingObjects;
  let faults: RuleService<FaultTypes>;
  const SERVICE = 'reviews.bookinfo.svc.cluster.local';
  const live = async () =>
    (await kube.core.listNamespacedConfigMap({ namespace: 'bookinfo', labelSelector: FAULT_LABEL })).items
      .map((c) => `${c.metadata?.name}=${c.data?.percent}`)
      .sort();
  const caught = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (err: unknown) => err as ApiError,
    );

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-rules-'));
    cp = await startControlPlane({ dataDir, logger: silentLogger() });
    kube = KubeClient.forLoopback(cp.url, cp.token);
    await seedDemoMesh(kube, silentLogger());
    catalog = await InformerCatalog.start(kube, silentLogger());
    objects = new FailingObjects(kube);
    faults = new RuleService(
      { objects, catalog, history: new RevisionHistory(kube, 'faults'), log: silentLogger() },
      faultKind,
    );
  });

  afterAll(async () => {
    await catalog?.stop();
    await cp?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('previews by a dry run, writing nothing', async () => {
    const preview = await faults.preview(SERVICE, { name: 'slow', percent: 100 });
    expect(preview.objects.map((o) => `${o.action} ${o.name}`)).toEqual([
      'create fault-slow',
      'create fault-slow-alarm',
    ]);
    expect(preview.objects[0]?.diff).toContain('+  percent:');
    expect(preview.warnings).toEqual(['every call fails']);
    expect(await live()).toEqual([]);
    expect((await caught(faults.preview(SERVICE, { name: 'slow', percent: 101 })))?.status).toBe(400);
  });

  it('reports a dry run refused while the YAML is made, leaving no rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    objects.refuseDryRuns = true;
    try {
      const refused = await caught(faults.preview(SERVICE, { name: 'c', percent: 10 }));
      expect([refused?.status, refused?.message, refused?.field]).toEqual([
        400,
        'refused by the dry run',
        'data',
      ]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      objects.refuseDryRuns = false;
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(await live()).toEqual([]);
  });

  it('creates, refuses a taken name and a stale update, updates, rolls back and deletes, with a revision each', async () => {
    const created = await faults.create(SERVICE, { name: 'a', percent: 10, comment: 'first' }, 'alice');
    expect(created).toMatchObject({ name: 'a', percent: 10 });
    expect(await faults.list(SERVICE)).toEqual({ items: [created] });

    const taken = await caught(faults.create(SERVICE, { name: 'a', percent: 20 }, 'alice'));
    expect([taken?.status, taken?.code, taken?.message]).toEqual([
      409,
      'AlreadyExists',
      'Fault a already exists; edit it or choose another name',
    ]);

    const stale = await caught(
      faults.update(SERVICE, 'a', { name: 'a', percent: 20, resourceVersion: '1' }, 'bob'),
    );
    expect([stale?.status, stale?.message]).toEqual([
      409,
      'Fault a was changed by someone else after you opened it. Reload to see the live version and the difference, then apply again; your form is kept.',
    ]);

    await faults.update(
      SERVICE,
      'a',
      { name: 'a', percent: 80, resourceVersion: created.resourceVersion },
      'bob',
    );
    expect(await live()).toEqual(['fault-a-alarm=80', 'fault-a=80']);

    const back = await faults.rollback(SERVICE, 'a', 1, 'carol', 'too many');
    expect(back?.percent).toBe(10);
    expect(await live()).toEqual(['fault-a=10']);

    await faults.remove(SERVICE, 'a', { comment: 'done' }, 'dave');
    expect((await caught(faults.get(SERVICE, 'a')))?.message).toBe(`Fault a of ${SERVICE} was not found`);
    expect(await live()).toEqual([]);

    const revisions = (await faults.revisions(SERVICE, 'a')).items;
    expect(revisions.map((r) => [r.revision, r.action, r.user, r.comment, r.fromRevision])).toEqual([
      [4, 'delete', 'dave', 'done', undefined],
      [3, 'rollback', 'carol', 'too many', 1],
      [2, 'update', 'bob', undefined, undefined],
      [1, 'create', 'alice', 'first', undefined],
    ]);
    // Rolling back to a deletion deletes, and answers no rule.
    await faults.create(SERVICE, { name: 'a', percent: 5 }, 'erin');
    expect(await faults.rollback(SERVICE, 'a', 4, 'erin')).toBeNull();
    expect(await live()).toEqual([]);
  });

  it('undoes the first write when a later one fails, and records no revision', async () => {
    objects.failOn = alarmName('b');
    try {
      await expect(faults.create(SERVICE, { name: 'b', percent: 90 }, 'alice')).rejects.toThrow();
    } finally {
      objects.failOn = null;
    }
    expect(await live()).toEqual([]);
    expect((await faults.revisions(SERVICE, 'b')).items).toEqual([]);
  });

  it('answers 404 for an unknown service or revision', async () => {
    expect((await caught(faults.list('nope.default.svc.cluster.local')))?.message).toBe(
      'Service nope.default.svc.cluster.local was not found',
    );
    expect((await caught(faults.rollback(SERVICE, 'zz', 9, 'alice')))?.message).toBe(
      'Revision 9 of fault zz was not found',
    );
  });
});

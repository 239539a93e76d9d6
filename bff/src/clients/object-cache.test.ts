import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane } from '../embedded/control-plane';
import type { ControlPlane } from '../embedded/control-plane';
import { createMetrics } from '../lib/metrics';
import type { ConsoleMetrics } from '../lib/metrics';
import { isKubeStatus, kubeStatusOf } from './kube-errors';
import { KubeClient } from './kube';
import { MeshObjects } from './mesh-objects';
import type { KubeObject } from './mesh-objects';

/** Calls of a verb on a resource, as kube.ts recorded them in `kubeDuration`. */
async function kubeCalls(metrics: ConsoleMetrics, verb: string, resource: string): Promise<number> {
  const { values } = await metrics.kubeDuration.get();
  return values
    .filter(
      (v) => v.metricName?.endsWith('_count') && v.labels.verb === verb && v.labels.resource === resource,
    )
    .reduce((sum, v) => sum + v.value, 0);
}

const VS = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' };
const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const SECRET = { apiVersion: 'v1', kind: 'Secret' };
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' };

const vs = (name: string, namespace: string, weight = 100): KubeObject => ({
  ...VS,
  metadata: { name, namespace, labels: { app: name } },
  spec: { hosts: [name], http: [{ route: [{ destination: { host: name }, weight }] }] },
});
const weightOf = (o: KubeObject | undefined) =>
  (o as { spec: { http: { route: { weight: number }[] }[] } } | undefined)?.spec.http[0]?.route[0]?.weight;

describe('MeshObjects reads from an informer cache', () => {
  let dataDir: string;
  let cp: ControlPlane;
  let kube: KubeClient;
  let metrics: ConsoleMetrics;
  let objects: MeshObjects;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'object-cache-test-'));
    cp = await startControlPlane({ dataDir, controllers: false });
    metrics = createMetrics();
    kube = KubeClient.forLoopback(cp.url, cp.token, { metrics });
    for (const ns of ['a', 'b'])
      await kube.core.createNamespace({ body: { metadata: { name: ns, labels: { team: ns } } } });
    const live = new MeshObjects(kube, { cache: false });
    for (const [name, ns] of [
      ['one', 'a'],
      ['two', 'a'],
      ['three', 'b'],
    ] as const)
      await live.create(vs(name, ns));
    for (const [name, labels] of [
      ['c1', { tier: 'web', rev: '1' }],
      ['c2', { tier: 'db', rev: '2' }],
      ['c3', { rev: '3' }],
    ] as const)
      await live.create({ ...CM, metadata: { name, namespace: 'a', labels }, data: {} });
    objects = new MeshObjects(kube);
  }, 60_000);

  afterAll(async () => {
    await objects?.close();
    await cp?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists once, then answers from memory by namespace', async () => {
    const before = await kubeCalls(metrics, 'list', 'virtualservices');
    const names = async (ns: string) => (await objects.list(VS, ns)).map((o) => o.metadata.name).sort();
    expect(await names('a')).toEqual(['one', 'two']);
    for (let i = 0; i < 20; i++) expect(await names('b')).toEqual(['three']);
    expect(await names('')).toEqual(['one', 'three', 'two']);
    expect((await objects.get(VS, 'a', 'two')).metadata.name).toBe('two');
    // One list for the informer, none per read; the object read came from memory too.
    expect(await kubeCalls(metrics, 'list', 'virtualservices')).toBe(before + 1);
    expect(await kubeCalls(metrics, 'get', 'virtualservices')).toBe(0);
    // Cluster-scoped kinds are held under no namespace and listed whatever namespace is asked for.
    expect((await objects.get(NAMESPACE, '', 'b')).metadata.labels).toEqual(
      expect.objectContaining({ team: 'b' }),
    );
  });

  it('holds only the ConfigMaps with the label a selector requires, and reads the others live', async () => {
    const names = async (selector?: string) =>
      (await objects.list(CM, 'a', selector)).map((o) => o.metadata.name).sort();
    const before = await kubeCalls(metrics, 'list', 'configmaps');
    expect(await names('rev')).toEqual(['c1', 'c2', 'c3']);
    expect(await names('rev in (2,3)')).toEqual(['c2', 'c3']);
    // One list, of the ConfigMaps with `rev` only (the informer's), then memory.
    expect(await kubeCalls(metrics, 'list', 'configmaps')).toBe(before + 1);
    // Without a label to scope by, a list of ConfigMaps goes to the server.
    await names('!tier');
    expect(await kubeCalls(metrics, 'list', 'configmaps')).toBe(before + 2);

    // A write that removes the label takes the object out of the scoped cache at once.
    const c1 = await new MeshObjects(kube, { cache: false }).get(CM, 'a', 'c1');
    await objects.replace({ ...c1, metadata: { ...c1.metadata, labels: { tier: 'web' } } });
    expect(await names('rev')).toEqual(['c2', 'c3']);
  });

  it('lists a kind ahead of its first read when warmed', async () => {
    const DR = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule' };
    await objects.warm([DR, SECRET]);
    const lists = await kubeCalls(metrics, 'list', 'destinationrules');
    expect(lists).toBe(1);
    expect(await objects.list(DR, 'a')).toEqual([]);
    expect(await kubeCalls(metrics, 'list', 'destinationrules')).toBe(lists);
  });

  it('selects by label as the API server does', async () => {
    const live = new MeshObjects(kube, { cache: false });
    for (const selector of [
      'tier=web',
      'tier!=web',
      'rev in (1,3)',
      '!tier',
      'tier,rev>1',
      'rev',
      undefined,
    ]) {
      const cached = (await objects.list(CM, 'a', selector)).map((o) => o.metadata.name).sort();
      const fromServer = (await live.list(CM, 'a', selector)).map((o) => o.metadata.name).sort();
      expect(cached, selector).toEqual(fromServer);
    }
  });

  it('hands out objects callers cannot change in the cache', async () => {
    const [first] = await objects.list(VS, 'b');
    expect(() => {
      (first as KubeObject).metadata.name = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      ((first as KubeObject).spec as { hosts: string[] }).hosts.push('x');
    }).toThrow(TypeError);
    expect((await objects.get(VS, 'b', 'three')).spec).toEqual(vs('three', 'b').spec);
  });

  it('reads its own writes at once: create, replace, delete, and those of other clients of the server', async () => {
    const created = await objects.create(vs('four', 'a', 10));
    expect((await objects.list(VS, 'a')).map((o) => o.metadata.name)).toContain('four');

    const replaced = await objects.replace({ ...created, spec: vs('four', 'a', 20).spec });
    expect(weightOf(await objects.get(VS, 'a', 'four'))).toBe(20);
    expect((await objects.get(VS, 'a', 'four')).metadata.resourceVersion).toBe(
      replaced.metadata.resourceVersion,
    );

    // Another client of the same server (the impersonating one, a test's own): seen at once too.
    const other = KubeClient.forLoopback(cp.url, cp.token);
    await other.custom.patchNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: 'a',
      plural: 'virtualservices',
      name: 'four',
      body: [{ op: 'replace', path: '/spec/http/0/route/0/weight', value: 30 }],
    });
    expect(weightOf(await objects.get(VS, 'a', 'four'))).toBe(30);

    await objects.delete(await objects.get(VS, 'a', 'four'));
    expect((await objects.list(VS, 'a')).map((o) => o.metadata.name)).not.toContain('four');
    // The watch's events for the object come later and do not bring it back.
    await new Promise((r) => setTimeout(r, 300));
    expect((await objects.list(VS, 'a')).map((o) => o.metadata.name)).not.toContain('four');

    // A dry run changes nothing held.
    await objects.create(vs('dry', 'a'), { dryRun: true });
    expect((await objects.list(VS, 'a')).map((o) => o.metadata.name)).not.toContain('dry');
  });

  it('still refuses a write based on a stale read with 409', async () => {
    const read = await objects.get(VS, 'a', 'one');
    await objects.replace({ ...read, spec: vs('one', 'a', 50).spec });
    const stale = { ...read, spec: vs('one', 'a', 60).spec };
    const err = await objects.replace(stale).catch((e: unknown) => e);
    expect(isKubeStatus(err, 409)).toBe(true);
    expect(weightOf(await objects.get(VS, 'a', 'one'))).toBe(50);
    const deleteErr = await objects.delete(read).catch((e: unknown) => e);
    expect(isKubeStatus(deleteErr, 409)).toBe(true);
  });

  it("answers a write with the object as the control plane stored it (or would, in a dry run), and keeps a refusal's Status", async () => {
    const dry = await objects.create(vs('dry', 'a', 30), { dryRun: true });
    // The API server's JSON as it came: its times as it writes them, the fields it sets, the kind.
    expect(dry).toMatchObject({ ...VS, metadata: { name: 'dry', namespace: 'a' } });
    expect(dry.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(dry.metadata.uid).toEqual(expect.any(String));
    expect(weightOf(dry)).toBe(30);
    // Nothing written.
    const live = new MeshObjects(kube, { cache: false });
    expect(await live.get(VS, 'a', 'dry').catch((e: unknown) => isKubeStatus(e, 404))).toBe(true);
    // A refusal is the API server's Status, with its reason and causes.
    const invalid = { ...vs('bad', 'a'), spec: { hosts: 'not-a-list' } } as unknown as KubeObject;
    const refused = await objects.create(invalid, { dryRun: true }).catch((e: unknown) => e);
    const status = kubeStatusOf(refused);
    expect(status?.code).toBe(422);
    expect(status?.reason).toBe('Invalid');
    expect(status?.details?.causes?.[0]?.field).toContain('spec.hosts');
    // A replace, dry or not, answers the object at its new version.
    const read = await live.get(VS, 'a', 'two');
    const replaced = await objects.replace({ ...read, spec: vs('two', 'a', 70).spec }, { dryRun: true });
    expect(weightOf(replaced)).toBe(70);
    expect(weightOf(await live.get(VS, 'a', 'two'))).toBe(100);
  });

  it('sees writes made elsewhere through its watch', async () => {
    const other = new MeshObjects(KubeClient.forLoopback(cp.url, cp.token), { cache: false });
    // A separate kubeconfig's client is another cache; its write reaches this one by the watch.
    await other.create(vs('five', 'b'));
    await expect
      .poll(async () => (await objects.list(VS, 'b')).map((o) => o.metadata.name))
      .toContain('five');
  });

  it('reads live what it does not cache: Secrets, unserved kinds, and when asked to', async () => {
    await kube.core.createNamespacedSecret({
      namespace: 'a',
      body: { metadata: { name: 's' }, stringData: { k: 'v' } },
    });
    const before = await kubeCalls(metrics, 'list', 'secrets');
    await objects.list(SECRET, 'a');
    await objects.list(SECRET, 'a');
    expect(await kubeCalls(metrics, 'list', 'secrets')).toBe(before + 2);

    // A kind the cluster does not serve fails as a live read does, and keeps failing the same way.
    const unserved = { apiVersion: 'example.com/v1', kind: 'Nothing' };
    // The message quotes the answer's headers; its Date header may tick between the two reads.
    const failure = (e: unknown) => (e as Error).message.replace(/\nHeaders: .*/s, '');
    const live = await new MeshObjects(kube, { cache: false }).list(unserved, 'a').catch(failure);
    expect(live).toContain('404');
    for (let i = 0; i < 2; i++) expect(await objects.list(unserved, 'a').catch(failure)).toBe(live);

    const uncached = new MeshObjects(kube, { cache: false });
    const lists = await kubeCalls(metrics, 'list', 'virtualservices');
    await uncached.list(VS, 'a');
    await uncached.list(VS, 'a');
    expect(await kubeCalls(metrics, 'list', 'virtualservices')).toBe(lists + 2);
  });
});

describe('MeshObjects caches every page of a kind', () => {
  let dataDir: string;
  let cp: ControlPlane;
  let kube: KubeClient;
  let metrics: ConsoleMetrics;
  let objects: MeshObjects;
  const COUNT = 250;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'object-cache-pages-'));
    cp = await startControlPlane({ dataDir, controllers: false });
    metrics = createMetrics();
    kube = KubeClient.forLoopback(cp.url, cp.token, { metrics });
    const names = Array.from({ length: COUNT }, (_, i) => `r-${i}`);
    cp.store.createMany(
      { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' },
      'default',
      names.map((name) => vs(name, 'default')),
    );
    cp.store.createMany(
      { group: '', version: 'v1', plural: 'configmaps' },
      'default',
      names.map((name) => ({ ...CM, metadata: { name, namespace: 'default', labels: { paged: 'yes' } } })),
    );
    objects = new MeshObjects(kube, { pageSize: 100 });
  }, 60_000);

  afterAll(async () => {
    await objects?.close();
    await cp?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds all objects of a custom kind listed in several pages (continue kept)', async () => {
    const all = await objects.list(VS, '');
    expect(all).toHaveLength(COUNT);
    expect(new Set(all.map((o) => o.metadata.name)).size).toBe(COUNT);
    // 250 objects by 100: three pages.
    expect(await kubeCalls(metrics, 'list', 'virtualservices')).toBe(3);
  });

  it('holds all ConfigMaps of its label scope listed in several pages', async () => {
    expect(await objects.list(CM, 'default', 'paged')).toHaveLength(COUNT);
    expect(await kubeCalls(metrics, 'list', 'configmaps')).toBe(3);
  });
});

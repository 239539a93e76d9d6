import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { ApiException, Watch } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startControlPlane } from '../embedded/control-plane';
import type { ControlPlane } from '../embedded/control-plane';
import { createMetrics } from '../lib/metrics';
import type { ConsoleMetrics } from '../lib/metrics';
import { Informer, olderThan } from './informer';
import type { ListPage } from './informer';
import { KubeClient } from './kube';

/** Calls of a verb on a resource, as kube.ts recorded them in `kubeDuration`. */
async function kubeCalls(metrics: ConsoleMetrics, verb: string, resource: string): Promise<number> {
  const { values } = await metrics.kubeDuration.get();
  return values
    .filter(
      (v) => v.metricName?.endsWith('_count') && v.labels.verb === verb && v.labels.resource === resource,
    )
    .reduce((sum, v) => sum + v.value, 0);
}

const cm = (name: string, v: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels: { test: 'informer', ...labels } },
  data: { v, padding: 'x'.repeat(200) },
});

interface Slim {
  name: string;
  v: string | undefined;
}
const slim = (o: KubernetesObject): Slim => ({
  name: o.metadata?.name ?? '',
  v: (o as { data?: { v?: string } }).data?.v,
});

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the informer against the embedded control plane', () => {
  let dataDir: string;
  let cp: ControlPlane;
  let kube: KubeClient;
  let metrics: ConsoleMetrics;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'informer-test-'));
    // A short event history, so a watch resumed after a few writes is told 410 Gone.
    cp = await startControlPlane({ dataDir, controllers: false, eventRetention: 20 });
    metrics = createMetrics();
    kube = KubeClient.forLoopback(cp.url, cp.token, { metrics });
    for (let i = 0; i < 250; i += 25)
      await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          kube.core.createNamespacedConfigMap({ namespace: 'default', body: cm(`cm-${i + j}`, '0') }),
        ),
      );
  }, 60_000);

  afterAll(async () => {
    await cp?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists in pages, keeps only the transform, and applies it to watch events', async () => {
    const before = await kubeCalls(metrics, 'list', 'configmaps');
    const informer = kube.informer<Slim>(
      { group: '', version: 'v1', plural: 'configmaps' },
      undefined as never,
      { transform: slim, pageSize: 100 },
    );
    const added: Slim[] = [];
    const updated: Slim[] = [];
    informer.on('add', (o) => added.push(o));
    informer.on('update', (o) => updated.push(o));
    await informer.start();
    try {
      const mine = informer.list().filter((o) => o.name.startsWith('cm-'));
      expect(mine).toHaveLength(250);
      // 250 objects (and the control plane's own ConfigMaps) in pages of 100: three requests.
      expect(await kubeCalls(metrics, 'list', 'configmaps')).toBe(before + 3);
      // Only what the transform kept, never the object.
      expect(mine[0]).toEqual({ name: expect.stringMatching(/^cm-/), v: '0' });
      expect(Object.keys(mine[0] as object)).toEqual(['name', 'v']);
      // Seconds since it last heard from the control plane: it has just listed.
      const lag = (await metrics.informerLag.get()).values.find((v) => v.labels.resource === 'configmaps');
      expect(lag?.value).toBeGreaterThanOrEqual(0);
      expect(lag?.value).toBeLessThan(5);
      expect((await metrics.informerObjects.get()).values).toContainEqual(
        expect.objectContaining({ labels: { resource: 'configmaps' }, value: informer.size() }),
      );

      await kube.core.createNamespacedConfigMap({ namespace: 'default', body: cm('watched', '1') });
      await kube.core.replaceNamespacedConfigMap({
        namespace: 'default',
        name: 'cm-7',
        body: { ...cm('cm-7', '2'), metadata: { ...cm('cm-7', '2').metadata } },
      });
      await until(() => informer.get('cm-7', 'default')?.v === '2', 'the update of cm-7');
      await until(() => informer.get('watched', 'default') !== undefined, 'the new ConfigMap');
      expect(informer.get('watched', 'default')).toEqual({ name: 'watched', v: '1' });
      expect(added).toContainEqual({ name: 'watched', v: '1' });
      expect(updated).toContainEqual({ name: 'cm-7', v: '2' });
    } finally {
      await informer.stop();
    }
  });

  it('lists every page of a custom kind (its continue token kept) and watches from the list', async () => {
    const gvr = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' };
    cp.store.createMany(
      gvr,
      'default',
      Array.from({ length: 250 }, (_, i) => ({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: `vs-${i}` },
        spec: { hosts: [`vs-${i}`] },
      })),
    );
    const before = await kubeCalls(metrics, 'list', 'virtualservices');
    const informer = kube.informer(gvr, undefined as never, { pageSize: 100 });
    await informer.start();
    try {
      expect(informer.size()).toBe(250);
      expect(await kubeCalls(metrics, 'list', 'virtualservices')).toBe(before + 3);
      // Raw JSON, as a watch event is: times are strings, never Dates.
      expect(typeof informer.get('vs-1', 'default')?.metadata?.creationTimestamp).toBe('string');
      const listed = informer.latestResourceVersion();
      expect(listed).toMatch(/^\d+$/);
      await kube.custom.createNamespacedCustomObject({
        ...gvr,
        namespace: 'default',
        body: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'vs-late' },
          spec: { hosts: ['vs-late'] },
        },
      });
      await until(() => informer.get('vs-late', 'default') !== undefined, 'the watched VirtualService');
      expect(await kubeCalls(metrics, 'list', 'virtualservices')).toBe(before + 3);
    } finally {
      await informer.stop();
    }
  });

  it("reports an expired continue token of a raw list as 410, which starts an informer's list over", async () => {
    const gvr = { group: '', version: 'v1', plural: 'configmaps' };
    const first = await kube.listRaw(gvr, { limit: 100 });
    const token = first.metadata?.continue;
    expect(token).toBeTruthy();
    // More writes than the control plane keeps events of (eventRetention 20): the token expires.
    cp.store.createMany(
      gvr,
      'default',
      Array.from({ length: 30 }, (_, i) => cm(`expire-${i}`, '0')),
    );
    const err = await kube.listRaw(gvr, { limit: 100, continue: token }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(410);
  });

  it("keeps its HTTPS connections alive across requests, with the kubeconfig's TLS settings", async () => {
    // The kubeconfig the control plane writes: HTTPS, its CA, a token.
    const secure = KubeClient.load(cp.kubeconfigPath);
    const connect = vi.spyOn(https.Agent.prototype, 'createConnection');
    try {
      for (let i = 0; i < 20; i++)
        await secure.core.readNamespacedConfigMap({ namespace: 'default', name: 'cm-1' });
      await secure.core.createNamespacedConfigMap({
        namespace: 'default',
        body: cm('dry', '0'),
        dryRun: 'All',
      });
      // One connection for all of them (client-node alone made a new TLS connection per request).
      expect(connect.mock.calls.length).toBe(1);
      // An informer's list and then its watch: the watch takes the list's idle connection.
      const informer = secure.informer(
        { group: '', version: 'v1', plural: 'namespaces' },
        undefined as never,
      );
      let connected = false;
      informer.on('connect', () => (connected = true));
      await informer.start();
      await until(() => connected, 'the watch');
      await informer.stop();
      expect(connect.mock.calls.length).toBe(1);
    } finally {
      connect.mockRestore();
    }
    // The same kubeconfig without its CA now (the server's certificate is then not trusted): the
    // kept connection is not the new settings' and is not used, the request is refused.
    const cluster = secure.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('no cluster');
    secure.kubeConfig.clusters = [{ ...cluster, caFile: undefined, caData: undefined }];
    const refused = await secure.core
      .readNamespacedConfigMap({ namespace: 'default', name: 'cm-1' })
      .catch((e: unknown) => e);
    expect(String((refused as Error).message ?? refused)).toMatch(/certificate/i);
  });

  it('records every call of a client and of its non-impersonating twin in kubeDuration', async () => {
    const own = KubeClient.forLoopback(cp.url, cp.token, {
      metrics,
      impersonate: true,
    }).withoutImpersonation();
    const before = await kubeCalls(metrics, 'get', 'configmaps');
    await own.core.readNamespacedConfigMap({ namespace: 'default', name: 'cm-100' });
    await own.core.readNamespacedConfigMap({ namespace: 'default', name: 'missing' }).catch(() => null);
    expect(await kubeCalls(metrics, 'get', 'configmaps')).toBe(before + 2);
    const { values } = await metrics.kubeDuration.get();
    expect(values).toContainEqual(
      expect.objectContaining({
        metricName: 'mesh_console_kube_request_duration_seconds_count',
        labels: { verb: 'get', resource: 'configmaps', code: '404' },
        value: 1,
      }),
    );
  });

  it('lists again after 410 Gone when the events since its resourceVersion are no longer kept', async () => {
    // A watch that can be held back, to make writes while the informer is not watching.
    const real = new Watch(kube.kubeConfig);
    let held: (() => void) | null = null;
    let hold = false;
    let current: AbortController | null = null;
    const watch = {
      watch: async (...args: Parameters<Watch['watch']>) => {
        if (hold) await new Promise<void>((resolve) => (held = resolve));
        current = await real.watch(...args);
        return current;
      },
    } as unknown as Watch;
    const informer = new Informer<Slim>({
      path: '/api/v1/configmaps',
      resource: 'configmaps',
      listPage: kube.listPage({ group: '', version: 'v1', plural: 'configmaps' }),
      watch,
      transform: slim,
      retryMs: 10,
    });
    await informer.start();
    const told: string[] = [];
    informer.on('add', (o) => told.push(`add ${o.name}`));
    informer.on('update', (o) => told.push(`update ${o.name}`));
    informer.on('delete', (o) => told.push(`delete ${o.name}`));
    try {
      await until(() => current !== null, 'the watch');
      const listsBefore = await kubeCalls(metrics, 'list', 'configmaps');
      hold = true;
      (current as AbortController | null)?.abort();
      // More writes than the control plane keeps events for (20).
      for (let i = 0; i < 30; i++)
        await kube.core.deleteNamespacedConfigMap({ namespace: 'default', name: `cm-${i}` });
      await kube.core.createNamespacedConfigMap({ namespace: 'default', body: cm('after-gap', '3') });
      hold = false;
      await until(() => held !== null, 'the held watch');
      (held as (() => void) | null)?.();
      await until(() => informer.get('after-gap', 'default') !== undefined, 'the relist');
      expect(informer.get('cm-0', 'default')).toBeUndefined();
      expect(informer.get('cm-29', 'default')).toBeUndefined();
      expect(informer.get('cm-30', 'default')).toEqual({ name: 'cm-30', v: '0' });
      expect(await kubeCalls(metrics, 'list', 'configmaps')).toBeGreaterThan(listsBefore);
      // The relist tells what changed, not every object again.
      expect(told.filter((t) => t.startsWith('update'))).toEqual([]);
      expect(told).toContain('add after-gap');
      expect(told.filter((t) => t.startsWith('delete cm-'))).toHaveLength(30);
    } finally {
      await informer.stop();
    }
  });
});

/** A watch that only delivers what the test sends. */
function fakeWatch() {
  let send: ((type: string, obj: KubernetesObject) => void) | null = null;
  const watch = {
    watch: (_path: string, _q: unknown, cb: (type: string, obj: KubernetesObject) => void) => {
      send = cb;
      return Promise.resolve(new AbortController());
    },
  } as unknown as Watch;
  return {
    watch,
    send: (type: string, obj: KubernetesObject) => {
      if (!send) throw new Error('not watching');
      send(type, obj);
    },
  };
}

const obj = (name: string, rv: string, v = rv): KubernetesObject =>
  ({ metadata: { name, namespace: 'ns', resourceVersion: rv }, data: { v } }) as KubernetesObject;

describe('the informer, with events the test chooses', () => {
  it('starts the list over when a continue token has expired (410)', async () => {
    let calls = 0;
    const listPage = (limit: number, token: string | undefined): Promise<ListPage> => {
      calls++;
      expect(limit).toBe(2);
      if (token === 'stale') throw new ApiException(410, 'Gone', {}, {});
      if (token === 'fresh')
        return Promise.resolve({ metadata: { resourceVersion: '9' }, items: [obj('c', '9')] });
      // The first list's continue token has expired by the time it is used; the second's has not.
      return Promise.resolve({
        metadata: { resourceVersion: '8', continue: calls === 1 ? 'stale' : 'fresh' },
        items: [obj('a', '5'), obj('b', '6')],
      });
    };
    const informer = new Informer({
      path: '/x',
      resource: 'x',
      listPage,
      watch: fakeWatch().watch,
      pageSize: 2,
    });
    await informer.start();
    await informer.stop();
    expect(calls).toBe(4);
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    expect(informer.latestResourceVersion()).toBe('9');
  });

  it('tellWhileListing: tells each page of its first list as it arrives, and at the end what a list that started over lost', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const lastPage = new Promise<void>((r) => (release = r));
    const listPage = async (_limit: number, token: string | undefined): Promise<ListPage> => {
      calls++;
      if (token === 'stale') throw new ApiException(410, 'Gone', {}, {});
      if (token === 'fresh') {
        await lastPage;
        return { metadata: { resourceVersion: '9' }, items: [obj('d', '9')] };
      }
      // The first attempt has a and b; by the second, b is gone, a is unchanged and c is new.
      return calls === 1
        ? { metadata: { resourceVersion: '6', continue: 'stale' }, items: [obj('a', '5'), obj('b', '6')] }
        : { metadata: { resourceVersion: '8', continue: 'fresh' }, items: [obj('a', '5'), obj('c', '7')] };
    };
    const informer = new Informer({
      path: '/x',
      resource: 'x',
      listPage,
      watch: fakeWatch().watch,
      pageSize: 2,
      tellWhileListing: true,
    });
    const told: string[] = [];
    for (const verb of ['add', 'update', 'delete'] as const)
      informer.on(verb, (o) => told.push(`${verb} ${o.metadata?.name}`));
    const started = informer.start();
    // Before the last page is answered, what came so far has been told, each object once.
    await until(() => told.includes('add c'), 'the second page to be told');
    expect(told).toEqual(['add a', 'add b', 'add c']);
    release();
    await started;
    await informer.stop();
    // b was told, then the list started over without it: it is deleted at the end.
    expect(told).toEqual(['add a', 'add b', 'add c', 'add d', 'delete b']);
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['a', 'c', 'd']);
  });

  it('ignores events older than what it holds, and a late event for what this replica deleted', async () => {
    const w = fakeWatch();
    const informer = new Informer({
      path: '/x',
      resource: 'x',
      listPage: () => Promise.resolve({ metadata: { resourceVersion: '10' }, items: [obj('a', '10')] }),
      watch: w.watch,
    });
    await informer.start();
    try {
      await until(() => {
        try {
          w.send('BOOKMARK', { metadata: { resourceVersion: '10' } });
          return true;
        } catch {
          return false;
        }
      }, 'the watch');
      // This replica's write (rv 12) is held before its event comes; an older event is ignored.
      informer.upsert(obj('a', '12'));
      w.send('MODIFIED', obj('a', '11'));
      expect(informer.get('a', 'ns')?.metadata?.resourceVersion).toBe('12');
      w.send('DELETED', obj('a', '11'));
      expect(informer.get('a', 'ns')).toBeDefined();
      w.send('MODIFIED', obj('a', '13'));
      expect(informer.get('a', 'ns')?.metadata?.resourceVersion).toBe('13');

      // Deleted here: an event from before the deletion does not bring it back…
      informer.remove('ns', 'a', '13');
      w.send('MODIFIED', obj('a', '13'));
      w.send('ADDED', obj('a', '12'));
      expect(informer.get('a', 'ns')).toBeUndefined();
      // …but the object created again under that name (a newer resourceVersion) is held.
      w.send('ADDED', obj('a', '20'));
      expect(informer.get('a', 'ns')?.metadata?.resourceVersion).toBe('20');

      // resourceVersions that are not integers cannot be ordered: the event is taken.
      informer.upsert(obj('b', 'abc'));
      w.send('MODIFIED', obj('b', 'abb'));
      expect(informer.get('b', 'ns')?.metadata?.resourceVersion).toBe('abb');
    } finally {
      await informer.stop();
    }
  });

  it('hands out one frozen list while nothing changes, and a new one after each change', async () => {
    const w = fakeWatch();
    const informer = new Informer({
      path: '/x',
      resource: 'x',
      listPage: () =>
        Promise.resolve({ metadata: { resourceVersion: '10' }, items: [obj('a', '9'), obj('b', '10')] }),
      watch: w.watch,
    });
    await informer.start();
    try {
      const first = informer.listShared();
      expect(first.map((o) => o.metadata?.name).sort()).toEqual(['a', 'b']);
      expect(Object.isFrozen(first)).toBe(true);
      expect(informer.listShared()).toBe(first);
      const names = () =>
        informer
          .listShared()
          .map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
          .sort();
      informer.upsert(obj('a', '11'));
      expect(informer.listShared()).not.toBe(first);
      expect(names()).toEqual(['a@11', 'b@10']);
      const second = informer.listShared();
      informer.remove('ns', 'b', '12');
      expect(informer.listShared()).not.toBe(second);
      expect(names()).toEqual(['a@11']);
      // An ignored (older) write changes nothing, so the list stays the same.
      const third = informer.listShared();
      informer.upsert(obj('a', '10'));
      expect(informer.listShared()).toBe(third);
    } finally {
      await informer.stop();
    }
  });

  it("hands out one frozen list per namespace, new only after a change among that namespace's objects", async () => {
    const w = fakeWatch();
    const inNs = (name: string, namespace: string, rv: string): KubernetesObject => ({
      ...obj(name, rv),
      metadata: { name, namespace, resourceVersion: rv },
    });
    const informer = new Informer({
      path: '/x',
      resource: 'x',
      listPage: () =>
        Promise.resolve({
          metadata: { resourceVersion: '10' },
          items: [inNs('a', 'shop', '8'), inNs('b', 'shop', '9'), inNs('c', 'bank', '10')],
        }),
      watch: w.watch,
    });
    await informer.start();
    try {
      const names = (ns: string) => informer.listSharedIn(ns).map((o) => o.metadata?.name);
      const shop = informer.listSharedIn('shop');
      expect(names('shop').sort()).toEqual(['a', 'b']);
      expect(Object.isFrozen(shop)).toBe(true);
      expect(informer.listSharedIn('shop')).toBe(shop);
      // Another namespace's change leaves this one's list as it was.
      informer.upsert(inNs('c', 'bank', '11'));
      expect(informer.listSharedIn('shop')).toBe(shop);
      w.send('ADDED', inNs('d', 'shop', '12'));
      expect(informer.listSharedIn('shop')).not.toBe(shop);
      expect(names('shop').sort()).toEqual(['a', 'b', 'd']);
      const withD = informer.listSharedIn('shop');
      informer.remove('shop', 'a', '13');
      expect(informer.listSharedIn('shop')).not.toBe(withD);
      expect(names('shop').sort()).toEqual(['b', 'd']);
      expect(informer.listSharedIn('nowhere')).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it('orders resourceVersions as integers', () => {
    expect(olderThan('9', '10')).toBe(true);
    expect(olderThan('10', '9')).toBe(false);
    expect(olderThan('10', '10')).toBe(false);
    expect(olderThan('123456789012345678901', '123456789012345678902')).toBe(true);
    expect(olderThan('a', '10')).toBe(false);
    expect(olderThan('', '10')).toBe(false);
  });
});

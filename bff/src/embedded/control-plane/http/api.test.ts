import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../index';
import { eventually, removeDir, startTestControlPlane, virtualService } from '../testing/fixtures';

const ISTIO = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' };

describe('the HTTP API, through @kubernetes/client-node', () => {
  let cp: ControlPlane & { dataDir: string };
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;

  const raw = (path: string, init: RequestInit = {}) =>
    fetch(cp.url + path, {
      ...init,
      headers: {
        Authorization: `Bearer ${cp.token}`,
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  beforeAll(async () => {
    cp = await startTestControlPlane({ eventRetention: 20, bookmarkIntervalMs: 100 });
    kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await cp.close();
    removeDir(cp.dataDir);
  });

  it('writes a kubeconfig for kubectl: https with its CA, the token, context mesh-console-embedded', () => {
    expect(kc.getCurrentContext()).toBe('mesh-console-embedded');
    expect(kc.getContextObject('mesh-console-embedded')?.namespace).toBe('default');
    expect(kc.getCurrentCluster()?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kc.getCurrentCluster()?.caData).toBeTruthy();
    expect(kc.getCurrentUser()?.token).toBe(cp.token);
    expect(cp.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('requires the bearer token except on health and version endpoints', async () => {
    const denied = await fetch(`${cp.url}/api/v1/namespaces`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect(
      (await fetch(`${cp.url}/api/v1/namespaces`, { headers: { Authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    for (const path of ['/healthz', '/livez', '/readyz'])
      expect(await (await fetch(cp.url + path)).text()).toBe('ok');
    expect(await (await fetch(`${cp.url}/version`)).json()).toMatchObject({
      major: '1',
      minor: '32',
      gitVersion: 'v1.32.0-mesh-console-embedded',
    });
  });

  it('serves discovery like a cluster with Istio', async () => {
    const groups = (await (await raw('/apis')).json()) as {
      groups: { name: string; preferredVersion: { version: string }; versions: { version: string }[] }[];
    };
    const istio = groups.groups.find((g) => g.name === 'networking.istio.io');
    expect(istio?.preferredVersion.version).toBe('v1');
    expect(istio?.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1', 'v1alpha3']);
    const v1 = (await (await raw('/apis/networking.istio.io/v1')).json()) as {
      resources: Record<string, unknown>[];
    };
    expect(v1.resources.find((r) => r.name === 'virtualservices')).toMatchObject({
      kind: 'VirtualService',
      singularName: 'virtualservice',
      namespaced: true,
      shortNames: ['vs'],
      categories: ['istio-io', 'networking-istio-io'],
      verbs: expect.arrayContaining(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
    });
    expect(v1.resources.map((r) => r.name)).not.toContain('envoyfilters');
    const alpha = (await (await raw('/apis/networking.istio.io/v1alpha3')).json()) as {
      resources: { name: string }[];
    };
    expect(alpha.resources.map((r) => r.name)).toContain('envoyfilters');
    const core1 = (await (await raw('/api/v1')).json()) as {
      resources: { name: string; namespaced: boolean }[];
    };
    expect(core1.resources.find((r) => r.name === 'namespaces')?.namespaced).toBe(false);
    // kubectl's first request asks for aggregated discovery and also accepts the legacy document.
    const aggregated = await raw('/apis', {
      headers: {
        Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
      },
    });
    expect(aggregated.headers.get('content-type')).toBe('application/json');
    expect(await aggregated.json()).toMatchObject({ kind: 'APIGroupList' });
    expect((await raw('/apis/networking.istio.io/v1/envoyfilters')).status).toBe(404);
  });

  it('does create, get, list, replace, patch and delete with CustomObjectsApi', async () => {
    const body = virtualService('reviews');
    const created = (await custom.createNamespacedCustomObject({
      ...ISTIO,
      namespace: 'default',
      body,
    })) as KubernetesObject;
    expect(created.metadata?.resourceVersion).toBeTruthy();

    const got = (await custom.getNamespacedCustomObject({
      ...ISTIO,
      version: 'v1alpha3',
      namespace: 'default',
      name: 'reviews',
    })) as KubernetesObject;
    expect(got.apiVersion).toBe('networking.istio.io/v1alpha3');

    const list = (await custom.listNamespacedCustomObject({
      ...ISTIO,
      namespace: 'default',
    })) as KubernetesListObject<KubernetesObject>;
    expect(list.kind).toBe('VirtualServiceList');
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['reviews']);

    const replaced = (await custom.replaceNamespacedCustomObject({
      ...ISTIO,
      namespace: 'default',
      name: 'reviews',
      body: { ...virtualService('reviews', [50, 50]), metadata: created.metadata },
    })) as KubernetesObject;
    expect(replaced.metadata?.generation).toBe(2);

    const stale = await custom
      .replaceNamespacedCustomObject({
        ...ISTIO,
        namespace: 'default',
        name: 'reviews',
        body: { ...virtualService('reviews', [10, 90]), metadata: created.metadata },
      })
      .catch((err: unknown) => err);
    expect(stale).toBeInstanceOf(ApiException);
    const conflict = stale as ApiException<unknown>;
    expect(conflict.code).toBe(409);
    expect(JSON.parse(String(conflict.body))).toMatchObject({ reason: 'Conflict', code: 409 });

    const patched = (await custom.patchNamespacedCustomObject(
      { ...ISTIO, namespace: 'default', name: 'reviews', body: { spec: { gateways: ['mesh'] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { spec: { gateways: string[]; hosts: string[] } };
    expect(patched.spec).toMatchObject({ gateways: ['mesh'], hosts: ['reviews'] });

    const jsonPatched = (await custom.patchNamespacedCustomObject({
      ...ISTIO,
      namespace: 'default',
      name: 'reviews',
      body: [{ op: 'replace', path: '/spec/gateways/0', value: 'edge' }],
    })) as { spec: { gateways: string[] } };
    expect(jsonPatched.spec.gateways).toEqual(['edge']);

    await custom.deleteNamespacedCustomObject({ ...ISTIO, namespace: 'default', name: 'reviews' });
    const gone = await custom
      .getNamespacedCustomObject({ ...ISTIO, namespace: 'default', name: 'reviews' })
      .catch((e: unknown) => e);
    expect((gone as ApiException<unknown>).code).toBe(404);
  });

  it('answers 422 Invalid with causes over HTTP', async () => {
    const res = await raw('/apis/networking.istio.io/v1/namespaces/default/virtualservices', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(virtualService('bad', ['eighty'])),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      details: {
        name: 'bad',
        group: 'networking.istio.io',
        kind: 'VirtualService',
        causes: [{ field: 'spec.http[0].route[0].weight' }],
      },
    });
  });

  it('lists Services across namespaces with a label selector (CoreV1Api)', async () => {
    await core.createNamespace({ body: { metadata: { name: 'shop' } } });
    for (const [ns, name, tier] of [
      ['default', 'web', 'front'],
      ['shop', 'cart', 'back'],
      ['shop', 'pay', 'back'],
    ] as const) {
      await core.createNamespacedService({
        namespace: ns,
        body: {
          metadata: { name, labels: { tier } },
          spec: { ports: [{ port: 80 }], selector: { app: name } },
        },
      });
    }
    const back = await core.listServiceForAllNamespaces({ labelSelector: 'tier=back' });
    expect(back.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`)).toEqual([
      'shop/cart',
      'shop/pay',
    ]);
    const notFront = await core.listServiceForAllNamespaces({ labelSelector: 'tier notin (front)' });
    expect(notFront.items).toHaveLength(2);
  });

  it('feeds an informer (makeInformer) with add, update and delete', async () => {
    const seen: string[] = [];
    const informer = makeInformer(
      kc,
      '/apis/networking.istio.io/v1/namespaces/default/virtualservices',
      () =>
        custom.listNamespacedCustomObject({ ...ISTIO, namespace: 'default' }) as Promise<
          KubernetesListObject<KubernetesObject>
        >,
    );
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    await custom.createNamespacedCustomObject({
      ...ISTIO,
      namespace: 'default',
      body: virtualService('before'),
    });
    await informer.start();
    await eventually(() => seen.includes('add before'), 5000, 'the listed object');
    await custom.createNamespacedCustomObject({
      ...ISTIO,
      namespace: 'default',
      body: virtualService('ratings'),
    });
    await eventually(() => seen.includes('add ratings'), 5000, 'add');
    await custom.patchNamespacedCustomObject(
      { ...ISTIO, namespace: 'default', name: 'ratings', body: { spec: { gateways: ['mesh'] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually(() => seen.includes('update ratings'), 5000, 'update');
    await custom.deleteNamespacedCustomObject({ ...ISTIO, namespace: 'default', name: 'ratings' });
    await eventually(() => seen.includes('delete ratings'), 5000, 'delete');
    await informer.stop();
    expect(seen).toEqual(['add before', 'add ratings', 'update ratings', 'delete ratings']);
  });

  it('streams watch events, bookmarks, and 410 Expired for a compacted resourceVersion', async () => {
    const { resourceVersion: start } = cp.store.list(
      { group: '', version: 'v1', plural: 'configmaps' },
      'default',
    );
    for (let i = 0; i < 25; i++)
      cp.store.create({ group: '', version: 'v1', plural: 'configmaps' }, 'default', {
        metadata: { name: `cm-${i}` },
      });
    const events: {
      type: string;
      object: { code?: number; reason?: string; metadata?: { resourceVersion?: string } };
    }[] = [];
    let done = false;
    await new Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: start },
      (type, object: { code?: number; reason?: string }) => events.push({ type, object }),
      () => {
        done = true;
      },
    );
    await eventually(() => done, 5000, 'the watch to end');
    expect(events).toEqual([
      { type: 'ERROR', object: expect.objectContaining({ code: 410, reason: 'Expired' }) },
    ]);

    const live: typeof events = [];
    const rv = cp.store.resourceVersion;
    const controller = await new Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: rv, allowWatchBookmarks: true },
      (type, object: { metadata?: { resourceVersion?: string } }) => live.push({ type, object }),
      () => undefined,
    );
    cp.store.create({ group: '', version: 'v1', plural: 'configmaps' }, 'default', {
      metadata: { name: 'live' },
    });
    await eventually(
      () => live.some((e) => e.type === 'ADDED') && live.some((e) => e.type === 'BOOKMARK'),
      5000,
      'events',
    );
    expect(live.find((e) => e.type === 'ADDED')?.object.metadata?.resourceVersion).toBe(
      String(Number(rv) + 1),
    );
    controller.abort();
  });

  it('ends a watch after timeoutSeconds', async () => {
    const started = Date.now();
    const res = await raw('/api/v1/namespaces?watch=true&timeoutSeconds=1');
    const text = await res.text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { type: string }).type),
    ).toContain('ADDED');
  });

  it('returns a Table for kubectl get, with Istio printer columns', async () => {
    await custom.createNamespacedCustomObject({
      ...ISTIO,
      namespace: 'default',
      body: {
        ...virtualService('table'),
        spec: { ...(virtualService('table').spec as object), gateways: ['mesh'] },
      },
    });
    const res = await raw('/apis/networking.istio.io/v1/namespaces/default/virtualservices', {
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    const table = (await res.json()) as {
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[]; object: { kind: string } }[];
    };
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Gateways', 'Hosts', 'Age']);
    const row = table.rows.find((r) => r.cells[0] === 'table');
    expect(row?.cells.slice(0, 3)).toEqual(['table', '["mesh"]', '["table"]']);
    expect(row?.object.kind).toBe('PartialObjectMetadata');
    const plain = (await (
      await raw('/apis/networking.istio.io/v1/namespaces/default/virtualservices/table')
    ).json()) as { kind: string };
    expect(plain.kind).toBe('VirtualService');
  });

  it('answers dryRun=All without writing, and warns about pruned fields', async () => {
    const path = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';
    const rv = cp.store.resourceVersion;
    const res = await raw(`${path}?dryRun=All`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(virtualService('preview', [100], { dubbo: {} })),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('warning')).toBe('299 - "unknown field \\"spec.dubbo\\""');
    expect(cp.store.resourceVersion).toBe(rv);
    expect((await raw(`${path}/preview`)).status).toBe(404);
    const strict = await raw(`${path}?fieldValidation=Strict`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(virtualService('preview', [100], { dubbo: {} })),
    });
    expect(strict.status).toBe(400);
  });

  it('serves the status subresource, deletecollection, and a first page for an empty continue', async () => {
    const base = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';
    await custom.createNamespacedCustomObject({
      ...ISTIO,
      namespace: 'default',
      body: virtualService('status-demo'),
    });
    const status = await raw(`${base}/status-demo/status`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { observedGeneration: 1 }, spec: { hosts: ['ignored'] } }),
    });
    const afterStatus = (await status.json()) as {
      status: unknown;
      spec: { hosts: string[] };
      metadata: { generation: number };
    };
    expect(afterStatus.status).toEqual({ observedGeneration: 1 });
    expect(afterStatus.spec.hosts).toEqual(['status-demo']);
    const main = await raw(`${base}/status-demo`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { observedGeneration: 9 } }),
    });
    expect(((await main.json()) as { status: unknown }).status).toEqual({ observedGeneration: 1 });

    const limited = await raw(`${base}?limit=1&continue=`);
    expect(limited.status).toBe(200);
    const gone = await raw(`${base}?labelSelector=app%3Dstatus-demo`, { method: 'DELETE' });
    expect(((await gone.json()) as { items: unknown[] }).items).toHaveLength(1);
    expect((await raw(`${base}/status-demo`)).status).toBe(404);
  });

  it('streams the initial state then a bookmark with sendInitialEvents', async () => {
    const res = await raw(
      '/api/v1/namespaces?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1',
    );
    const events = (await res.text())
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { type: string; object: { metadata: { annotations?: Record<string, string> } } },
      );
    const end = events.findIndex(
      (e) => e.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true',
    );
    expect(end).toBeGreaterThan(0);
    expect(events.slice(0, end).every((e) => e.type === 'ADDED')).toBe(true);
    expect(events[end]?.type).toBe('BOOKMARK');
  });

  it('rejects bad bodies and media types with the Status a real server sends', async () => {
    const path = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';
    const badJson = await raw(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"metadata":',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ reason: 'BadRequest' });
    const smp = await raw(`${path}/table`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: '{}',
    });
    expect(smp.status).toBe(415);
    const huge = await raw(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...virtualService('huge'), padding: 'x'.repeat(4 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ reason: 'RequestEntityTooLarge', code: 413 });
    const weird = await raw('/api/v1/namespaces/%E0%A4%A/services');
    expect(weird.status).toBe(404);
    expect((await raw('/api/v1/namespaces')).status).toBe(200);
  });
});

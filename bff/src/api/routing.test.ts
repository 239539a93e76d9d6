import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../clients/kube';
import { MeshObjects } from '../clients/mesh-objects';
import type { KubeObject, WriteOptions } from '../clients/mesh-objects';
import type { Console } from '../console';
import type { CatalogSource } from '../features/catalog/catalog';
import { asAdmin } from '../testing/auth';
import { startTestControlPlane, testConsole } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

/**
 * The routing API against the embedded control plane: what is written is read back through the
 * Kubernetes API, as kubectl would see it.
 */

/** Object writes that can be made to lose a race: a hook runs after a write of the given kind. */
class RacyObjects extends MeshObjects {
  afterWrite: ((obj: KubeObject) => Promise<void>) | null = null;
  override async create(obj: KubeObject, opts?: WriteOptions) {
    const out = await super.create(obj, opts);
    if (!opts?.dryRun) await this.afterWrite?.(obj);
    return out;
  }
  override async replace(obj: KubeObject, opts?: WriteOptions) {
    const out = await super.replace(obj, opts);
    if (!opts?.dryRun) await this.afterWrite?.(obj);
    return out;
  }
}

const ECHO = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
const [V1, V2] = ['20191115224823305.fvxo1wbt', '20191115225115467.dfy77ofd'];
const routes = `/api/v1/services/${encodeURIComponent(ECHO)}/routes`;
const REVIEWS = `/api/v1/services/${encodeURIComponent('reviews.bookinfo.svc.cluster.local')}/routes`;
const form = (name: string, a: number, b: number, extra: Record<string, unknown> = {}) => ({
  name,
  routeType: 'version',
  trafficSplit: true,
  destinations: [
    { version: V1, weight: a },
    { version: V2, weight: b },
  ],
  ...extra,
});

describe('the routes API', () => {
  let plane: TestControlPlane;
  let built: Console;
  let kube: KubeClient;
  let catalog: CatalogSource;
  let objects: RacyObjects;
  let app: ReturnType<typeof asAdmin>;

  const liveVs = async (name: string, namespace = 'dubbo-demo') =>
    (await kube.custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace,
      plural: 'virtualservices',
      name,
    })) as KubeObject & { spec: { http: { route: { weight?: number }[] }[] } };
  const weights = (vs: { spec: { http: { route: { weight?: number }[] }[] } }) =>
    vs.spec.http.at(-1)?.route.map((r) => r.weight);

  beforeAll(async () => {
    plane = await startTestControlPlane();
    ({ kube, catalog } = plane);
    objects = new RacyObjects(kube);
    built = await testConsole({ kube, catalog, objects });
    app = asAdmin(built.app);
  });

  afterAll(async () => {
    await built?.close();
    await plane?.close();
  });

  it('previews the objects and their diff, writing nothing', async () => {
    const res = await request(app)
      .post(`${routes}/preview`)
      .send(form('echo-preview', 20, 80))
      .expect(200);
    expect(res.body.objects.map((o: { kind: string; action: string }) => `${o.kind}:${o.action}`)).toEqual([
      'DestinationRule:create',
      'VirtualService:create',
    ]);
    expect(res.body.objects[1].yaml).toContain('weight: 20');
    expect(res.body.objects[1].diff).toContain('+    - route:');
    const list = await request(app).get(routes).expect(200);
    expect(list.body.items).toEqual([]);
  });

  it.each([
    ['weights totalling 90', form('bad', 30, 60), 'destinations', /total 100%/],
    [
      'a duplicate version',
      {
        ...form('bad', 50, 50),
        destinations: [
          { version: V1, weight: 50 },
          { version: V1, weight: 50 },
        ],
      },
      'destinations.1.version',
      /twice/,
    ],
    [
      'an unknown version',
      { ...form('bad', 50, 50), destinations: [{ version: 'v9', weight: 100 }], trafficSplit: false },
      'destinations.0.version',
      /not a version/,
    ],
    ['a bad name', form('Bad_Name', 20, 80), 'name', /lower-case/i],
    ['a fractional weight', form('bad', 20.5, 79.5), 'destinations.0.weight', /whole/i],
  ])('rejects %s with a 400 naming the field, writing nothing', async (_, body, field, message) => {
    const res = await request(app).post(routes).send(body).expect(400);
    expect(res.body.field).toBe(field);
    expect(res.body.message).toMatch(message);
    const list = await request(app).get(routes).expect(200);
    expect(list.body.items).toEqual([]);
  });

  it.each([
    ['also routes another service', '[reviews.bookinfo.svc.cluster.local, cart.shop.svc.cluster.local]'],
    ['routes every host', '["*"]'],
  ])('refuses a hand-written rule that %s: 400 naming the YAML, nothing written', async (_, hosts) => {
    const text = [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata:',
      '  name: takeover',
      'spec:',
      `  hosts: ${hosts}`,
      '  http:',
      '    - route: [{ destination: { host: reviews.bookinfo.svc.cluster.local } }]',
    ].join('\n');
    const res = await request(app).post(REVIEWS).send({ yaml: text }).expect(400);
    expect(res.body).toMatchObject({
      field: 'yaml',
      message: expect.stringMatching(/no other host|wildcard host \* is not allowed/),
    });
    await expect(liveVs('takeover', 'bookinfo')).rejects.toThrow();
  });

  it('creates, refuses a stale update with 409, updates, and rolls back as a new revision', async () => {
    const created = await request(app)
      .post(routes)
      .send(form('echo-split', 20, 80))
      .expect(201);
    expect(created.body.form.destinations.map((d: { weight: number }) => d.weight)).toEqual([20, 80]);
    expect(weights(await liveVs('echo-split'))).toEqual([20, 80]);
    const rv1 = created.body.resourceVersion as string;

    const updated = await request(app)
      .put(`${routes}/echo-split`)
      .send(form('echo-split', 50, 50, { resourceVersion: rv1 }))
      .expect(200);
    expect(weights(await liveVs('echo-split'))).toEqual([50, 50]);

    const stale = await request(app)
      .put(`${routes}/echo-split`)
      .send(form('echo-split', 10, 90, { resourceVersion: rv1 }))
      .expect(409);
    expect(stale.body.code).toBe('Conflict');
    expect(weights(await liveVs('echo-split'))).toEqual([50, 50]);

    const revisions = await request(app).get(`${routes}/echo-split/revisions`).expect(200);
    expect(
      revisions.body.items.map((r: { revision: number; action: string }) => `${r.revision}:${r.action}`),
    ).toEqual(['2:update', '1:create']);
    expect(revisions.body.items[0].diff).toMatch(/^-\s+weight: 20$/m);
    expect(revisions.body.items[0].diff).toMatch(/^\+\s+weight: 50$/m);

    await request(app)
      .post(`${routes}/echo-split/revisions/1/rollback`)
      .send({ comment: 'back to 20/80' })
      .expect(200);
    expect(weights(await liveVs('echo-split'))).toEqual([20, 80]);
    const after = await request(app).get(`${routes}/echo-split/revisions`).expect(200);
    expect(after.body.items[0]).toMatchObject({
      revision: 3,
      action: 'rollback',
      fromRevision: 1,
      comment: 'back to 20/80',
    });
    expect(updated.body.resourceVersion).not.toBe(rv1);
  });

  it('leaves the control plane as it was when the second write of a change fails', async () => {
    const created = await request(app)
      .post(REVIEWS)
      .send({
        name: 'reviews-a',
        routeType: 'version',
        trafficSplit: false,
        destinations: [{ version: 'v1', weight: 100 }],
      })
      .expect(201);
    const drBefore = (await kube.custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: 'bookinfo',
      plural: 'destinationrules',
      name: 'reviews',
    })) as KubeObject & { spec: unknown };
    // Someone edits the VirtualService just after the console updated the DestinationRule.
    objects.afterWrite = async (obj) => {
      if (obj.kind !== 'DestinationRule') return;
      objects.afterWrite = null;
      const vs = await liveVs('reviews-a', 'bookinfo');
      await kube.custom.replaceNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: 'bookinfo',
        plural: 'virtualservices',
        name: 'reviews-a',
        body: { ...vs, metadata: { ...vs.metadata, labels: { edited: 'elsewhere' } } },
      });
    };
    const res = await request(app)
      .put(`${REVIEWS}/reviews-a`)
      .send({
        name: 'reviews-a',
        routeType: 'version',
        trafficSplit: true,
        destinations: [
          { version: 'v2', weight: 50 },
          { version: 'v3', weight: 50 },
        ],
        resourceVersion: created.body.resourceVersion,
      })
      .expect(409);
    expect(res.body.code).toBe('Conflict');
    const drAfter = (await kube.custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: 'bookinfo',
      plural: 'destinationrules',
      name: 'reviews',
    })) as KubeObject & { spec: unknown };
    expect(drAfter.spec).toEqual(drBefore.spec);
    expect(weights(await liveVs('reviews-a', 'bookinfo'))).toEqual([100]);
  });

  it('lists a hand-written rule with its form, and one the form cannot show with the reasons', async () => {
    await kube.custom.createNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: 'bookinfo',
      plural: 'virtualservices',
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'reviews-redirect', namespace: 'bookinfo' },
        spec: { hosts: ['reviews'], http: [{ redirect: { uri: '/v1' } }] },
      },
    });
    const list = await request(app).get(REVIEWS).expect(200);
    const byName = Object.fromEntries(list.body.items.map((i: { name: string }) => [i.name, i]));
    expect(byName['reviews-a'].form.destinations).toEqual([{ version: 'v1', weight: 100 }]);
    expect(byName['reviews-redirect'].form).toBeNull();
    expect(byName['reviews-redirect'].reasons.join(' ')).toContain('redirect');
    expect(list.body.warnings[0].code).toBe('second-route-on-host');
  });

  it('saves a kubectl-applied rule unchanged without writing it or its DestinationRule, and says kubectl manages it', async () => {
    const DETAILS = `/api/v1/services/${encodeURIComponent('details.bookinfo.svc.cluster.local')}/routes`;
    const applied = (obj: KubeObject) => ({
      ...obj,
      metadata: {
        ...obj.metadata,
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(obj) },
      },
    });
    const custom = (plural: string, body: KubeObject) =>
      kube.custom.createNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: 'bookinfo',
        plural,
        body: applied(body),
      });
    await custom('destinationrules', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'details', namespace: 'bookinfo', labels: { team: 'books' } },
      spec: { host: 'details', subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
    } as KubeObject);
    await custom('virtualservices', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'details', namespace: 'bookinfo', labels: { team: 'books' } },
      spec: { hosts: ['details'], http: [{ route: [{ destination: { host: 'details', subset: 'v1' } }] }] },
    } as KubeObject);
    const read = (plural: string) =>
      kube.custom.getNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: 'bookinfo',
        plural,
        name: 'details',
      }) as Promise<KubeObject>;
    const [vsBefore, drBefore] = [await read('virtualservices'), await read('destinationrules')];

    const list = await request(app).get(DETAILS).expect(200);
    const rule = list.body.items.find((i: { name: string }) => i.name === 'details');
    expect(rule.managedBy).toBe('kubectl');
    expect(rule.managedByConsole).toBe(false);
    await request(app).put(`${DETAILS}/details`).send(rule.form).expect(200);

    // Nothing was written: same resourceVersions, no label or annotation of the console's.
    const [vsAfter, drAfter] = [await read('virtualservices'), await read('destinationrules')];
    expect(vsAfter.metadata).toEqual(vsBefore.metadata);
    expect(drAfter.metadata).toEqual(drBefore.metadata);

    // An edit of the weights changes the spec and nothing of the metadata's labels or annotations.
    const edited = {
      ...rule.form,
      trafficSplit: true,
      destinations: [
        { version: 'v1', weight: 100 },
        { version: 'v2', weight: 0 },
      ],
    };
    await request(app).put(`${DETAILS}/details`).send(edited).expect(200);
    const vsEdited = await read('virtualservices');
    expect(vsEdited.metadata.labels).toEqual({ team: 'books' });
    expect(vsEdited.metadata.annotations).toEqual(vsBefore.metadata.annotations);
  });

  it('deletes a rule and removes the subsets only it used', async () => {
    const before = await request(app).get(routes).expect(200);
    const rule = before.body.items.find((i: { name: string }) => i.name === 'echo-split');
    await request(app).delete(`${routes}/echo-split?resourceVersion=${rule.resourceVersion}`).expect(204);
    const after = await request(app).get(routes).expect(200);
    expect(after.body.items).toEqual([]);
    expect(after.body.destinationRules).toEqual([]);
  });
});

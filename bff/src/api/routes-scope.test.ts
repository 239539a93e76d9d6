import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../clients/mesh-objects';
import { MeshObjects } from '../clients/mesh-objects';
import type { Console } from '../console';
import { asAdmin } from '../testing/auth';
import { startTestControlPlane, testConsole } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

/**
 * The Routes tab shows every VirtualService that affects the service, wherever it lives, with
 * where it applies and whether it is in effect: read from the control plane as Istio would.
 */

const REVIEWS = `/api/v1/services/${encodeURIComponent('reviews.bookinfo.svc.cluster.local')}/routes`;

const vs = (
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  createdAt?: string,
): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace, ...(createdAt ? { creationTimestamp: createdAt } : {}) },
  spec,
});
const to = (subset: string, weight?: number) => ({
  destination: { host: 'reviews.bookinfo.svc.cluster.local', subset },
  ...(weight === undefined ? {} : { weight }),
});

interface Row {
  name: string;
  form: unknown;
  reasons: string[];
  scope: {
    namespace: string;
    match: string;
    appliesAt: { mesh: boolean; gateways: string[] };
    effect: string;
    editable: boolean;
    ignoredFor?: { name: string };
    delegateOf?: { name: string };
    missingGateways: string[];
  };
}

describe('the Routes tab: every rule that affects the service', () => {
  let plane: TestControlPlane;
  let built: Console;
  let app: ReturnType<typeof asAdmin>;
  let rows: Record<string, Row>;
  let body: {
    items: Row[];
    merged: { subsets: { name: string; from: { name: string } }[] };
    gateways: string[];
    warnings: { code: string }[];
  };

  beforeAll(async () => {
    plane = await startTestControlPlane();
    built = await testConsole({ kube: plane.kube, catalog: plane.catalog });
    app = asAdmin(built.app);
    const objects = new MeshObjects(plane.kube);
    const create = (o: KubeObject) => objects.create(o);
    await create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'bookinfo-gateway', namespace: 'bookinfo' },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
      },
    });
    // Two DestinationRules for the host: Istio merges their subsets.
    await create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: {
        host: 'reviews',
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' } },
        ],
      },
    });
    await create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews-v3', namespace: 'bookinfo' },
      spec: { host: 'reviews', subsets: [{ name: 'v3', labels: { version: 'v3' } }] },
    });
    // The service's own mesh rule; a second, newer one on the same host.
    await create(
      vs('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ route: [to('v1', 50), to('v2', 50)] }] }),
    );
    await new Promise((r) => setTimeout(r, 1100)); // creation times are to the second
    await create(vs('bookinfo', 'reviews-late', { hosts: ['reviews'], http: [{ route: [to('v3')] }] }));
    // A gateway-only rule on the service's host.
    await create(
      vs('bookinfo', 'reviews-edge', {
        hosts: ['reviews'],
        gateways: ['bookinfo-gateway'],
        http: [{ route: [to('v2')] }],
      }),
    );
    // Another namespace's rule naming the service's FQDN, exported only to its own namespace.
    await create(
      vs('spring-demo', 'reviews-for-spring', {
        hosts: ['reviews.bookinfo.svc.cluster.local'],
        exportTo: ['.'],
        http: [{ route: [to('v1')] }],
      }),
    );
    // A gateway's rule for an outside host that routes to the service, through a delegate.
    await create(
      vs('bookinfo', 'front', {
        hosts: ['books.example.com'],
        gateways: ['bookinfo-gateway', 'missing-gateway'],
        http: [
          {
            match: [{ uri: { prefix: '/reviews' } }],
            delegate: { name: 'reviews-delegate', namespace: 'bookinfo' },
          },
        ],
      }),
    );
    await create(vs('bookinfo', 'reviews-delegate', { http: [{ route: [to('v1')] }] }));

    const res = await request(app).get(REVIEWS).expect(200);
    body = res.body;
    rows = Object.fromEntries(body.items.map((i) => [`${i.scope.namespace}/${i.name}`, i]));
  });

  afterAll(async () => {
    await built?.close();
    await plane?.close();
  });

  it('says which of two mesh rules on the host is in effect: the oldest, on both rows', () => {
    // The oldest is in effect, except for callers in spring-demo: the rule of their own namespace
    // (exported to it alone) comes first for them, as istiod selects.
    expect(rows['bookinfo/reviews']?.scope).toMatchObject({
      effect: 'partly',
      editable: true,
      appliesAt: { mesh: true, gateways: [] },
      ignoredFor: { name: 'reviews-for-spring' },
    });
    expect(rows['bookinfo/reviews-late']?.scope).toMatchObject({
      effect: 'ignored',
      editable: true,
      ignoredFor: { name: 'reviews' },
    });
    expect(body.warnings.map((w) => w.code)).toContain('second-route-on-host');
  });

  it('shows a gateway-only rule as applying at its gateway, never as mesh routing', () => {
    expect(rows['bookinfo/reviews-edge']?.scope).toMatchObject({
      effect: 'gateway',
      editable: true,
      appliesAt: { mesh: false, gateways: ['bookinfo/bookinfo-gateway'] },
    });
    expect(body.gateways).toContain('bookinfo/bookinfo-gateway');
  });

  it('keeps a gateway-bound rule’s gateway through an edit of its weights, and refuses a gateway that does not exist', async () => {
    const edge = rows['bookinfo/reviews-edge'] as Row & { form: Record<string, unknown> };
    expect(edge.form).toMatchObject({ gateways: ['bookinfo-gateway'] });
    const edited = {
      ...edge.form,
      trafficSplit: true,
      destinations: [
        { version: 'v1', weight: 30 },
        { version: 'v2', weight: 70 },
      ],
    };
    const saved = await request(app).put(`${REVIEWS}/reviews-edge`).send(edited).expect(200);
    expect(saved.body.form).toMatchObject({ gateways: ['bookinfo-gateway'] });
    expect(saved.body.scope).toMatchObject({ effect: 'gateway', appliesAt: { mesh: false } });

    const bad = await request(app)
      .put(`${REVIEWS}/reviews-edge`)
      .send({ ...edited, resourceVersion: saved.body.resourceVersion, gateways: ['nowhere'] })
      .expect(400);
    expect(bad.body).toMatchObject({ field: 'gateways' });
    expect(bad.body.message).toContain('Gateway nowhere does not exist');
  });

  it('lists another namespace’s rule on the host read-only, with its exportTo', () => {
    const row = rows['spring-demo/reviews-for-spring'];
    expect(row?.scope).toMatchObject({ match: 'exact', editable: false, namespace: 'spring-demo' });
    expect(row?.form).toBeNull();
    expect(row?.reasons[0]).toContain('namespace spring-demo');
  });

  it('shows a gateway rule for another host that reaches the service through a delegate, as one chain', () => {
    expect(rows['bookinfo/front']?.scope).toMatchObject({
      match: 'destination',
      effect: 'gateway',
      missingGateways: ['bookinfo/missing-gateway'],
    });
    expect(rows['bookinfo/reviews-delegate']?.scope).toMatchObject({
      match: 'delegate',
      effect: 'delegate',
      delegateOf: { name: 'front' },
      editable: false,
    });
  });

  it('merges the subsets of the host’s DestinationRules and says where each comes from', () => {
    expect(body.merged.subsets.map((s) => [s.name, s.from.name])).toEqual([
      ['v1', 'reviews'],
      ['v2', 'reviews'],
      ['v3', 'reviews-v3'],
    ]);
    // A subset defined only in the second DestinationRule is the service's v3 to the form.
    expect(rows['bookinfo/reviews-late']?.form).toMatchObject({
      destinations: [{ version: 'v3', weight: 100 }],
    });
  });

  it('says, never silently, that a rule on one interface of an application routed by host routes all of its interfaces', async () => {
    const USER = `/api/v1/services/${encodeURIComponent('org.apache.dubbo.samples.user.api.UserService@dubbo')}/routes`;
    const form = {
      name: 'user-pin',
      routeType: 'version',
      trafficSplit: false,
      destinations: [{ version: '2.7.3', weight: 100 }],
    };
    const preview = await request(app).post(`${USER}/preview`).send(form).expect(200);
    const warning = (preview.body.warnings as { code: string; message: string }[]).find(
      (w) => w.code === 'applies-to-every-interface',
    );
    expect(warning?.message).toContain('org.apache.dubbo.samples.user.api.UserQueryService');
    await request(app).post(USER).send(form).expect(201);
    // The other interface's tab shows the rule too, and why.
    const QUERY = `/api/v1/services/${encodeURIComponent('org.apache.dubbo.samples.user.api.UserQueryService@dubbo')}/routes`;
    const other = await request(app).get(QUERY).expect(200);
    const row = (other.body.items as (Row & { scope: { sharedWith?: string[] } })[]).find(
      (r) => r.name === 'user-pin',
    );
    expect(row?.scope.sharedWith).toEqual(['org.apache.dubbo.samples.user.api.UserService']);
    expect((other.body.warnings as { code: string }[]).map((w) => w.code)).toContain(
      'applies-to-every-interface',
    );
  });

  it('edits, in the form, a gateway’s rule for outside names that routes only to this service, keeping its hosts, and never lets it into the mesh', async () => {
    const objects = new MeshObjects(plane.kube);
    await objects.create(
      vs('bookinfo', 'books-front', {
        hosts: ['books.example.com'],
        gateways: ['bookinfo-gateway'],
        http: [{ route: [to('v1', 80), to('v2', 20)] }],
      }),
    );
    const list = await request(app).get(REVIEWS).expect(200);
    const row = (list.body.items as (Row & { form: Record<string, unknown> })[]).find(
      (r) => r.name === 'books-front',
    );
    expect(row?.scope).toMatchObject({ match: 'destination', editable: true, effect: 'gateway' });
    expect(row?.form).toMatchObject({
      gateways: ['bookinfo-gateway'],
      destinations: [
        { version: 'v1', weight: 80 },
        { version: 'v2', weight: 20 },
      ],
    });
    const edited = {
      ...row?.form,
      destinations: [
        { version: 'v1', weight: 50 },
        { version: 'v2', weight: 50 },
      ],
    };
    await request(app).put(`${REVIEWS}/books-front`).send(edited).expect(200);
    const live = await objects.get(
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' },
      'bookinfo',
      'books-front',
    );
    expect(live.spec).toEqual({
      hosts: ['books.example.com'],
      gateways: ['bookinfo-gateway'],
      http: [{ route: [to('v1', 50), to('v2', 50)] }],
    });
    // Bound to the mesh, books.example.com would be taken from every sidecar: refused.
    for (const gateways of [['mesh'], []]) {
      const refused = await request(app)
        .put(`${REVIEWS}/books-front`)
        .send({ ...edited, gateways, resourceVersion: live.metadata.resourceVersion })
        .expect(400);
      expect(refused.body).toMatchObject({ field: 'gateways' });
      expect(refused.body.message).toContain('books.example.com');
    }
  });
});

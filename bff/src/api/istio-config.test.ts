import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../clients/mesh-objects';
import { MeshObjects } from '../clients/mesh-objects';
import { IstioConfigList } from '../contract/istio-config';
import type { IstioConfigItem } from '../contract/istio-config';
import { ADMIN_HEADER, testAuth } from '../testing/auth';
import { fullApp, startTestControlPlane } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

/**
 * GET /istio-config against the embedded control plane with the demo mesh: Istio's Bookinfo
 * DestinationRules as Istio's task applies them, a broken VirtualService, and callers limited to
 * their namespaces.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const SAMPLES = path.resolve(here, '../testing/istio-samples/bookinfo/networking');

function docs(file: string): KubeObject[] {
  return (yaml.loadAll(fs.readFileSync(path.join(SAMPLES, file), 'utf8')) as unknown[]).filter(
    (d): d is KubeObject => typeof d === 'object' && d !== null,
  );
}

const vs = (
  namespace: string,
  name: string,
  labels: Record<string, string>,
  spec: Record<string, unknown>,
): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace, labels },
  spec,
});

describe('GET /api/v1/istio-config', () => {
  let plane: TestControlPlane;
  let app: Awaited<ReturnType<typeof fullApp>>['app'];
  let closeApp: () => Promise<void>;

  beforeAll(async () => {
    plane = await startTestControlPlane();
    const built = await fullApp(plane, testAuth({ kube: plane.kube }));
    app = built.app;
    closeApp = built.close;
    const objects = new MeshObjects(plane.kube);
    for (const dr of docs('destination-rule-all.yaml'))
      await objects.create({ ...dr, metadata: { ...dr.metadata, namespace: 'bookinfo' } });
    // Broken: a subset no DestinationRule defines, weights of 60/30, a gateway that does not exist.
    await objects.create(
      vs(
        'bookinfo',
        'reviews',
        { 'argocd.argoproj.io/instance': 'bookinfo' },
        {
          hosts: ['reviews'],
          gateways: ['mesh', 'no-such-gateway'],
          http: [
            {
              route: [
                { destination: { host: 'reviews', subset: 'v1' }, weight: 60 },
                { destination: { host: 'reviews', subset: 'v9' }, weight: 30 },
              ],
            },
          ],
        },
      ),
    );
    await objects.create(
      vs(
        'shop',
        'frontend',
        { 'app.kubernetes.io/managed-by': 'Helm' },
        {
          hosts: ['frontend'],
          http: [{ route: [{ destination: { host: 'frontend' } }] }],
        },
      ),
    );
  }, 60_000);
  afterAll(async () => {
    await closeApp?.();
    await plane?.close();
  });

  const list = async (query = '', headers: Record<string, string> = ADMIN_HEADER) =>
    IstioConfigList.parse(
      (await request(app).get(`/api/v1/istio-config${query}`).set(headers).expect(200)).body,
    );
  const item = (l: IstioConfigList, kind: string, name: string): IstioConfigItem => {
    const found = l.items.find((i) => i.ref.kind === kind && i.ref.name === name);
    if (!found) throw new Error(`${kind} ${name} is not listed`);
    return found;
  };

  it('lists every routing object with the checks of the broken VirtualService', async () => {
    const all = await list();
    const reviews = item(all, 'VirtualService', 'reviews');
    expect(reviews.checks.map((c) => [c.severity, c.code, c.path])).toEqual([
      ['error', 'gateway-not-found', 'spec.gateways[1]'],
      ['error', 'subset-not-found', 'spec.http[0].route[1]'],
      ['error', 'weights-not-100', 'spec.http[0]'],
    ]);
    expect(reviews).toMatchObject({
      ref: { kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews' },
      hosts: ['reviews'],
      gateways: ['mesh', 'bookinfo/no-such-gateway'],
      services: [{ id: 'reviews.bookinfo.svc.cluster.local', namespace: 'bookinfo', name: 'reviews' }],
      managedBy: 'Argo CD',
    });
    expect(reviews.yaml).toContain('subset: v9');
    expect(reviews.yaml).not.toContain('managedFields');
    // Bookinfo's own subsets: reviews' three versions all have instances in the demo mesh.
    expect(item(all, 'DestinationRule', 'reviews').checks).toEqual([]);
    expect(item(all, 'DestinationRule', 'reviews').hosts).toEqual(['reviews']);
    expect(all.summary.objects).toBe(all.items.length);
    expect(all.summary.errors).toBe(
      all.items.flatMap((i) => i.checks).filter((c) => c.severity === 'error').length,
    );
    expect(all.summary.errors).toBeGreaterThanOrEqual(3);
  });

  it('filters by namespace, kind, service and severity', async () => {
    const shop = await list('?namespace=shop');
    // The demo mesh's VMs are ServiceEntries of shop.
    expect(shop.items.map((i) => `${i.ref.kind}/${i.ref.name}`)).toEqual([
      'VirtualService/frontend',
      'ServiceEntry/currency',
      'ServiceEntry/email',
    ]);
    expect(item(shop, 'VirtualService', 'frontend').managedBy).toBe('Helm');
    const drs = await list('?kind=DestinationRule&namespace=bookinfo');
    expect(drs.items.map((i) => i.ref.name).sort()).toEqual(['details', 'productpage', 'ratings', 'reviews']);
    const forReviews = await list(`?service=${encodeURIComponent('reviews.bookinfo.svc.cluster.local')}`);
    expect(forReviews.items.map((i) => `${i.ref.kind}/${i.ref.name}`)).toEqual([
      'VirtualService/reviews',
      'DestinationRule/reviews',
    ]);
    const errors = await list('?severity=error');
    expect(errors.items.map((i) => i.ref.name)).toEqual(['reviews']);
  });

  it('refuses a bad query with the field named, and an unknown service with a 404', async () => {
    const bad = await request(app).get('/api/v1/istio-config?kind=Pod').set(ADMIN_HEADER).expect(400);
    expect(bad.body.message).toMatch(/^kind: /);
    expect(bad.body).not.toHaveProperty('stack');
    const ns = await request(app)
      .get('/api/v1/istio-config?namespace=Not_A_Name')
      .set(ADMIN_HEADER)
      .expect(400);
    expect(ns.body.message).toMatch(/^namespace: /);
    await request(app)
      .get('/api/v1/istio-config?service=nope.nowhere.svc.cluster.local')
      .set(ADMIN_HEADER)
      .expect(404);
  });

  it('shows a namespace-scoped caller only the objects and services of their namespaces', async () => {
    const created = await request(app)
      .post('/api/v1/admin/tokens')
      .set(ADMIN_HEADER)
      .send({ name: 'shop viewer', role: 'viewer', namespaces: ['shop'] })
      .expect(201);
    const viewer = { authorization: `Bearer ${created.body.secret as string}` };
    const seen = await list('', viewer);
    expect(seen.items.map((i) => i.ref.namespace)).toEqual(['shop', 'shop', 'shop']);
    expect(new Set(seen.items.flatMap((i) => i.services.map((s) => s.namespace)))).toEqual(new Set(['shop']));
    expect(seen.summary).toEqual({ objects: 3, errors: 0, warnings: 0 });
    // Another namespace asked for by name: nothing of it.
    expect((await list('?namespace=bookinfo', viewer)).items).toEqual([]);
    // A service of another namespace is not found, as a service of no namespace is.
    const other = await request(app)
      .get(`/api/v1/istio-config?service=${encodeURIComponent('reviews.bookinfo.svc.cluster.local')}`)
      .set(viewer)
      .expect(404);
    expect(other.body.message).toBe('Service reviews.bookinfo.svc.cluster.local was not found');
  });
});

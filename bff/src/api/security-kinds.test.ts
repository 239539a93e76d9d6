import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import type { KubeObject } from '../clients/mesh-objects';
import {
  AccessPolicyList,
  AccessPolicyPreview,
  AccessPolicySuggestion,
  PeerAuthenticationList,
  PeerAuthenticationPreview,
} from '../contract/security';
import type { ConsumerFigures, TelemetrySource } from '../features/monitoring/telemetry';
import { EMPTY_TCP, UnavailableTelemetry, telemetryUnavailable } from '../features/monitoring/telemetry';
import type { QueryWindow } from '../features/monitoring/window';
import { silentLogger } from '../lib/logger';
import { checkIstioObject } from '../mesh/istio-schema';
import { ADMIN_HEADER, testAuth } from '../testing/auth';
import { fullApp, startTestControlPlane } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

/**
 * The two zero-trust kinds (PeerAuthentication, AuthorizationPolicy) through the app, against the
 * embedded control plane: what is written is read back through the Kubernetes API, and the callers
 * judged are those a fake telemetry source reports.
 */

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const CATALOG = 'catalog.shop.svc.cluster.local';
const paBase = `/api/v1/services/${encodeURIComponent(REVIEWS)}/peer-authentications`;
const apBase = `/api/v1/services/${encodeURIComponent(REVIEWS)}/access-policies`;

const PRODUCTPAGE = 'cluster.local/ns/bookinfo/sa/productpage';

/** A caller row as a telemetry source gives it. */
const consumer = (
  app: string,
  namespace: string,
  requests: number,
  principal: string | null,
  mtls: number,
): ConsumerFigures => ({
  workload: `${app}-v1`,
  app,
  namespace,
  version: 'v1',
  requests,
  errors: 0,
  principal,
  mtls,
  tcp: { ...EMPTY_TCP },
});

/** Telemetry whose callers the test sets (every other question fails); it can be made to fail. */
class FakeTelemetry implements TelemetrySource {
  readonly kind = 'prometheus' as const;
  readonly scrapeIntervalSeconds = 15;
  rows: ConsumerFigures[] = [];
  failing = false;
  asked: { serviceId: string; rangeSeconds: number }[] = [];
  private readonly other = new UnavailableTelemetry('only the callers are faked');
  applications = () => this.other.applications();
  serviceFigures = () => this.other.serviceFigures();
  serviceSeries = () => this.other.serviceSeries();
  instances = () => this.other.instances();
  split = () => this.other.split();
  limits = () => this.other.limits();
  edges = () => this.other.edges();

  consumers(serviceId: string, q: QueryWindow): Promise<ConsumerFigures[]> {
    this.asked.push({ serviceId, rangeSeconds: q.rangeSeconds });
    if (this.failing) return Promise.reject(telemetryUnavailable('Prometheus did not answer'));
    return Promise.resolve(this.rows);
  }
}

const paForm = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  scope: 'workload',
  mode: 'STRICT',
  ...extra,
});

const apForm = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  action: 'DENY',
  rules: [{ from: [{ principals: [PRODUCTPAGE] }] }],
  ...extra,
});

describe('the zero-trust kinds API', () => {
  let plane: TestControlPlane;
  let app: Express;
  let close: () => Promise<void>;
  const telemetry = new FakeTelemetry();
  const admin = () => ADMIN_HEADER;

  const live = async (plural: string, namespace = 'bookinfo') =>
    (
      (await plane.kube.custom.listNamespacedCustomObject({
        group: 'security.istio.io',
        version: 'v1',
        namespace,
        plural,
      })) as { items: KubeObject[] }
    ).items;

  const token = async (role: string, namespaces: string[]) => {
    const res = await request(app)
      .post('/api/v1/admin/tokens')
      .set(admin())
      .send({ name: `${role} ${namespaces.join(' ')}`, role, namespaces })
      .expect(201);
    return { authorization: `Bearer ${res.body.secret as string}` };
  };

  beforeAll(async () => {
    plane = await startTestControlPlane();
    ({ app, close } = await fullApp(plane, testAuth({ kube: plane.kube }), silentLogger(), { telemetry }));
  });
  afterAll(async () => {
    await close?.();
    await plane?.close();
  });
  beforeEach(() => {
    telemetry.failing = false;
    telemetry.asked = [];
    // productpage calls over mutual TLS; a source outside the mesh sends plaintext.
    telemetry.rows = [
      consumer('productpage', 'bookinfo', 2, PRODUCTPAGE, 2),
      { ...consumer('unknown', 'unknown', 0.5, null, 0), workload: 'unknown', version: 'unknown' },
    ];
  });

  describe('PeerAuthentications', () => {
    it.each([
      ['an unknown mode', paForm('bad', { mode: 'SOMETIMES' }), 'mode'],
      [
        'port-level modes on the namespace scope',
        paForm('bad', { scope: 'namespace', portLevel: [{ port: 9080, mode: 'DISABLE' }] }),
        'portLevel',
      ],
      [
        'a port out of range',
        paForm('bad', { portLevel: [{ port: 70000, mode: 'DISABLE' }] }),
        'portLevel.0.port',
      ],
      ['a bad name', paForm('Bad_Name'), 'name'],
    ])('refuses %s with a 400 naming the field, writing nothing', async (_what, body, field) => {
      for (const url of [paBase, `${paBase}/preview`]) {
        const res = await request(app).post(url).set(admin()).send(body).expect(400);
        expect(res.body).toMatchObject({ code: 'InvalidRequest', field });
      }
      expect(await live('peerauthentications')).toEqual([]);
    });

    it('previews STRICT naming the plaintext callers it would refuse, writing nothing', async () => {
      const res = await request(app)
        .post(`${paBase}/preview`)
        .set(admin())
        .send(paForm('strict'))
        .expect(200);
      const preview = PeerAuthenticationPreview.parse(res.body);
      expect(preview.objects).toHaveLength(1);
      expect(preview.objects[0]).toMatchObject({
        kind: 'PeerAuthentication',
        action: 'create',
        name: 'strict',
      });
      expect(preview.objects[0]?.yaml).toContain('mode: STRICT');
      expect(preview.refused.map((c) => c.name)).toEqual(['unknown']);
      expect(preview.refused[0]).toMatchObject({ principal: null, requestsPerMinute: 30 });
      // The callers are those of the last 5 minutes, of this service.
      expect(telemetry.asked).toContainEqual({ serviceId: REVIEWS, rangeSeconds: 300 });
      // PERMISSIVE refuses nobody.
      const permissive = await request(app)
        .post(`${paBase}/preview`)
        .set(admin())
        .send(paForm('strict', { mode: 'PERMISSIVE' }))
        .expect(200);
      expect(permissive.body.refused).toEqual([]);
      expect(await live('peerauthentications')).toEqual([]);
    });

    it('creates, lists the mode in force, updates with the resourceVersion, refuses a stale one, and deletes', async () => {
      const created = await request(app)
        .post(paBase)
        .set(admin())
        .send(paForm('reviews-mtls', { portLevel: [{ port: 9080, mode: 'PERMISSIVE' }] }))
        .expect(201);
      expect(created.body.form).toMatchObject({ name: 'reviews-mtls', scope: 'workload', mode: 'STRICT' });
      const [stored] = await live('peerauthentications');
      expect(stored?.metadata.name).toBe('reviews-mtls');
      expect((stored as unknown as { spec: unknown }).spec).toEqual({
        selector: { matchLabels: { app: 'reviews' } },
        mtls: { mode: 'STRICT' },
        portLevelMtls: { '9080': { mode: 'PERMISSIVE' } },
      });
      expect(checkIstioObject(stored as KubeObject).errors).toEqual([]);

      const list = PeerAuthenticationList.parse(
        (await request(app).get(paBase).set(admin()).expect(200)).body,
      );
      expect(list.items.map((i) => i.name)).toEqual(['reviews-mtls']);
      expect(list.ports).toContain(9080);
      expect(list.effective.mode).toBe('STRICT');
      expect(list.effective.source).toMatchObject({ level: 'workload', ref: { name: 'reviews-mtls' } });
      expect(list.effective.ports.find((p) => p.port === 9080)).toMatchObject({
        mode: 'PERMISSIVE',
        source: { level: 'workload', port: 9080 },
      });
      expect(list.plaintextCallers.map((c) => c.name)).toEqual(['unknown']);

      // Previewing an edit plans an update of the live policy.
      const edit = await request(app)
        .post(`${paBase}/preview`)
        .set(admin())
        .send(paForm('reviews-mtls', { mode: 'PERMISSIVE', resourceVersion: created.body.resourceVersion }))
        .expect(200);
      expect(edit.body.objects[0]).toMatchObject({ action: 'update', name: 'reviews-mtls' });
      expect(edit.body.objects[0].diff).toContain('+    mode: PERMISSIVE');
      expect(edit.body.refused).toEqual([]);

      const rv = created.body.resourceVersion as string;
      const updated = await request(app)
        .put(`${paBase}/reviews-mtls`)
        .set(admin())
        .send(paForm('reviews-mtls', { mode: 'PERMISSIVE', resourceVersion: rv }))
        .expect(200);
      expect(updated.body.form).toMatchObject({ mode: 'PERMISSIVE', portLevel: [] });
      const stale = await request(app)
        .put(`${paBase}/reviews-mtls`)
        .set(admin())
        .send(paForm('reviews-mtls', { mode: 'DISABLE', resourceVersion: rv }))
        .expect(409);
      expect(stale.body.code).toBe('Conflict');
      const dup = await request(app).post(paBase).set(admin()).send(paForm('reviews-mtls')).expect(409);
      expect(dup.body.field).toBe('name');

      await request(app).delete(`${paBase}/reviews-mtls`).set(admin()).expect(204);
      expect(await live('peerauthentications')).toEqual([]);
      await request(app).get(`${paBase}/reviews-mtls`).set(admin()).expect(404);
      const after = PeerAuthenticationList.parse(
        (await request(app).get(paBase).set(admin()).expect(200)).body,
      );
      expect(after.effective).toMatchObject({ mode: 'PERMISSIVE', source: { level: 'default', ref: null } });
    });

    it('records revisions and rolls back to an earlier one', async () => {
      const created = await request(app).post(paBase).set(admin()).send(paForm('history')).expect(201);
      await request(app)
        .put(`${paBase}/history`)
        .set(admin())
        .send(paForm('history', { mode: 'DISABLE', resourceVersion: created.body.resourceVersion }))
        .expect(200);
      const revs = await request(app).get(`${paBase}/history/revisions`).set(admin()).expect(200);
      expect(
        revs.body.items.map((r: { revision: number; action: string }) => `${r.revision}:${r.action}`),
      ).toEqual(['2:update', '1:create']);
      const back = await request(app)
        .post(`${paBase}/history/revisions/1/rollback`)
        .set(admin())
        .send({})
        .expect(200);
      expect(back.body.form.mode).toBe('STRICT');
      const [stored] = await live('peerauthentications');
      expect((stored as unknown as { spec: { mtls: unknown } }).spec.mtls).toEqual({ mode: 'STRICT' });
      await request(app).delete(`${paBase}/history`).set(admin()).expect(204);
    });

    it('shows the root namespace’s mesh-wide policy read-only, only to a caller who may read it', async () => {
      await plane.kube.custom.createNamespacedCustomObject({
        group: 'security.istio.io',
        version: 'v1',
        namespace: 'istio-system',
        plural: 'peerauthentications',
        body: {
          apiVersion: 'security.istio.io/v1',
          kind: 'PeerAuthentication',
          metadata: { name: 'default', namespace: 'istio-system' },
          spec: { mtls: { mode: 'STRICT' } },
        },
      });
      try {
        const list = PeerAuthenticationList.parse(
          (await request(app).get(paBase).set(admin()).expect(200)).body,
        );
        expect(list.items).toEqual([]);
        expect(list.others.map((o) => [o.ref.namespace, o.ref.name, o.level])).toEqual([
          ['istio-system', 'default', 'mesh'],
        ]);
        expect(list.effective).toMatchObject({
          mode: 'STRICT',
          source: { level: 'mesh', ref: { name: 'default' } },
        });
        expect(list.plaintextCallers.map((c) => c.name)).toEqual(['unknown']);

        const viewer = await token('viewer', ['bookinfo']);
        const seen = PeerAuthenticationList.parse(
          (await request(app).get(paBase).set(viewer).expect(200)).body,
        );
        expect(seen.others).toEqual([]);
        expect(seen.effective).toMatchObject({ mode: 'STRICT', source: { level: 'mesh', ref: null } });
        expect(JSON.stringify(seen)).not.toContain('istio-system');
      } finally {
        await plane.kube.custom.deleteNamespacedCustomObject({
          group: 'security.istio.io',
          version: 'v1',
          namespace: 'istio-system',
          plural: 'peerauthentications',
          name: 'default',
        });
      }
    });
  });

  describe('access policies', () => {
    it.each([
      ['an unknown action', apForm('bad', { action: 'MAYBE' }), 'action'],
      [
        'an empty principal',
        apForm('bad', { rules: [{ from: [{ principals: [''] }] }] }),
        'rules.0.from.0.principals.0',
      ],
      [
        'a port that is no number',
        apForm('bad', { rules: [{ to: [{ ports: ['http'] }] }] }),
        'rules.0.to.0.ports.0',
      ],
      ['the reserved name', apForm('suggestion'), 'name'],
    ])('refuses %s with a 400 naming the field, writing nothing', async (_what, body, field) => {
      for (const url of [apBase, `${apBase}/preview`]) {
        const res = await request(app).post(url).set(admin()).send(body).expect(400);
        expect(res.body).toMatchObject({ code: 'InvalidRequest', field });
      }
      expect(await live('authorizationpolicies')).toEqual([]);
    });

    it('previews a DENY naming the observed caller it would refuse, writing nothing', async () => {
      const res = await request(app)
        .post(`${apBase}/preview`)
        .set(admin())
        .send(apForm('no-productpage'))
        .expect(200);
      const preview = AccessPolicyPreview.parse(res.body);
      expect(preview.objects[0]).toMatchObject({ kind: 'AuthorizationPolicy', action: 'create' });
      expect(preview.refused).toHaveLength(1);
      expect(preview.refused[0]).toMatchObject({
        decision: 'denied',
        caller: { name: 'productpage-v1', principal: PRODUCTPAGE, requestsPerMinute: 120, mtlsShare: 1 },
        policy: { name: 'no-productpage', namespace: 'bookinfo' },
      });
      // A DENY of another identity refuses none of the callers seen.
      const other = await request(app)
        .post(`${apBase}/preview`)
        .set(admin())
        .send(
          apForm('no-ratings', {
            rules: [{ from: [{ principals: ['cluster.local/ns/bookinfo/sa/ratings'] }] }],
          }),
        )
        .expect(200);
      expect(other.body.refused).toEqual([]);
      expect(await live('authorizationpolicies')).toEqual([]);
    });

    it('creates, judges the callers, updates with the resourceVersion, refuses a stale one, and deletes', async () => {
      const created = await request(app).post(apBase).set(admin()).send(apForm('deny-pp')).expect(201);
      expect(created.body).toMatchObject({
        name: 'deny-pp',
        attachment: 'selector',
        form: { action: 'DENY' },
      });
      const [stored] = await live('authorizationpolicies');
      expect((stored as unknown as { spec: unknown }).spec).toMatchObject({
        selector: { matchLabels: { app: 'reviews' } },
        action: 'DENY',
        rules: [{ from: [{ source: { principals: [PRODUCTPAGE] } }] }],
      });
      expect(checkIstioObject(stored as KubeObject)).toEqual({ errors: [], pruned: [] });

      const list = AccessPolicyList.parse((await request(app).get(apBase).set(admin()).expect(200)).body);
      expect(list.items.map((i) => i.name)).toEqual(['deny-pp']);
      const verdict = (name: string) => list.callers.find((v) => v.caller.name === name);
      expect(verdict('productpage-v1')).toMatchObject({ decision: 'denied', policy: { name: 'deny-pp' } });
      expect(verdict('unknown')?.decision).toBe('allowed');

      // Previewing an edit plans an update; an ALLOW of productpage refuses the plaintext caller instead.
      const edit = await request(app)
        .post(`${apBase}/preview`)
        .set(admin())
        .send(apForm('deny-pp', { action: 'ALLOW' }))
        .expect(200);
      expect(edit.body.objects[0]).toMatchObject({ action: 'update', name: 'deny-pp' });
      expect(edit.body.refused.map((v: { caller: { name: string } }) => v.caller.name)).toEqual(['unknown']);

      const rv = created.body.resourceVersion as string;
      const updated = await request(app)
        .put(`${apBase}/deny-pp`)
        .set(admin())
        .send(apForm('deny-pp', { dryRun: true, resourceVersion: rv }))
        .expect(200);
      expect(updated.body.form.dryRun).toBe(true);
      const [dry] = await live('authorizationpolicies');
      expect(dry?.metadata.annotations?.['istio.io/dry-run']).toBe('true');
      const stale = await request(app)
        .put(`${apBase}/deny-pp`)
        .set(admin())
        .send(apForm('deny-pp', { action: 'AUDIT', resourceVersion: rv }))
        .expect(409);
      expect(stale.body.code).toBe('Conflict');

      await request(app).delete(`${apBase}/deny-pp`).set(admin()).expect(204);
      expect(await live('authorizationpolicies')).toEqual([]);
      await request(app).get(`${apBase}/deny-pp`).set(admin()).expect(404);
    });

    it('records revisions and rolls back to an earlier one', async () => {
      const created = await request(app).post(apBase).set(admin()).send(apForm('history')).expect(201);
      await request(app)
        .put(`${apBase}/history`)
        .set(admin())
        .send(apForm('history', { action: 'ALLOW', resourceVersion: created.body.resourceVersion }))
        .expect(200);
      const revs = await request(app).get(`${apBase}/history/revisions`).set(admin()).expect(200);
      expect(
        revs.body.items.map((r: { revision: number; action: string }) => `${r.revision}:${r.action}`),
      ).toEqual(['2:update', '1:create']);
      const back = await request(app)
        .post(`${apBase}/history/revisions/1/rollback`)
        .set(admin())
        .send({})
        .expect(200);
      expect(back.body.form.action).toBe('DENY');
      const after = await request(app).get(`${apBase}/history/revisions`).set(admin()).expect(200);
      expect(after.body.items[0]).toMatchObject({ revision: 3, action: 'rollback', fromRevision: 1 });
      await request(app).delete(`${apBase}/history`).set(admin()).expect(204);
    });

    it('targets the Service when a waypoint serves it (ambient)', async () => {
      const base = `/api/v1/services/${encodeURIComponent(CATALOG)}/access-policies`;
      const res = await request(app)
        .post(base)
        .set(admin())
        .send(apForm('catalog-deny', { rules: [{ from: [{ namespaces: ['bookinfo'] }] }] }))
        .expect(201);
      expect(res.body.attachment).toBe('targetRefs');
      const [stored] = await live('authorizationpolicies', 'shop');
      const spec = (stored as unknown as { spec: Record<string, unknown> }).spec;
      expect(spec.targetRefs).toEqual([{ kind: 'Service', group: '', name: 'catalog' }]);
      expect(spec.selector).toBeUndefined();
      await request(app).delete(`${base}/catalog-deny`).set(admin()).expect(204);
    });

    it('suggests an ALLOW policy for the callers seen over the window asked', async () => {
      const res = await request(app).get(`${apBase}/suggestion?window=15m`).set(admin()).expect(200);
      const suggestion = AccessPolicySuggestion.parse(res.body);
      expect(suggestion.window).toBe('15m');
      expect(telemetry.asked).toContainEqual({ serviceId: REVIEWS, rangeSeconds: 900 });
      expect(suggestion.form).toMatchObject({
        action: 'ALLOW',
        rules: [{ from: [{ principals: [PRODUCTPAGE] }] }],
      });
      expect(suggestion.callers.map((c) => c.name).sort()).toEqual(['productpage-v1', 'unknown']);
      // Nothing is written; a bad window is a 400; failing telemetry is a 503.
      expect(await live('authorizationpolicies')).toEqual([]);
      const bad = await request(app).get(`${apBase}/suggestion?window=2d`).set(admin()).expect(400);
      expect(bad.body.field).toBe('window');
      telemetry.failing = true;
      const down = await request(app).get(`${apBase}/suggestion`).set(admin()).expect(503);
      expect(down.body.code).toBe('TelemetryUnavailable');
    });
  });

  it('lists and previews without callers, saying so, when the telemetry fails', async () => {
    telemetry.failing = true;
    const list = AccessPolicyList.parse((await request(app).get(apBase).set(admin()).expect(200)).body);
    expect(list.callers).toEqual([]);
    expect(list.trafficUnavailable).toBe(true);
    const pas = PeerAuthenticationList.parse((await request(app).get(paBase).set(admin()).expect(200)).body);
    expect(pas.plaintextCallers).toEqual([]);
    expect(pas.trafficUnavailable).toBe(true);
    telemetry.failing = false;
    expect((await request(app).get(apBase).set(admin()).expect(200)).body.trafficUnavailable).toBe(false);
    telemetry.failing = true;
    for (const [url, body] of [
      [`${apBase}/preview`, apForm('x')],
      [`${paBase}/preview`, paForm('x')],
    ] as const) {
      const res = await request(app).post(url).set(admin()).send(body).expect(200);
      expect(res.body.refused).toEqual([]);
      expect(res.body.warnings.map((w: { message: string }) => w.message).join('\n')).toMatch(
        /traffic could not be read/,
      );
    }
  });

  it('names a caller of another namespace only to a reader of that namespace', async () => {
    const STOREFRONT = 'cluster.local/ns/shop/sa/storefront';
    telemetry.rows = [...telemetry.rows, consumer('storefront', 'shop', 1, STOREFRONT, 1)];
    const viewer = await token('viewer', ['bookinfo']);
    const list = AccessPolicyList.parse((await request(app).get(apBase).set(viewer).expect(200)).body);
    expect(list.callers.map((v) => v.caller.name).sort()).toEqual([
      'other namespaces',
      'productpage-v1',
      'unknown',
    ]);
    expect(list.callers.find((v) => v.caller.name === 'other namespaces')?.caller).toMatchObject({
      namespace: null,
      principal: null,
      requestsPerMinute: 60,
    });
    const suggestion = AccessPolicySuggestion.parse(
      (await request(app).get(`${apBase}/suggestion`).set(viewer).expect(200)).body,
    );
    expect(suggestion.form.rules).toEqual([{ from: [{ principals: [PRODUCTPAGE] }] }]);
    for (const body of [list, suggestion]) expect(JSON.stringify(body)).not.toContain('storefront');
    // An admin sees it, and the suggestion allows it too.
    const all = AccessPolicySuggestion.parse(
      (await request(app).get(`${apBase}/suggestion`).set(admin()).expect(200)).body,
    );
    expect(all.form.rules[0]?.from?.flatMap((f) => f.principals ?? []).sort()).toEqual([
      PRODUCTPAGE,
      STOREFRONT,
    ]);
  });

  it('documents both kinds and the suggestion in the OpenAPI document', async () => {
    const doc = (await request(app).get('/api/v1/openapi.json').set(admin()).expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
      components: { schemas: Record<string, unknown> };
    };
    for (const kind of ['peer-authentications', 'access-policies'])
      for (const path of [
        '',
        '/preview',
        '/{name}',
        '/{name}/revisions',
        '/{name}/revisions/{revision}/rollback',
      ])
        expect(doc.paths, `${kind}${path}`).toHaveProperty([`/services/{id}/${kind}${path}`]);
    const suggestion = doc.paths['/services/{id}/access-policies/suggestion']?.get;
    expect(JSON.stringify(suggestion?.responses[200])).toContain(
      '#/components/schemas/AccessPolicySuggestion',
    );
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'PeerAuthenticationList',
        'AccessPolicyList',
        'AccessPolicySuggestion',
        'CallerVerdict',
      ]),
    );
  });

  it('lets only an operator of the service’s namespace change its rules; a viewer reads the suggestion', async () => {
    const elsewhere = await token('operator', ['shop']);
    const viewer = await token('viewer', ['bookinfo']);
    for (const [url, body] of [
      [paBase, paForm('intruder')],
      [apBase, apForm('intruder')],
    ] as const) {
      const res = await request(app).post(url).set(elsewhere).send(body).expect(403);
      expect(res.body.code).toBe('Forbidden');
      await request(app).post(url).set(viewer).send(body).expect(403);
    }
    expect(await live('peerauthentications')).toEqual([]);
    expect(await live('authorizationpolicies')).toEqual([]);
    await request(app).get(`${apBase}/suggestion`).set(viewer).expect(200);
    await request(app).get(`${apBase}/suggestion`).set(elsewhere).expect(403);
  });
});

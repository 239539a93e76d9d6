import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as yaml from 'js-yaml';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../clients/kube';
import type { Console } from '../console';
import type { ReleaseView } from '../contract/releases';
import type { TelemetrySource, VersionFigures } from '../features/monitoring/telemetry';
import { EMPTY_FIGURES, telemetryUnavailable } from '../features/monitoring/telemetry';
import { checkIstioObject } from '../mesh/istio-schema';
import { ADMIN_HEADER, testAuth } from '../testing/auth';
import { checkGatewayApiObject } from '../testing/gateway-api-schema';
import { startTestControlPlane, testConsole } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

/**
 * Progressive delivery through the API, against the embedded control plane with the demo mesh's
 * objects, a release controller ticking every 100 ms, and a telemetry source the test sets per
 * version (requests, 5xx and p99 per second), so a canary is healthy or failing on cue.
 */

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const RATINGS = 'ratings.bookinfo.svc.cluster.local';
const CATALOG = 'catalog.shop.svc.cluster.local';
const releases = (id: string) => `/api/v1/services/${encodeURIComponent(id)}/releases`;

/** Per service and version: requests/s, 5xx/s, p99 ms. */
const traffic = new Map<string, Record<string, [number, number, number]>>();

/** Services whose telemetry cannot be read. */
const unavailable = new Set<string>();

const fakeTelemetry = {
  kind: 'embedded',
  scrapeIntervalSeconds: 1,
  serviceFigures: (serviceId: string) => {
    if (unavailable.has(serviceId)) return Promise.reject(telemetryUnavailable('Prometheus is down'));
    const byVersion: VersionFigures[] = Object.entries(traffic.get(serviceId) ?? {}).map(
      ([version, [requests, errors, p99]]) => ({
        version,
        figures: { ...EMPTY_FIGURES, requests, errors, p99 },
      }),
    );
    return Promise.resolve({ total: EMPTY_FIGURES, byVersion });
  },
} as unknown as TelemetrySource;

const gates = { maxErrorRate: 1, maxP99Ms: 400, minRequests: 10 };

async function until<T>(what: () => Promise<T | undefined>, timeoutMs: number, label: string): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`${label}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the releases API', () => {
  let plane: TestControlPlane;
  let kube: KubeClient;
  let built: Console;
  const as: Record<'viewer' | 'operator' | 'elsewhere' | 'admin', Record<string, string>> = {
    viewer: {},
    operator: {},
    elsewhere: {},
    admin: ADMIN_HEADER,
  };

  const view = async (id: string, name: string) =>
    (
      await request(built.app)
        .get(`${releases(id)}/${name}`)
        .set(ADMIN_HEADER)
        .expect(200)
    ).body as ReleaseView;
  const phaseOf = (id: string, name: string, phase: string, timeoutMs = 8000) =>
    until(
      async () => {
        const v = await view(id, name);
        return v.status.phase === phase ? v : undefined;
      },
      timeoutMs,
      `${name} ${phase}`,
    );
  const custom = (group: string, plural: string, namespace: string, name: string) =>
    kube.custom.getNamespacedCustomObject({ group, version: 'v1', namespace, plural, name }) as Promise<{
      apiVersion: string;
      kind: string;
      metadata: Record<string, unknown>;
      spec: Record<string, unknown>;
    }>;
  const virtualService = async (name: string) => {
    const vs = await custom('networking.istio.io', 'virtualservices', 'bookinfo', name);
    const { apiVersion, kind, spec } = vs;
    expect(checkIstioObject({ apiVersion, kind, metadata: { name }, spec } as never)).toEqual({
      errors: [],
      pruned: [],
    });
    return vs.spec as {
      http: {
        match?: { headers?: Record<string, unknown> }[];
        route: { destination: { subset: string }; weight?: number }[];
      }[];
    };
  };
  const auditOf = async (serviceId: string) => {
    await built.auth.audit.flush();
    const res = await request(built.app)
      .get(`/api/v1/audit?service=${encodeURIComponent(serviceId)}`)
      .set(ADMIN_HEADER);
    return (res.body.items as { action: string; message: string | null; user: string }[]) ?? [];
  };

  beforeAll(async () => {
    plane = await startTestControlPlane();
    kube = plane.kube;
    built = await testConsole({
      kube,
      catalog: plane.catalog,
      auth: testAuth({ kube }),
      telemetry: fakeTelemetry,
      releases: { tickMs: 100, minWindowSeconds: 1, pollMs: 100 },
      stream: { heartbeatMs: 200 },
    });
    const token = async (role: string, namespaces: string[]) => {
      const res = await request(built.app)
        .post('/api/v1/admin/tokens')
        .set(ADMIN_HEADER)
        .send({ name: `releases ${role} ${namespaces.join(' ')}`, role, namespaces })
        .expect(201);
      return { authorization: `Bearer ${res.body.secret as string}` };
    };
    as.viewer = await token('viewer', ['bookinfo', 'shop']);
    as.operator = await token('operator', ['bookinfo', 'shop']);
    as.elsewhere = await token('operator', ['spring-demo']);
  });
  afterAll(async () => {
    await built?.close();
    await plane?.close();
  });

  it('refuses a bad form with a 400 naming the field, writing nothing', async () => {
    const base = { name: 'bad', stable: 'v1', canary: 'v3', steps: [{ weight: 100, holdSeconds: 5 }], gates };
    for (const [body, field] of [
      [
        {
          ...base,
          steps: [
            { weight: 50, holdSeconds: 5 },
            { weight: 40, holdSeconds: 5 },
          ],
        },
        'steps.1.weight',
      ],
      [{ ...base, steps: [{ weight: 50, holdSeconds: 5 }] }, 'steps.0.weight'],
      [{ ...base, canary: 'v1' }, 'canary'],
      [{ ...base, canary: 'v9' }, 'canary'],
      [{ ...base, gates: { ...gates, maxErrorRate: 101 } }, 'gates.maxErrorRate'],
      [{ ...base, name: 'Bad_Name' }, 'name'],
    ] as const) {
      const res = await request(built.app).post(releases(REVIEWS)).set(as.operator).send(body).expect(400);
      expect(res.body.field, JSON.stringify(body)).toBe(field);
      expect(res.body.message).not.toMatch(/\n\s+at /);
    }
    expect((await request(built.app).get(releases(REVIEWS)).set(as.viewer).expect(200)).body.items).toEqual(
      [],
    );
  });

  it('previews the first stage as YAML and a diff, writing nothing', async () => {
    const res = await request(built.app)
      .post(`${releases(REVIEWS)}/preview`)
      .set(as.operator)
      .send({
        name: 'preview',
        stable: 'v1',
        canary: 'v3',
        steps: [
          { weight: 10, holdSeconds: 5 },
          { weight: 100, holdSeconds: 5 },
        ],
        gates,
      })
      .expect(200);
    const vs = (res.body.objects as { kind: string; yaml: string; diff: string }[]).find(
      (o) => o.kind === 'VirtualService',
    );
    expect(vs?.yaml).toMatch(/weight: 90[\s\S]*weight: 10/);
    expect(vs?.diff).toContain('+');
    expect((await request(built.app).get(releases(REVIEWS)).set(as.viewer).expect(200)).body.items).toEqual(
      [],
    );

    // With the Gateway API (catalog's HTTPRoute), the header stage is a rule matching the header.
    const gatewayApi = await request(built.app)
      .post(`${releases(CATALOG)}/preview`)
      .set(as.operator)
      .send({
        name: 'preview',
        stable: 'v1',
        canary: 'v2',
        headerCanary: { name: 'x-canary', value: 'on', holdSeconds: 5 },
        steps: [{ weight: 100, holdSeconds: 5 }],
        gates,
      })
      .expect(200);
    const objects = gatewayApi.body.objects as { kind: string; yaml: string; action: string }[];
    const route = objects.find((o) => o.kind === 'HTTPRoute');
    expect(route?.action).toBe('update');
    const parsed = yaml.load(route?.yaml ?? '') as {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace: string };
      spec: {
        rules: { matches?: { headers?: unknown[] }[]; backendRefs: { name: string; weight?: number }[] }[];
      };
    };
    expect(checkGatewayApiObject(parsed).errors).toEqual([]);
    expect(parsed.spec.rules[0]?.matches?.[0]?.headers).toEqual([
      { type: 'Exact', name: 'x-canary', value: 'on' },
    ]);
    expect(parsed.spec.rules[0]?.backendRefs.map((b) => b.name)).toEqual(['catalog-v2']);
    expect(parsed.spec.rules.at(-1)?.backendRefs.map((b) => [b.name, b.weight])).toEqual([
      ['catalog-v1', 100],
      ['catalog-v2', 0],
    ]);
  });

  it.concurrent(
    'a healthy canary goes through the header stage and its weights to Succeeded, each step a revision of the route',
    async () => {
      traffic.set(REVIEWS, { v1: [20, 0, 120], v3: [5, 0, 150] });
      const created = await request(built.app)
        .post(releases(REVIEWS))
        .set(as.operator)
        .send({
          name: 'reviews-v3',
          stable: 'v1',
          canary: 'v3',
          headerCanary: { name: 'x-canary', value: 'on', holdSeconds: 5 },
          steps: [{ weight: 100, holdSeconds: 5 }],
          gates,
        });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const body = created.body as ReleaseView;
      expect(body.status.phase).toBe('Progressing');
      expect(body.route).toEqual({ kind: 'VirtualService', name: 'reviews' });
      expect(body.createdBy).toMatch(/releases operator/);
      // The header stage: requests with the header go to v3, the rest stays on v1.
      const first = await virtualService('reviews');
      expect(first.http[0]?.match?.[0]?.headers).toEqual({ 'x-canary': { exact: 'on' } });
      expect(first.http[0]?.route.map((r) => r.destination.subset)).toEqual(['v3']);
      expect(first.http.at(-1)?.route.map((r) => r.weight ?? 100)).toEqual([100, 0]);

      // A second release of the service while this one runs is refused.
      const again = await request(built.app)
        .post(releases(REVIEWS))
        .set(as.operator)
        .send({
          name: 'reviews-v2',
          stable: 'v1',
          canary: 'v2',
          steps: [{ weight: 100, holdSeconds: 5 }],
          gates,
        })
        .expect(409);
      expect(again.body.code).toBe('ReleaseInProgress');

      const done = await phaseOf(REVIEWS, 'reviews-v3', 'Succeeded', 15_000);
      expect(done.status.log.map((e) => e.outcome)).toEqual([
        'started',
        'passed',
        'started',
        'passed',
        'succeeded',
      ]);
      expect(done.status.log[1]?.message).toMatch(/^step 1 passed: error rate 0% < 1%, p99 150 ms < 400 ms/);
      expect(done.samples.length).toBeGreaterThan(5);
      expect(done.samples.at(-1)).toMatchObject({
        canary: { errorRate: 0, p99Ms: 150 },
        targetCanaryWeight: 100,
      });
      const last = await virtualService('reviews');
      expect(last.http).toHaveLength(1);
      expect(last.http[0]?.route.map((r) => [r.destination.subset, r.weight])).toEqual([
        ['v1', 0],
        ['v3', 100],
      ]);
      const revisions = (
        await request(built.app)
          .get(`/api/v1/services/${encodeURIComponent(REVIEWS)}/routes/reviews/revisions`)
          .set(ADMIN_HEADER)
      ).body.items as { comment?: string; user: string }[];
      expect(revisions.slice(0, 2).map((r) => r.comment)).toEqual([
        'canary step 2 by release reviews-v3',
        'canary step 1 by release reviews-v3',
      ]);
      // The controller writes as the user who started the release.
      expect(revisions[0]?.user).toBe(revisions[1]?.user);
      const audit = await auditOf(REVIEWS);
      expect(audit.map((a) => a.action)).toEqual(
        expect.arrayContaining(['releases.create', 'releases.succeeded', 'routes.update']),
      );
      expect(audit.find((a) => a.action === 'routes.update')?.message).toBe(
        'canary step 2 by release reviews-v3',
      );
    },
    20_000,
  );

  it.concurrent(
    'a failing canary on an HTTPRoute is rolled back to 100% stable at once, with the reason, audited',
    async () => {
      traffic.set(CATALOG, { v1: [20, 0, 50], v2: [20, 6, 60] });
      await request(built.app)
        .post(releases(CATALOG))
        .set(as.operator)
        .send({
          name: 'catalog-v2',
          stable: 'v1',
          canary: 'v2',
          steps: [
            { weight: 20, holdSeconds: 60 },
            { weight: 100, holdSeconds: 60 },
          ],
          gates,
        })
        .expect(201);
      const rolled = await phaseOf(CATALOG, 'catalog-v2', 'RolledBack');
      expect(rolled.route.kind).toBe('HTTPRoute');
      expect(rolled.status.reason).toMatch(
        /^step 1 failed: error rate 30% > 1% \(stable 0%\); rolled back to 100% v1$/,
      );
      const route = await until(
        async () => {
          const r = await custom('gateway.networking.k8s.io', 'httproutes', 'shop', rolled.route.name);
          const weights = (r.spec.rules as { backendRefs: { name: string; weight?: number }[] }[])
            .at(-1)
            ?.backendRefs.map((b) => [b.name, b.weight]);
          return JSON.stringify(weights) ===
            JSON.stringify([
              ['catalog-v1', 100],
              ['catalog-v2', 0],
            ])
            ? r
            : undefined;
        },
        5000,
        'weights back to v1',
      );
      expect(
        checkGatewayApiObject({
          apiVersion: route.apiVersion,
          kind: route.kind,
          metadata: { name: rolled.route.name, namespace: 'shop' },
          spec: route.spec,
        }).errors,
      ).toEqual([]);
      const audit = await until(
        async () => {
          const items = await auditOf(CATALOG);
          return items.some((a) => a.action === 'releases.rollback') ? items : undefined;
        },
        5000,
        'rollback audited',
      );
      expect(audit.find((a) => a.action === 'releases.rollback')?.message).toMatch(
        /release catalog-v2: step 1 failed: error rate 30%/,
      );
      expect(audit.find((a) => a.action === 'routes.update')?.message).toBe('rollback by release catalog-v2');
    },
  );

  // One service (ratings), one release at a time: its stories run in turn, beside the two above.
  it.concurrent(
    'on ratings: pause, resume, promote and abort by role (a refused action is a 409 saying why); a hand edit of the route pauses the release; the release streamed as Server-Sent Events',
    async () => {
      traffic.delete(RATINGS); // no traffic: the gates wait for requests, the release holds its step
      const start = (name: string, stable: string, canary: string) =>
        request(built.app)
          .post(releases(RATINGS))
          .set(as.operator)
          .send({
            name,
            stable,
            canary,
            steps: [
              { weight: 10, holdSeconds: 60 },
              { weight: 100, holdSeconds: 60 },
            ],
            gates,
          })
          .expect(201);
      const act = (name: string, action: string, who: keyof typeof as) =>
        request(built.app)
          .post(`${releases(RATINGS)}/${name}/${action}`)
          .set(as[who])
          .send({});

      // Telemetry that cannot be read holds the step, and its gates say why.
      unavailable.add(RATINGS);
      await start('ratings-v2', 'v1', 'v2');
      const waiting = await until(
        async () => {
          const v = await view(RATINGS, 'ratings-v2');
          return v.status.gates ? v : undefined;
        },
        5000,
        'gates recorded',
      );
      expect(waiting.status.gates).toMatchObject({
        verdict: 'wait',
        message: 'telemetry unavailable: Prometheus is down',
      });
      expect(waiting.status.phase).toBe('Progressing');
      unavailable.delete(RATINGS);
      expect((await act('ratings-v2', 'pause', 'viewer')).status).toBe(403);
      expect((await act('ratings-v2', 'pause', 'elsewhere')).status).toBe(403);
      const paused = await request(built.app)
        .post(`${releases(RATINGS)}/ratings-v2/pause`)
        .set(as.operator)
        .send({ reason: 'checking dashboards' })
        .expect(200);
      expect(paused.body.status).toMatchObject({
        phase: 'Paused',
        reason: expect.stringMatching(/checking dashboards/) as unknown,
      });
      expect((await act('ratings-v2', 'resume', 'operator').expect(200)).body.status.phase).toBe(
        'Progressing',
      );
      const promoted = await act('ratings-v2', 'promote', 'operator').expect(200);
      expect(promoted.body.status.phase).toBe('Succeeded');
      const refused = await act('ratings-v2', 'resume', 'operator').expect(409);
      expect(refused.body.message).toBe('release ratings-v2 is Succeeded: it cannot resume');
      const vs = await virtualService('ratings');
      expect(vs.http.at(-1)?.route.map((r) => [r.destination.subset, r.weight])).toEqual([
        ['v1', 0],
        ['v2', 100],
      ]);

      // Back the other way, and aborted: 100% to the stable version (v2) at once.
      await start('ratings-back', 'v2', 'v1');
      const aborted = await act('ratings-back', 'abort', 'operator').expect(200);
      expect(aborted.body.status).toMatchObject({
        phase: 'RolledBack',
        reason: expect.stringMatching(/^aborted at step 1 by/) as unknown,
      });
      expect(
        (await virtualService('ratings')).http.at(-1)?.route.map((r) => [r.destination.subset, r.weight]),
      ).toEqual([
        ['v2', 100],
        ['v1', 0],
      ]);
      const audit = await auditOf(RATINGS);
      for (const action of ['releases.pause', 'releases.resume', 'releases.promote', 'releases.abort'])
        expect(audit.find((a) => a.action === action)?.message, action).toMatch(/release ratings-/);
      expect(audit.filter((a) => a.action === 'releases.pause').length).toBeGreaterThanOrEqual(3); // 2 refused

      // A hand edit of the route pauses the release, saying who changed what.
      await request(built.app)
        .post(releases(RATINGS))
        .set(as.operator)
        .send({
          name: 'ratings-edit',
          stable: 'v2',
          canary: 'v1',
          steps: [
            { weight: 30, holdSeconds: 60 },
            { weight: 100, holdSeconds: 60 },
          ],
          gates,
        })
        .expect(201);
      const route = (
        await request(built.app)
          .get(`/api/v1/services/${encodeURIComponent(RATINGS)}/routes/ratings`)
          .set(ADMIN_HEADER)
          .expect(200)
      ).body as {
        form: Record<string, unknown>;
        resourceVersion: string;
      };
      await request(built.app)
        .put(`/api/v1/services/${encodeURIComponent(RATINGS)}/routes/ratings`)
        .set(ADMIN_HEADER)
        .send({
          ...route.form,
          destinations: [
            { version: 'v2', weight: 50 },
            { version: 'v1', weight: 50 },
          ],
          resourceVersion: route.resourceVersion,
        })
        .expect(200);
      const edited = await phaseOf(RATINGS, 'ratings-edit', 'Paused');
      expect(edited.status.reason).toMatch(
        /edited outside the release \(admin\S* set v2 50%, v1 50%; the release had set v2 70%, v1 30%\)/,
      );
      // The hand-edited weights stay.
      expect((await virtualService('ratings')).http.at(-1)?.route.map((r) => r.weight)).toEqual([50, 50]);
      await request(built.app)
        .post(`${releases(RATINGS)}/ratings-edit/abort`)
        .set(as.operator)
        .expect(200);

      // The release's stream: an event whenever it changes, heartbeats in between.
      traffic.delete(RATINGS);
      await request(built.app)
        .post(releases(RATINGS))
        .set(as.operator)
        .send({
          name: 'ratings-sse',
          stable: 'v1',
          canary: 'v2',
          steps: [
            { weight: 10, holdSeconds: 60 },
            { weight: 100, holdSeconds: 60 },
          ],
          gates,
        })
        .expect(201);
      const server = http.createServer(built.app).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      try {
        const { port } = server.address() as AddressInfo;
        const res = await fetch(`http://127.0.0.1:${port}${releases(RATINGS)}/ratings-sse/events`, {
          headers: as.viewer,
        });
        expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        let text = '';
        const decoder = new TextDecoder();
        const read = async (until: (t: string) => boolean) => {
          while (!until(text)) {
            const { value, done } = await reader.read();
            if (done) break;
            text += decoder.decode(value);
          }
        };
        await read((t) => t.includes('event: release'));
        await request(built.app)
          .post(`${releases(RATINGS)}/ratings-sse/abort`)
          .set(as.operator)
          .expect(200);
        await read((t) => t.includes('"phase":"RolledBack"') && t.includes(': heartbeat'));
        const frames = text.split('\n\n').filter((f) => f.startsWith('event: release'));
        const phases = frames.map(
          (f) => (JSON.parse(f.split('\ndata: ')[1] as string) as ReleaseView).status.phase,
        );
        expect(phases[0]).toBe('Progressing');
        expect(phases.at(-1)).toBe('RolledBack');
        await reader.cancel();
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
      await request(built.app)
        .get(`${releases(RATINGS)}/nope/events`)
        .set(as.viewer)
        .expect(404);
    },
  );
});

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Console } from '../../console';
import type { ReleaseView } from '../../contract/releases';
import { ADMIN_HEADER } from '../../testing/auth';
import { testConsole } from '../../testing/console';

/**
 * A release judged by the demo mesh's own telemetry (no stand-in): the simulated traffic obeys the
 * weights the release writes, the exporter counts what each version served, and a version made to
 * fail with the demo's annotation is rolled back by itself.
 */

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const releases = `/api/v1/services/${encodeURIComponent(REVIEWS)}/releases`;

describe('a release on the demo mesh', () => {
  let built: Console;

  beforeAll(async () => {
    built = await testConsole({
      config: { demo: true },
      releases: { tickMs: 200, minWindowSeconds: 3, pollMs: 200 },
    });
  });
  afterAll(async () => {
    await built?.close();
  });

  it('rolls back a canary that fails, read from the demo telemetry per version', async () => {
    // reviews v3 answers every request with a 500.
    await built.kube.objects.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: 'reviews-v3',
          namespace: 'bookinfo',
          annotations: { 'demo.mesh-console.io/error-rate': '1' },
        },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      'application/merge-patch+json' as never,
    );
    const breach = Date.now();
    await request(built.app)
      .post(releases)
      .set(ADMIN_HEADER)
      .send({
        name: 'reviews-v3',
        stable: 'v1',
        canary: 'v3',
        steps: [
          { weight: 50, holdSeconds: 30 },
          { weight: 100, holdSeconds: 30 },
        ],
        gates: { maxErrorRate: 5, maxP99Ms: 5000, minRequests: 3 },
      })
      .expect(201);
    let view: ReleaseView | undefined;
    for (let i = 0; i < 150; i++) {
      view = (await request(built.app).get(`${releases}/reviews-v3`).set(ADMIN_HEADER).expect(200))
        .body as ReleaseView;
      if (view.status.phase !== 'Progressing') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(view?.status.phase).toBe('RolledBack');
    expect(Date.now() - breach).toBeLessThan(15_000);
    // The stable version's rate is said when it had requests in the window (on a loaded machine the
    // demo's traffic may not have reached it yet), and other gates may fail beside the error rate.
    expect(view?.status.reason).toMatch(
      /^step 1 failed: error rate [\d.]+% > 5%( \(stable 0%\))?(; [^;]+)*; rolled back to 100% v1$/,
    );
    const failed = view?.status.gates?.checks.find((c) => c.gate === 'errorRate');
    expect(failed?.canary).toBeGreaterThan(5);
    expect(view?.samples.at(-1)?.canary.requests).toBeGreaterThanOrEqual(3);
    // The decision is recorded before the weights are written (a leader that dies between the two
    // leaves the next one the write): the route follows within moments, not necessarily at once.
    const liveWeights = async () => {
      const vs = (await built.kube.custom.getNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: 'bookinfo',
        plural: 'virtualservices',
        name: view?.route.name ?? '',
      })) as { spec: { http: { route: { destination: { subset: string }; weight?: number }[] }[] } };
      return vs.spec.http.at(-1)?.route.map((r) => [r.destination.subset, r.weight]);
    };
    await expect.poll(liveWeights, { timeout: 5000, interval: 100 }).toEqual([
      ['v1', 100],
      ['v3', 0],
    ]);
  }, 20_000);
});

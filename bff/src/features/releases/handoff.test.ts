import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ReleaseView } from '../../contract/releases';
import { ADMIN_HEADER, testAuth } from '../../testing/auth';
import { testConsole } from '../../testing/console';
import { replicasOnOnePlane } from '../../testing/replicas';
import type { TelemetrySource } from '../monitoring/telemetry';
import { EMPTY_FIGURES } from '../monitoring/telemetry';

/**
 * Two consoles on one control plane (two replicas): the one holding the Lease drives a release;
 * when it stops leading without letting go (as a killed pod does), the other takes the Lease once
 * it expires and finishes the release from the recorded step.
 */

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const releases = `/api/v1/services/${encodeURIComponent(REVIEWS)}/releases`;

const healthy = {
  kind: 'embedded',
  scrapeIntervalSeconds: 1,
  serviceFigures: () =>
    Promise.resolve({
      total: EMPTY_FIGURES,
      byVersion: [
        { version: 'v1', figures: { ...EMPTY_FIGURES, requests: 20, p99: 100 } },
        { version: 'v3', figures: { ...EMPTY_FIGURES, requests: 20, p99: 100 } },
      ],
    }),
} as unknown as TelemetrySource;

describe('a release across a change of leader', () => {
  const replicas = replicasOnOnePlane();

  it('is continued by the second replica after the first stops leading mid-release', async () => {
    const { consoles } = replicas;
    const plane = replicas.plane();
    const replica = () =>
      testConsole({
        kube: plane.kube,
        catalog: plane.catalog,
        auth: testAuth({ kube: plane.kube }),
        telemetry: healthy,
        leaderElection: { leaseDurationSeconds: 2, renewIntervalMs: 200 },
        releases: { tickMs: 100, minWindowSeconds: 1, pollMs: 100 },
      });
    const first = await replica();
    consoles.push(first);
    const second = await replica();
    consoles.push(second);
    expect(first.leader.isLeader).toBe(true);
    expect(second.leader.isLeader).toBe(false);

    await request(first.app)
      .post(releases)
      .set(ADMIN_HEADER)
      .send({
        name: 'reviews-handoff',
        stable: 'v1',
        canary: 'v3',
        steps: [
          { weight: 50, holdSeconds: 5 },
          { weight: 100, holdSeconds: 5 },
        ],
        gates: { maxErrorRate: 1, maxP99Ms: 400, minRequests: 10 },
      })
      .expect(201);
    // The first replica is killed (it stops, keeping the Lease until it expires).
    await new Promise((r) => setTimeout(r, 500));
    await first.leader.stop({ release: false });
    const killedAt = Date.now();

    let view: ReleaseView | undefined;
    for (let i = 0; i < 300; i++) {
      view = (await request(second.app).get(`${releases}/reviews-handoff`).set(ADMIN_HEADER).expect(200))
        .body as ReleaseView;
      if (view.status.phase !== 'Progressing') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(second.leader.isLeader).toBe(true);
    expect(view?.status.phase).toBe('Succeeded');
    expect(view?.status.log.map((e) => e.outcome)).toEqual([
      'started',
      'passed',
      'started',
      'passed',
      'succeeded',
    ]);
    // The second step was entered after the first replica stopped: by the second one.
    const secondStep = view?.status.log[2];
    expect(Date.parse(secondStep?.at ?? '')).toBeGreaterThan(killedAt);
    const revisions = (
      await request(second.app)
        .get(`/api/v1/services/${encodeURIComponent(REVIEWS)}/routes/reviews/revisions`)
        .set(ADMIN_HEADER)
        .expect(200)
    ).body.items as { comment?: string }[];
    expect(revisions.map((r) => r.comment).slice(0, 2)).toEqual([
      'canary step 2 by release reviews-handoff',
      'canary step 1 by release reviews-handoff',
    ]);
  }, 25_000);
});

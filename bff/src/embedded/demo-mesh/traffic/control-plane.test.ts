import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config';
import { silentLogger } from '../../../lib/logger';
import { startConsole } from '../../../server';
import { ADMIN_HEADER, TEST_ADMIN_TOKEN } from '../../../testing/auth';
import type { RunningConsole } from '../../../server';
import { parseExposition } from './testing';

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const CATALOG = 'catalog.shop.svc.cluster.local';
const DETAILS = 'details.bookinfo.svc.cluster.local';

/**
 * The demo traffic on the embedded control plane, as `npm start` runs it: rules applied through the
 * console's routing API reach the simulator by watch, and show in the traffic within seconds.
 */
describe('demo traffic follows the control plane', () => {
  let dataDir: string;
  let running: RunningConsole;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-traffic-'));
    running = await startConsole(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        MESH_CONSOLE_DATA_DIR: dataDir,
        MESH_CONSOLE_DEMO: 'on',
        MESH_CONSOLE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      }),
      silentLogger(),
    );
  });

  afterAll(async () => {
    await running?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('applies a 0/100 route written through the routing API within a few seconds', async () => {
    const sim = running.traffic?.simulator;
    expect(sim).toBeDefined();
    expect(sim?.sharesFor(REVIEWS)?.get('v1')).toBeGreaterThan(0);
    await request(running.url)
      .post(`/api/v1/services/${encodeURIComponent(REVIEWS)}/routes`)
      .set(ADMIN_HEADER)
      .send({
        name: 'reviews-v3',
        routeType: 'version',
        trafficSplit: true,
        destinations: [
          { version: 'v1', weight: 0 },
          { version: 'v3', weight: 100 },
        ],
      })
      .expect((res) => expect(res.status, JSON.stringify(res.body)).toBeLessThan(300));
    await expect.poll(() => sim?.sharesFor(REVIEWS)?.get('v3'), { timeout: 5000, interval: 100 }).toBe(1);

    // And the traffic itself: the next ticks send reviews' requests to v3 only.
    const count = async () => {
      const text = await (await fetch(running.demoMetricsUrl ?? '')).text();
      const byVersion = new Map<string, number>();
      for (const x of parseExposition(text)) {
        if (x.name !== 'istio_requests_total' || x.labels.destination_service !== REVIEWS) continue;
        const v = x.labels.destination_version as string;
        byVersion.set(v, (byVersion.get(v) ?? 0) + x.value);
      }
      return byVersion;
    };
    const before = await count();
    await new Promise((r) => setTimeout(r, 2500));
    const after = await count();
    const grew = (v: string) => (after.get(v) ?? 0) - (before.get(v) ?? 0);
    expect(grew('v3')).toBeGreaterThan(0);
    expect(grew('v1')).toBe(0);
    expect(grew('v2')).toBe(0);
  });

  it('runs shop’s ambient corner as seeded: the waypoint splits catalog 90/10 by its HTTPRoute and reports it', async () => {
    const sim = running.traffic?.simulator;
    // The namespace's labels, the waypoint Gateway and the HTTPRoute reached the simulator by watch.
    await expect
      .poll(() => sim?.sharesFor(CATALOG, 'storefront-v1')?.get('v2'), { timeout: 5000, interval: 100 })
      .toBeCloseTo(0.1, 6);
    const waypointReports = async () => {
      const text = await (await fetch(running.demoMetricsUrl ?? '')).text();
      return parseExposition(text)
        .filter((x) => x.name === 'istio_requests_total' && x.labels.destination_app === 'catalog')
        .reduce(
          (m, x) => m.set(x.labels.reporter as string, (m.get(x.labels.reporter as string) ?? 0) + x.value),
          new Map<string, number>(),
        );
    };
    const before = await waypointReports();
    await new Promise((r) => setTimeout(r, 2500));
    const after = await waypointReports();
    expect((after.get('waypoint') ?? 0) - (before.get('waypoint') ?? 0)).toBeGreaterThan(0);
    expect([...after.keys()]).toEqual(['waypoint']);
    // The console's monitoring counts the per-version Services' requests as catalog's versions.
    const res = await request(running.url)
      .get(`/api/v1/services/${encodeURIComponent(CATALOG)}/metrics?window=5m`)
      .set(ADMIN_HEADER)
      .expect(200);
    const versions = (res.body as { split: { versions: { version: string; share: number | null }[] } }).split
      .versions;
    expect(versions.find((v) => v.version === 'v1')?.share).toBeGreaterThan(0.5);
  });

  it('refuses productpage’s calls to details once a DENY AuthorizationPolicy is applied, by its service account', async () => {
    // details' requests from productpage, by response code, as a Prometheus scrapes them.
    const byCode = async () => {
      const text = await (await fetch(running.demoMetricsUrl ?? '')).text();
      const m = new Map<string, number>();
      for (const x of parseExposition(text)) {
        if (x.name !== 'istio_requests_total' || x.labels.destination_service !== DETAILS) continue;
        if (x.labels.reporter !== 'destination' || x.labels.source_workload !== 'productpage-v1') continue;
        // The Pods' service account reached the simulator by watch: productpage's identity.
        expect(x.labels.source_principal).toBe('spiffe://cluster.local/ns/bookinfo/sa/productpage');
        const code = x.labels.response_code as string;
        m.set(code, (m.get(code) ?? 0) + x.value);
      }
      return m;
    };
    const policy = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'deny-productpage', namespace: 'bookinfo' },
      spec: {
        selector: { matchLabels: { app: 'details' } },
        action: 'DENY',
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/productpage'] } }] }],
      },
    };
    await running.kube.objects.create(policy);
    try {
      // The watch brings it within a tick or two.
      await new Promise((r) => setTimeout(r, 2000));
      const before = await byCode();
      await new Promise((r) => setTimeout(r, 2500));
      const after = await byCode();
      const grew = (code: string) => (after.get(code) ?? 0) - (before.get(code) ?? 0);
      expect(grew('403')).toBeGreaterThan(0);
      expect(grew('200')).toBe(0);
    } finally {
      await running.kube.objects.delete(policy);
    }
  });
});

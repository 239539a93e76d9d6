import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane } from '../embedded/control-plane';
import type { ControlPlane } from '../embedded/control-plane';
import { LeaderElector } from '../lib/leader-election';
import { silentLogger } from '../lib/logger';
import { createMetrics } from '../lib/metrics';
import { KubeClient } from './kube';
import { kubeLeaseApi } from './lease';

let cp: ControlPlane;
let kube: KubeClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-lease-'));
  cp = await startControlPlane({ dataDir, logger: silentLogger() });
  kube = KubeClient.forLoopback(cp.url, cp.token);
});

afterAll(async () => {
  await cp.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function until(what: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!what()) {
    if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

describe('leader election on the embedded control plane', () => {
  it('one of two replicas leads; the other takes over within 15 s of a kill, at once after a release', async () => {
    const name = 'mesh-console-leader';
    const metrics = createMetrics();
    const electors = ['a', 'b'].map(
      (id) =>
        new LeaderElector({
          api: kubeLeaseApi(kube, 'default', name),
          name,
          identity: `pod-${id}`,
          log: silentLogger(),
          gauge: metrics.leader,
        }),
    ) as [LeaderElector, LeaderElector];
    const [a, b] = electors;
    const running = { a: 0, b: 0 };
    a.whileLeading(() => {
      running.a++;
      return () => void running.a--;
    });
    b.whileLeading(() => {
      running.b++;
      return () => void running.b--;
    });
    a.start();
    await until(() => a.isLeader, 5000);
    b.start();
    await new Promise((r) => setTimeout(r, 2500));
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect(running).toEqual({ a: 1, b: 0 });

    const coordination = kube.kubeConfig.makeApiClient(CoordinationV1Api);
    const first = await coordination.readNamespacedLease({ name, namespace: 'default' });
    expect(first.spec).toMatchObject({ holderIdentity: 'pod-a', leaseDurationSeconds: 10 });

    // SIGKILL: a stops renewing and releases nothing.
    await a.stop({ release: false });
    const killedAt = Date.now();
    await until(() => b.isLeader, 15_000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(7000);
    expect(running).toEqual({ a: 0, b: 1 });
    const taken = await coordination.readNamespacedLease({ name, namespace: 'default' });
    expect(taken.spec?.holderIdentity).toBe('pod-b');
    expect(taken.spec?.leaseTransitions).toBe((first.spec?.leaseTransitions ?? 0) + 1);

    // A graceful stop releases: a (started again, as a new replica would) takes over at once.
    a.start();
    await new Promise((r) => setTimeout(r, 500));
    expect(a.isLeader).toBe(false);
    await b.stop({ release: true });
    const waited = await until(() => a.isLeader, 5000);
    expect(waited).toBeLessThan(3000);
    expect(running).toEqual({ a: 1, b: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/mesh_console_leader\{lease="mesh-console-leader"\} 1/);
    await a.stop({ release: true });
  }, 40_000);

  it("the Lease's calls are timed with the console's other control-plane calls", async () => {
    const metrics = createMetrics();
    const timed = KubeClient.forLoopback(cp.url, cp.token, { metrics });
    const elector = new LeaderElector({
      api: kubeLeaseApi(timed, 'default', 'timed-lease'),
      name: 'timed-lease',
      identity: 'pod-t',
      log: silentLogger(),
      gauge: metrics.leader,
    });
    elector.start();
    await until(() => elector.isLeader, 5000);
    await elector.stop({ release: true });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /mesh_console_kube_request_duration_seconds_count\{[^}]*resource="leases"[^}]*\} [1-9]/,
    );
  });
});

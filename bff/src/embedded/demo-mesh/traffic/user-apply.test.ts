import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config';
import { silentLogger } from '../../../lib/logger';
import { startConsole } from '../../../server';
import type { RunningConsole } from '../../../server';
import { TEST_ADMIN_TOKEN } from '../../../testing/auth';
import { parseExposition } from './testing';
import { BOOKINFO_NETWORKING, SAMPLES } from './user-mesh.test-support';

/**
 * The demo traffic follows what a user applies with a real kubectl, as the Istio tasks say to:
 * Bookinfo into `default`, its Gateway, then a task's rules, and the demo's metrics show the outcome.
 */
describe('demo traffic for what a user applies with kubectl', () => {
  let dataDir: string;
  let running: RunningConsole;
  // Asynchronous: the control plane answering kubectl runs in this process.
  const kubectl = (...args: string[]) =>
    promisify(execFile)('kubectl', ['--kubeconfig', path.join(dataDir, 'kubeconfig'), ...args], {
      timeout: 60_000,
    });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-user-apply-'));
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
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const count = async (labels: Record<string, string>) => {
    const text = await (await fetch(running.demoMetricsUrl ?? '')).text();
    return parseExposition(text)
      .filter((x) => x.name === 'istio_requests_total')
      .filter((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v))
      .reduce((s, x) => s + x.value, 0);
  };

  it('Bookinfo and its Gateway: users reach productpage through istio-ingressgateway; ratings-test-abort aborts jason’s ratings calls', async () => {
    await kubectl('apply', '-f', path.join(SAMPLES, 'bookinfo/platform/kube/bookinfo.yaml'));
    await kubectl('apply', '-f', path.join(BOOKINFO_NETWORKING, 'bookinfo-gateway.yaml'));
    const productpage = {
      reporter: 'destination',
      destination_service: 'productpage.default.svc.cluster.local',
      source_workload: 'istio-ingressgateway',
    };
    await expect.poll(() => count(productpage), { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);

    for (const f of [
      'destination-rule-all.yaml',
      'virtual-service-all-v1.yaml',
      'virtual-service-reviews-test-v2.yaml',
      'virtual-service-ratings-test-abort.yaml',
    ])
      await kubectl('apply', '-f', path.join(BOOKINFO_NETWORKING, f));
    const aborted = {
      reporter: 'source',
      source_workload: 'reviews-v2',
      destination_service: 'ratings.default.svc.cluster.local',
      response_code: '500',
      response_flags: 'FI',
    };
    await expect.poll(() => count(aborted), { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
    // The console's monitoring (the embedded telemetry, without a Prometheus) shows them as ratings' errors.
    const telemetry = running.traffic?.telemetry;
    const errors = async () =>
      (
        await telemetry?.serviceFigures('ratings.default.svc.cluster.local', {
          rangeSeconds: 60,
          stepSeconds: 5,
          rateSeconds: 20,
        })
      )?.total.errors ?? 0;
    await expect.poll(errors, { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
  }, 120_000);
});

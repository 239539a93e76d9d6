import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { silentLogger } from './lib/logger';
import { ADMIN_HEADER, TEST_ADMIN_TOKEN } from './testing/auth';
import { startConsole } from './server';
import type { RunningConsole } from './server';

/**
 * The BFF against the embedded control plane over HTTP: the same path `npm start` takes, with the
 * demo mesh seeded through the Kubernetes API and the catalog fed by watches.
 */
const AUTH_ENV = {
  MESH_CONSOLE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  MESH_CONSOLE_ADMIN_PASSWORD: 'a-test-password-1234',
};

describe('the console on the embedded control plane', () => {
  let dataDir: string;
  let running: RunningConsole;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-it-'));
    running = await startConsole(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        MESH_CONSOLE_DATA_DIR: dataDir,
        MESH_CONSOLE_DEMO: 'on',
        ...AUTH_ENV,
      }),
      silentLogger(),
    );
  });

  afterAll(async () => {
    await running?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports the embedded control plane as healthy, without saying where it is', async () => {
    const res = await request(running.url).get('/api/v1/healthz').expect(200);
    expect(res.body.controlPlane).toEqual({ mode: 'embedded', reachable: true });
    const port = new URL(running.kube.server()).port;
    expect(JSON.stringify(res.body)).not.toContain(port);
  });

  it("serves the demo mesh's metrics on a loopback listener of their own, not on the console's", async () => {
    const onConsole = await request(running.url).get('/demo-mesh/metrics');
    expect(onConsole.text).not.toContain('istio_requests_total');
    expect(running.demoMetricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(running.demoMetricsUrl ?? '').port).not.toBe(new URL(running.url).port);
    await expect
      .poll(async () => (await fetch(running.demoMetricsUrl ?? '')).text(), { timeout: 5000 })
      .toContain('istio_requests_total');
  });

  it('serves the seeded demo mesh in the catalog', async () => {
    const res = await request(running.url).get('/api/v1/services?pageSize=200').set(ADMIN_HEADER).expect(200);
    expect(res.body.total).toBeGreaterThanOrEqual(15);
    const detail = await request(running.url)
      .get(`/api/v1/services/${encodeURIComponent('com.alibaba.dubbo.samples.echo.api.EchoService@dubbo')}`)
      .set(ADMIN_HEADER)
      .expect(200);
    expect(detail.body.versions).toEqual(['20191115224823305.fvxo1wbt', '20191115225115467.dfy77ofd']);
    expect(detail.body.providers.every((p: { ready: boolean }) => p.ready)).toBe(true);
  });

  it('follows the control plane: a Service and Pod created through the API appear, and go when deleted', async () => {
    const namespace = 'bookinfo';
    await running.kube.objects.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'it-new', namespace },
      spec: { selector: { app: 'it-new' }, ports: [{ name: 'grpc', port: 7000 }] },
    } as never);
    await running.kube.objects.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'it-new-1', namespace, labels: { app: 'it-new', version: 'v7' } },
      spec: { containers: [{ name: 'c', image: 'x' }] },
      status: { phase: 'Running', podIP: '10.9.9.9', conditions: [{ type: 'Ready', status: 'True' }] },
    } as never);
    const id = encodeURIComponent('it-new.bookinfo.svc.cluster.local');
    await expect
      .poll(
        async () =>
          (await request(running.url).get(`/api/v1/services/${id}`).set(ADMIN_HEADER)).body.versions,
        {
          timeout: 5000,
        },
      )
      .toEqual(['v7']);
    await running.kube.core.deleteNamespacedService({ name: 'it-new', namespace });
    await expect
      .poll(async () => (await request(running.url).get(`/api/v1/services/${id}`).set(ADMIN_HEADER)).status, {
        timeout: 5000,
      })
      .toBe(404);
  });

  it('does not seed the demo again on a restart, so deleted demo services stay deleted', async () => {
    await running.kube.core.deleteNamespacedService({ name: 'productpage', namespace: 'bookinfo' });
    await running.close();
    running = await startConsole(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        MESH_CONSOLE_DATA_DIR: dataDir,
        MESH_CONSOLE_DEMO: 'on',
        ...AUTH_ENV,
      }),
      silentLogger(),
    );
    await request(running.url)
      .get(`/api/v1/services/${encodeURIComponent('productpage.bookinfo.svc.cluster.local')}`)
      .set(ADMIN_HEADER)
      .expect(404);
    await request(running.url)
      .get(`/api/v1/services/${encodeURIComponent('reviews.bookinfo.svc.cluster.local')}`)
      .set(ADMIN_HEADER)
      .expect(200);
  });
});

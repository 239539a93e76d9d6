import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../bff/src/embedded/control-plane/index';
import {
  removeDir,
  startTestControlPlane,
  tempDir,
} from '../bff/src/embedded/control-plane/testing/fixtures';
import { kubectlInstalled, kubectlRunner } from '../bff/src/embedded/control-plane/testing/kubectl';
import { buildBff } from '../scripts/build-bff.mjs';

/**
 * The compiled console as it runs in a pod: `node dist/bff/start.js` with no kubeconfig, only
 * KUBERNETES_SERVICE_HOST/PORT and a service-account directory (token, ca.crt, namespace), against
 * the embedded control plane's HTTPS listener with the production overlay applied for real. The
 * control plane enforces RBAC on service-account tokens, so a permission the ClusterRole lacks,
 * or a user write that is not impersonated, fails here. Then two replicas share the Lease.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_TOKEN = 'in-pod-test-admin-token-0123456789abcdef';
const METRICS_TOKEN = 'in-pod-test-metrics-token-0123456789abcdef';
const REVIEWS = 'reviews.shop.svc.cluster.local';

const WORKLOAD = `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec:
  selector: { app: reviews }
  ports: [{ name: http, port: 9080 }]
---
apiVersion: v1
kind: Pod
metadata: { name: reviews-v1, namespace: shop, labels: { app: reviews, version: v1 } }
spec: { containers: [{ name: reviews, image: reviews:v1, ports: [{ containerPort: 9080 }] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: reviews-v2, namespace: shop, labels: { app: reviews, version: v2 } }
spec: { containers: [{ name: reviews, image: reviews:v2, ports: [{ containerPort: 9080 }] }] }
`;

interface Replica {
  name: string;
  proc: ChildProcess;
  url: string;
  output: () => string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe.skipIf(!kubectlInstalled)('the compiled console in a pod', () => {
  let cp: ControlPlane & { dataDir: string };
  let work: string;
  let bundle: string;
  let saDir: string;
  let apiServer: URL;
  let saToken: string;
  const replicas: Replica[] = [];
  /** A Prometheus that has scraped nothing (no traffic in this cluster): the gates read zeros. */
  let prometheus: http.Server | undefined;
  let prometheusUrl = '';
  const kubectl = kubectlRunner(
    () => cp.kubeconfigPath,
    () => work,
  );
  const lease = async () =>
    (
      JSON.parse(
        await kubectl('get', 'lease', 'mesh-console-leader', '-n', 'mesh-console', '-o', 'json'),
      ) as {
        spec: { holderIdentity?: string };
      }
    ).spec.holderIdentity ?? '';

  /** Starts `node start.js` as a pod would, and resolves once it listens. */
  async function startReplica(name: string): Promise<Replica> {
    let out = '';
    const proc = spawn(process.execPath, [path.join(bundle, 'dist', 'bff', 'start.js')], {
      cwd: bundle,
      env: {
        PATH: process.env.PATH,
        HOME: work,
        KUBECONFIG: '',
        KUBERNETES_SERVICE_HOST: apiServer.hostname,
        KUBERNETES_SERVICE_PORT: apiServer.port,
        MESH_CONSOLE_SERVICE_ACCOUNT_DIR: saDir,
        MESH_CONSOLE_DEMO: 'off',
        PROMETHEUS_URL: prometheusUrl,
        MESH_CONSOLE_SKIP_WEB_BUILD: '1',
        MESH_CONSOLE_WEB_DIR: path.join(bundle, 'dist', 'web'),
        MESH_CONSOLE_DATA_DIR: path.join(work, `data-${name}`),
        MESH_CONSOLE_ADMIN_TOKEN: ADMIN_TOKEN,
        MESH_CONSOLE_METRICS_TOKEN: METRICS_TOKEN,
        MESH_CONSOLE_SHUTDOWN_DELAY: '0',
        POD_NAME: name,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const url = await until(`${name} to listen`, 60_000, async () => {
      if (proc.exitCode !== null) throw new Error(`${name} exited ${proc.exitCode}: ${out}`);
      return /Mesh console\s+(http:\/\/\S+)/.exec(out)?.[1] ?? null;
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${out}`);
    });
    const replica = { name, proc, url, output: () => out };
    replicas.push(replica);
    return replica;
  }

  const get = (r: Replica, p: string, token?: string) =>
    fetch(`${r.url}${p}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  beforeAll(async () => {
    work = tempDir('in-pod-');
    // The bundle as the image holds it: dist/ beside package.json, node_modules resolved above it.
    bundle = path.join(work, 'app');
    fs.mkdirSync(path.join(bundle, 'dist', 'web'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(bundle, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(bundle, 'node_modules'), 'dir');
    await buildBff(path.join(bundle, 'dist', 'bff'));

    cp = await startTestControlPlane();
    await kubectl('apply', '-k', path.join(ROOT, 'deploy', 'kustomize', 'overlays', 'production'));
    fs.writeFileSync(path.join(work, 'workload.yaml'), WORKLOAD);
    await kubectl('apply', '-f', path.join(work, 'workload.yaml'));

    // What the kubelet mounts: the service account's token, the cluster's CA, the namespace.
    saToken = (await kubectl('create', 'token', 'mesh-console', '-n', 'mesh-console')).trim();
    const kubeconfig = yaml.load(fs.readFileSync(cp.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    };
    const cluster = kubeconfig.clusters[0]?.cluster;
    if (!cluster) throw new Error('the control plane wrote no cluster in its kubeconfig');
    apiServer = new URL(cluster.server);
    expect(apiServer.protocol).toBe('https:');
    saDir = path.join(work, 'serviceaccount');
    fs.mkdirSync(saDir);
    fs.writeFileSync(path.join(saDir, 'token'), saToken);
    fs.writeFileSync(
      path.join(saDir, 'ca.crt'),
      Buffer.from(cluster['certificate-authority-data'], 'base64'),
    );
    fs.writeFileSync(path.join(saDir, 'namespace'), 'mesh-console');

    prometheus = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const resultType = req.url?.startsWith('/api/v1/query_range') ? 'matrix' : 'vector';
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: 'success', data: { resultType, result: [] } }));
      });
    });
    await new Promise<void>((resolve) => prometheus?.listen(0, '127.0.0.1', resolve));
    prometheusUrl = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
    prometheus?.closeAllConnections();
    await new Promise((resolve) => (prometheus ? prometheus.close(resolve) : resolve(undefined)));
    await cp?.close();
    if (cp) removeDir(cp.dataDir);
    if (work) removeDir(work);
  });

  it('serves the catalog from the cluster and writes a route as the signed-in user', async () => {
    const a = await startReplica('replica-a');
    await until('replica-a ready', 60_000, async () =>
      (await get(a, '/readyz')).status === 200 ? true : null,
    );
    expect((await get(a, '/livez')).status).toBe(200);

    const services = await until('the Service in the catalog', 30_000, async () => {
      const res = await get(a, '/api/v1/services', ADMIN_TOKEN);
      const body = (await res.json()) as { items?: { id: string }[] } | { id: string }[];
      const items = Array.isArray(body) ? body : (body.items ?? []);
      return items.some((s) => s.id === REVIEWS) ? items : null;
    });
    expect(services.map((s) => s.id)).toContain(REVIEWS);

    const created = await fetch(`${a.url}/api/v1/services/${encodeURIComponent(REVIEWS)}/routes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'reviews-split',
        routeType: 'version',
        trafficSplit: true,
        destinations: [
          { version: 'v1', weight: 80 },
          { version: 'v2', weight: 20 },
        ],
      }),
    });
    expect(created.status, `${await created.clone().text()}\n${a.output()}`).toBe(201);
    const vs = JSON.parse(
      await kubectl('get', 'virtualservice', 'reviews-split', '-n', 'shop', '-o', 'json'),
    ) as {
      spec: { http: { route: { weight: number }[] }[] };
    };
    expect(vs.spec.http.at(-1)?.route.map((r) => r.weight)).toEqual([80, 20]);

    // The console's own account may not write rules: the route above was written as the user.
    const direct = await httpsPost(
      new URL('/apis/networking.istio.io/v1/namespaces/shop/virtualservices', apiServer),
      saToken,
      fs.readFileSync(path.join(saDir, 'ca.crt'), 'utf8'),
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'as-the-console', namespace: 'shop' },
        spec: { hosts: ['reviews'] },
      },
    );
    expect(direct.status).toBe(403);

    // A canary release: the Release is created as the user (RBAC: mesh-console-rule-editor), its
    // status recorded by the console's account (releases/status), its weights written as the user.
    const release = (action = '', body: unknown = {}) =>
      fetch(`${a.url}/api/v1/services/${encodeURIComponent(REVIEWS)}/releases${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const started = await release('', {
      name: 'reviews-v2',
      stable: 'v1',
      canary: 'v2',
      steps: [
        { weight: 50, holdSeconds: 60 },
        { weight: 100, holdSeconds: 60 },
      ],
      gates: { maxErrorRate: 1, maxP99Ms: 400, minRequests: 100 },
    });
    expect(started.status, `${await started.clone().text()}\n${a.output()}`).toBe(201);
    const weights = async () =>
      (
        JSON.parse(await kubectl('get', 'virtualservice', 'reviews-split', '-n', 'shop', '-o', 'json')) as {
          spec: { http: { route: { weight: number }[] }[] };
        }
      ).spec.http
        .at(-1)
        ?.route.map((r) => r.weight);
    expect(await weights()).toEqual([50, 50]);
    const stored = JSON.parse(
      await kubectl('get', 'releases.mesh-console.io', 'reviews-v2', '-n', 'shop', '-o', 'json'),
    ) as {
      status: { phase: string; applied?: { canary: number } };
    };
    expect(stored.status).toMatchObject({ phase: 'Progressing', applied: { canary: 50 } });
    const aborted = await release('/reviews-v2/abort');
    expect(aborted.status, await aborted.clone().text()).toBe(200);
    expect(await weights()).toEqual([100, 0]);

    // Its metrics are behind their own credential.
    expect((await get(a, '/metrics')).status).toBe(401);
    const metrics = await get(a, '/metrics', METRICS_TOKEN);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('mesh_console_leader{lease="mesh-console-leader"} 1');
    // Nothing it reads or writes in the background was refused (a missing permission is only logged).
    expect(a.output()).not.toMatch(/forbidden|cannot (list|watch|get|create|update)/i);
  }, 150_000);

  it('two replicas: the Lease names one; killed mid-release, the other holds it within 15 s and completes the release', async () => {
    const a = replicas.find((r) => r.name === 'replica-a') ?? (await startReplica('replica-a'));
    const b = await startReplica('replica-b');
    await until('replica-b ready', 60_000, async () =>
      (await get(b, '/readyz')).status === 200 ? true : null,
    );

    const holder = await until('a holder', 20_000, async () => (await lease()) || null);
    const leader = holder.startsWith('replica-a-') ? a : b;
    const survivor = leader === a ? b : a;
    expect(holder.startsWith(`${leader.name}-`)).toBe(true);
    const leaderGauge = async (r: Replica) =>
      /^mesh_console_leader\{lease="mesh-console-leader"\} (\d)/m.exec(
        await (await get(r, '/metrics', METRICS_TOKEN)).text(),
      )?.[1];
    expect(await leaderGauge(survivor)).toBe('0');

    // A release driven by the leader (its weights written, then held 5 s a step), killed mid-release.
    const started = await fetch(`${survivor.url}/api/v1/services/${encodeURIComponent(REVIEWS)}/releases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'reviews-v2-failover',
        stable: 'v1',
        canary: 'v2',
        steps: [
          { weight: 50, holdSeconds: 5 },
          { weight: 100, holdSeconds: 5 },
        ],
        // No traffic here: with no minimum of requests, the error-rate gate passes on none.
        gates: { maxErrorRate: 1, maxP99Ms: 400, minRequests: 0 },
      }),
    });
    expect(started.status, await started.clone().text()).toBe(201);
    const releaseStatus = async () =>
      (
        JSON.parse(
          await kubectl('get', 'releases.mesh-console.io', 'reviews-v2-failover', '-n', 'shop', '-o', 'json'),
        ) as { status: { phase: string; step: number; log: { outcome: string; message: string }[] } }
      ).status;
    expect(await releaseStatus()).toMatchObject({ phase: 'Progressing', step: 0 });

    const killedAt = Date.now();
    leader.proc.kill('SIGKILL');
    const next = await until('the survivor to take the Lease', 15_000, async () =>
      (await lease()).startsWith(`${survivor.name}-`) ? lease() : null,
    );
    const tookMs = Date.now() - killedAt;
    expect(next.startsWith(`${survivor.name}-`)).toBe(true);
    expect(tookMs).toBeLessThan(15_000);
    await until('the survivor to report itself leader', 5_000, async () =>
      (await leaderGauge(survivor)) === '1' ? true : null,
    );
    console.warn(`leader failover: the Lease moved ${tookMs} ms after SIGKILL`);

    // The survivor continues the release from its recorded step, to the end.
    const done = await until('the release to succeed on the survivor', 30_000, async () => {
      const status = await releaseStatus();
      return status.phase === 'Succeeded' ? status : null;
    });
    expect(done.log.map((e) => e.outcome)).toContain('passed');
    const vs = JSON.parse(
      await kubectl('get', 'virtualservice', 'reviews-split', '-n', 'shop', '-o', 'json'),
    ) as { spec: { http: { route: { weight: number }[] }[] } };
    expect(vs.spec.http.at(-1)?.route.map((r) => r.weight)).toEqual([0, 100]);
  }, 120_000);

  it('SIGTERM: the last replica drains, hands the Lease back and exits 0', async () => {
    const last = replicas.find((r) => r.proc.exitCode === null && r.proc.signalCode === null);
    if (!last) throw new Error('no replica left running');
    await until(`${last.name} to hold the Lease`, 15_000, async () =>
      (await lease()).startsWith(`${last.name}-`) ? true : null,
    );
    const exited = new Promise<number | null>((resolve) => last.proc.once('exit', (code) => resolve(code)));
    last.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Released, so a new replica takes over at once instead of after the lease's 10 s.
    expect(await lease()).toBe('');
  }, 60_000);
});

/** A POST to the control plane's HTTPS listener, trusting its CA as a pod does. */
function httpsPost(url: URL, token: string, ca: string, body: unknown): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        ca,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

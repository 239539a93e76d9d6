import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Watch } from '@kubernetes/client-node';
import { loadConfig } from '../bff/src/config';
import { startControlPlane } from '../bff/src/embedded/control-plane';
import { silentLogger } from '../bff/src/lib/logger';
import { startConsole } from '../bff/src/server';
import { ADMIN_HEADER, TEST_ADMIN_TOKEN } from '../bff/src/testing/auth';
import { printFigures, summarize, timeMany } from './stats';

const SERVICES = 10_000;
const NAMESPACES = 20;
const PROTOCOLS = ['http', 'grpc', 'dubbo', 'bolt', 'http'];

/** Seeds the store directly (the same code path as the API, without HTTP): services with two versions each. */
async function seed(dataDir: string): Promise<void> {
  const cp = await startControlPlane({ dataDir, logger: silentLogger() });
  try {
    const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-${i}`);
    cp.store.ensureNamespaces(namespaces);
    const services = { group: '', version: 'v1', plural: 'services' };
    const pods = { group: '', version: 'v1', plural: 'pods' };
    for (const [n, ns] of namespaces.entries()) {
      const count = SERVICES / NAMESPACES;
      const svcs = [];
      const podList = [];
      for (let i = 0; i < count; i++) {
        const name = `svc-${n}-${i}`;
        const port = PROTOCOLS[i % PROTOCOLS.length] as string;
        svcs.push({
          metadata: {
            name,
            namespace: ns,
            labels: { app: name },
            ...(port === 'dubbo'
              ? { annotations: { 'mesh-console.io/rpc-interfaces': `com.example.bench${n}.Service${i}` } }
              : {}),
          },
          spec: { selector: { app: name }, ports: [{ name: port, port: 8080 }] },
        });
        for (const version of ['v1', 'v2']) {
          podList.push({
            metadata: { name: `${name}-${version}`, namespace: ns, labels: { app: name, version } },
            spec: { containers: [{ name: 'app', image: 'bench' }] },
            status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
          });
        }
      }
      cp.store.createMany(services, ns, svcs);
      cp.store.createMany(pods, ns, podList);
    }
  } finally {
    await cp.close();
  }
}

export async function benchCatalog(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-bench-catalog-'));
  const t0 = performance.now();
  await seed(dataDir);
  const seeded = performance.now() - t0;
  const t1 = performance.now();
  const running = await startConsole(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      MESH_CONSOLE_DATA_DIR: dataDir,
      MESH_CONSOLE_DEMO: 'off',
      LOG_LEVEL: 'silent',
      MESH_CONSOLE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    }),
    silentLogger(),
  );
  const started = performance.now() - t1;
  try {
    const get = async (query: string) => {
      const res = await fetch(`${running.url}/api/v1/services?${query}`, { headers: ADMIN_HEADER });
      if (res.status !== 200) throw new Error(`catalog query failed: ${res.status}`);
      return (await res.json()) as { total: number; items: unknown[] };
    };
    const first = await get('pageSize=50');
    if (first.total !== SERVICES)
      throw new Error(`expected ${SERVICES} services, the catalog has ${first.total}`);
    const queries = (i: number) =>
      [
        `q=svc-${i % NAMESPACES}-${i % 500}&page=1&pageSize=50`,
        `q=svc-${i % NAMESPACES}&page=${(i % 10) + 1}&pageSize=50`,
        `protocol=grpc&page=${(i % 40) + 1}&pageSize=50`,
        `namespace=bench-${i % NAMESPACES}&q=svc&page=2&pageSize=50`,
        `q=bench${i % NAMESPACES}.service&pageSize=50`,
      ][i % 5] as string;
    await timeMany(50, (i) => get(queries(i)));
    const samples = await timeMany(1000, (i) => get(queries(i)));

    // Write → watch: a VirtualService created through the API, until a watcher sees it.
    const watch = new Watch(running.kube.kubeConfig);
    const seen = new Map<string, number>();
    const waiters = new Map<string, () => void>();
    const req = await watch.watch(
      '/apis/networking.istio.io/v1/virtualservices',
      {},
      (type: string, obj: { metadata?: { name?: string } }) => {
        const name = obj.metadata?.name;
        if (type === 'ADDED' && name) {
          seen.set(name, performance.now());
          waiters.get(name)?.();
        }
      },
      () => undefined,
    );
    await new Promise((r) => setTimeout(r, 200));
    const delays = await timeMany(200, async (i) => {
      const name = `bench-vs-${i}`;
      const arrived = new Promise<void>((resolve) => waiters.set(name, resolve));
      await running.kube.custom.createNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: 'bench-0',
        plural: 'virtualservices',
        body: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name },
          spec: { hosts: [`svc-0-${i}`], http: [{ route: [{ destination: { host: `svc-0-${i}` } }] }] },
        },
      });
      await arrived;
    });
    req.abort();
    const rss = process.memoryUsage().rss / 1024 / 1024;
    printFigures(`Catalog: ${SERVICES} services, ${SERVICES * 2} pods in ${NAMESPACES} namespaces`, [
      { name: 'seed the store (createMany)', value: seeded / 1000, unit: 's' },
      { name: 'console start (informers list everything)', value: started / 1000, unit: 's' },
      ...summarize('GET /services, 50 of 10,000 with a search', samples, 'ms', 50),
      ...summarize('write → watch event (create + fsync + delivery)', delays, 'ms', 50),
      { name: 'process RSS after the run', value: rss, unit: 'MiB' },
    ]);
  } finally {
    await running.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

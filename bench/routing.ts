import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../bff/src/config';
import { RouteForm } from '../bff/src/contract/routing';
import { silentLogger } from '../bff/src/lib/logger';
import { planRoute } from '../bff/src/mesh/plan';
import type { RouteTarget } from '../bff/src/mesh/model';
import { startConsole } from '../bff/src/server';
import { ADMIN_HEADER, TEST_ADMIN_TOKEN } from '../bff/src/testing/auth';
import { printFigures, summarize, timeMany } from './stats';

const VERSIONS = 20;
const CONDITIONS = 50;

/** A form over 20 versions with 50 condition routes, each with its own split. */
function bigForm(): RouteForm {
  const versions = Array.from({ length: VERSIONS }, (_, i) => `v${i + 1}`);
  const split = (offset: number) =>
    versions.map((version, i) => ({
      version,
      weight: i === offset % VERSIONS ? 100 - (VERSIONS - 1) * 5 : 5,
    }));
  return RouteForm.parse({
    name: 'big-rule',
    routeType: 'condition',
    trafficSplit: true,
    destinations: split(0),
    matches: Array.from({ length: CONDITIONS }, (_, i) => ({
      match: {
        headers: [{ name: 'x-tenant', type: 'exact', value: `tenant-${i}` }],
        uri: { type: 'prefix', value: `/api/${i}` },
      },
      destinations: split(i),
    })),
  });
}

/** Preview latency through the API (plan, YAML, diff and the control plane's dry run). */
export async function benchRouting(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-bench-routing-'));
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
  try {
    const ns = 'default';
    await running.kube.objects.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'big', namespace: ns },
      spec: { selector: { app: 'big' }, ports: [{ name: 'http', port: 80 }] },
    } as never);
    for (let i = 1; i <= VERSIONS; i++) {
      await running.kube.objects.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `big-v${i}`, namespace: ns, labels: { app: 'big', version: `v${i}` } },
        spec: { containers: [{ name: 'c', image: 'x' }] },
        status: { phase: 'Running', podIP: `10.0.0.${i}`, conditions: [{ type: 'Ready', status: 'True' }] },
      } as never);
    }
    const id = encodeURIComponent('big.default.svc.cluster.local');
    // Wait for the catalog to see every version.
    for (let tries = 0; ; tries++) {
      const res = await fetch(`${running.url}/api/v1/services/${id}`, { headers: ADMIN_HEADER });
      const body = (await res.json()) as { versions?: string[] };
      if (body.versions?.length === VERSIONS) break;
      if (tries > 100) throw new Error('the catalog did not see the benchmark service');
      await new Promise((r) => setTimeout(r, 50));
    }
    const form = bigForm();
    const body = JSON.stringify(form);
    const post = async () => {
      const res = await fetch(`${running.url}/api/v1/services/${id}/routes/preview`, {
        method: 'POST',
        headers: { ...ADMIN_HEADER, 'content-type': 'application/json' },
        body,
      });
      if (res.status !== 200) throw new Error(`preview failed: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    await timeMany(20, post); // warm-up
    const api = await timeMany(300, post);

    const target: RouteTarget = {
      id: 'big.default.svc.cluster.local',
      name: 'big',
      namespace: ns,
      application: 'big',
      protocol: 'http',
      host: 'big.default.svc.cluster.local',
      versions: Array.from({ length: VERSIONS }, (_, i) => ({
        version: `v${i + 1}`,
        labels: { version: `v${i + 1}` },
        readyInstances: 1,
      })),
    };
    const pure = await timeMany(1000, async () =>
      planRoute(form, target, { otherRoutes: [] }, { dialect: 'istio', istioVersion: 'v1' }),
    );
    printFigures(`Routing preview: ${VERSIONS} versions, ${CONDITIONS} condition routes`, [
      ...summarize('POST /routes/preview (HTTP, with server dry run)', api, 'ms', 20),
      ...summarize('translation only (planRoute)', pure, 'ms'),
    ]);
  } finally {
    await running.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

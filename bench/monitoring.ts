import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import os from 'node:os';
import path from 'node:path';
import { PrometheusClient } from '../bff/src/clients/prometheus';
import type { DemoApp } from '../bff/src/embedded/demo-mesh/mesh';
import { DEMO_APPS } from '../bff/src/embedded/demo-mesh/mesh';
import { IstioExporter } from '../bff/src/embedded/demo-mesh/traffic/exporter';
import { StaticRules } from '../bff/src/embedded/demo-mesh/traffic/rules';
import { TrafficSimulator } from '../bff/src/embedded/demo-mesh/traffic/simulator';
import { TrafficStore } from '../bff/src/embedded/demo-mesh/traffic/store';
import { EmbeddedTelemetry } from '../bff/src/embedded/demo-mesh/traffic/telemetry-source';
import { demoCatalog } from '../bff/src/embedded/demo-mesh/traffic/testing';
import type { CatalogSource } from '../bff/src/features/catalog/catalog';
import { PrometheusTelemetry } from '../bff/src/features/monitoring/prometheus-source';
import type { TelemetrySource } from '../bff/src/features/monitoring/telemetry';
import { silentLogger } from '../bff/src/lib/logger';
import { asAdmin } from '../bff/src/testing/auth';
import { testConsole } from '../bff/src/testing/console';
import { generatedCatalog } from './generated-mesh';
import { percentile, printFigures, summarize, timeMany } from './stats';
import type { Figure } from './stats';

const SERVICES = 2_000;
const VERSIONS = 3;
const NAMESPACES = 20;
const SSE_CLIENTS = 100;

/**
 * A mesh of `services` applications (one service each, `versions` versions with one Pod each) in a
 * call graph that is a DAG: the first 5% take traffic from outside, every other one is called by one
 * or two applications before it.
 */
function generatedMesh(services: number, versions: number): { apps: DemoApp[]; catalog: CatalogSource } {
  const name = (i: number) => `svc-${i}`;
  const ns = (i: number) => `bench-${i % NAMESPACES}`;
  const calls = new Map<number, string[]>();
  const entries = Math.max(1, Math.floor(services * 0.05));
  for (let i = entries; i < services; i++) {
    const callers = [(i * 7919) % i, (i * 104729 + 13) % i].slice(0, i % 2 === 0 ? 2 : 1);
    for (const c of new Set(callers)) {
      // Calls stay within a namespace in DemoApp's model; put the callee in the caller's namespace.
      calls.set(c, [...(calls.get(c) ?? []), name(i)]);
    }
  }
  // Every application lives in its first caller's namespace, so the call graph's names resolve.
  const nsOf = new Map<number, string>();
  for (let i = 0; i < services; i++) {
    const caller = i < entries ? null : (i * 7919) % i;
    nsOf.set(i, caller === null ? ns(i) : (nsOf.get(caller) as string));
  }
  const apps: DemoApp[] = Array.from({ length: services }, (_, i) => ({
    app: name(i),
    namespace: nsOf.get(i) as string,
    protocol: i % 3 === 0 ? 'grpc' : 'http',
    port: 8080,
    versions: Array.from({ length: versions }, (_, v) => ({ version: `v${v + 1}`, kubernetes: 1 })),
    calls: calls.get(i) ?? [],
  }));
  return { apps, catalog: generatedCatalog(apps) };
}

async function listen(app: Express): Promise<{ server: http.Server; url: string }> {
  // Requests carry the admin token: the sign-in and policy checks are part of what is measured.
  const server = http.createServer(asAdmin(app));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: http.Server) {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

/** The console (console.ts, as tests build it) over this catalog and telemetry; close it after. */
async function bffWith(catalog: CatalogSource, telemetry: TelemetrySource, streamIntervalMs = 5000) {
  // A clock that moves a second per call: every request computes afresh (no coalescing of answers).
  let fake = Date.now();
  return testConsole({
    catalog,
    telemetry,
    clock: () => (fake += 1001),
    config: { streamIntervalMs },
  });
}

/** The overview of 2,000 services × 3 versions from the embedded series, after six hours of traffic. */
async function benchEmbeddedOverview(): Promise<void> {
  const t0 = performance.now();
  const { apps, catalog } = generatedMesh(SERVICES, VERSIONS);
  const built = performance.now() - t0;
  const store = new TrafficStore();
  let now = Date.now() - 6 * 3600_000;
  const sim = new TrafficSimulator({
    apps,
    catalog,
    rules: new StaticRules(),
    dialect: 'istio',
    store,
    clock: () => now,
    seed: 1,
  });
  sim.tick(now);
  // Six hours of history: minute ticks for the coarse tier, then 5-second ticks for the last 16 minutes.
  const fillStart = performance.now();
  const end = Date.now();
  let fillTicks = 0;
  while (now < end - 17 * 60_000) {
    now += 60_000;
    sim.tick(now);
    fillTicks++;
  }
  while (now < end - 30_000) {
    now += 5000;
    sim.tick(now);
    fillTicks++;
  }
  const filled = (performance.now() - fillStart) / 1000;
  // Ticks as the running demo does them: one second of traffic each.
  let perTick = 0;
  const ticks = await timeMany(30, async () => {
    now += 1000;
    sim.tick(now);
    perTick = sim.lastTickRequests;
  });

  const bff = await bffWith(catalog, new EmbeddedTelemetry(store));
  const { app } = bff;
  const { server, url } = await listen(app);
  try {
    const getJson = async (path: string) => {
      const res = await fetch(`${url}/api/v1/monitoring/${path}`);
      if (res.status !== 200) throw new Error(`${path} failed: ${res.status}`);
      return (await res.json()) as { applicationCount?: number; total?: number };
    };
    const get = (window: string) => getJson(`overview?window=${window}`);
    // The table's page as the monitoring page asks for it: the busiest first.
    const page = (window: string) => getJson(`applications?window=${window}&sort=requests&order=desc`);
    const first = await get('5m');
    if (first.applicationCount !== SERVICES)
      throw new Error(`expected ${SERVICES} applications, got ${first.applicationCount}`);
    const bytes = JSON.stringify(first).length;
    const firstPage = await page('5m');
    if (firstPage.total !== SERVICES) throw new Error(`expected ${SERVICES} rows, got ${firstPage.total}`);
    await timeMany(10, () => get('5m'));
    const w5 = await timeMany(200, () => get('5m'));
    const w1h = await timeMany(50, () => get('1h'));
    const w6h = await timeMany(20, () => get('6h'));
    const p5 = await timeMany(200, () => page('5m'));
    const id = encodeURIComponent(`svc-1500.${apps[1500]?.namespace}.svc.cluster.local`);
    const svc = await timeMany(100, async () => {
      const res = await fetch(`${url}/api/v1/services/${id}/metrics?window=1h`);
      if (res.status !== 200) throw new Error(`service metrics failed: ${res.status}`);
      await res.json();
    });
    printFigures(`Monitoring, embedded: ${SERVICES} services × ${VERSIONS} versions, 6 h of history`, [
      { name: 'build the mesh (catalog)', value: built, unit: 'ms' },
      { name: `simulate 6 h of history (${fillTicks} ticks of 1 min, then 5 s)`, value: filled, unit: 's' },
      ...summarize(`simulator tick (1 s, ~${Math.round(perTick)} requests)`, ticks, 'ms'),
      { name: 'overview response size', value: bytes / 1024, unit: 'KiB' },
      ...summarize('GET /monitoring/overview?window=5m', w5, 'ms', 200),
      ...summarize('GET /monitoring/overview?window=1h', w1h, 'ms', 200),
      ...summarize('GET /monitoring/overview?window=6h', w6h, 'ms', 200),
      ...summarize('GET /monitoring/applications?window=5m, busiest first (a page)', p5, 'ms', 200),
      ...summarize('GET /services/{id}/metrics?window=1h', svc, 'ms'),
      { name: 'process RSS after the run', value: process.memoryUsage().rss / 1024 / 1024, unit: 'MiB' },
    ]);
  } finally {
    await close(server);
    await bff.close();
  }
}

/**
 * The overview answered by a real Prometheus scraping the demo mesh every second. At 2,000 services a
 * scrape would carry ~3.6 million samples (54k label sets × 67 samples of four metrics), far beyond
 * a one-second scrape on this machine; the demo mesh is what fits the run time.
 */
async function benchPrometheusOverview(): Promise<void> {
  const binary = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
  if (spawnSync(binary, ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.log(
      `\nMonitoring via Prometheus: SKIPPED (no ${binary}; scripts/ensure-test-deps.sh installs it)`,
    );
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-bench-prom-'));
  const catalog = demoCatalog();
  const exporter = new IstioExporter();
  const sim = new TrafficSimulator({
    apps: DEMO_APPS,
    catalog,
    rules: new StaticRules(),
    dialect: 'istio',
    store: new TrafficStore(),
    exporter,
  });
  sim.start(1000);
  const scrapeMs: number[] = [];
  const target = http.createServer((_req, res) => {
    const t = performance.now();
    void exporter.metrics().then(({ contentType, body }) => {
      scrapeMs.push(performance.now() - t);
      res.writeHead(200, { 'content-type': contentType });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const free = http.createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as AddressInfo).port;
  await new Promise((r) => free.close(r));
  fs.writeFileSync(
    path.join(work, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: demo-mesh\n    metrics_path: /demo-mesh/metrics\n    static_configs:\n      - targets: ['127.0.0.1:${(target.address() as AddressInfo).port}']\n`,
  );
  const prometheus = spawn(
    binary,
    [
      `--config.file=${path.join(work, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(work, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  const promUrl = `http://127.0.0.1:${port}`;
  const client = new PrometheusClient({ url: promUrl, timeoutMs: 5000 });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error('Prometheus did not collect 20 scrapes within a minute');
      try {
        const [s] = await client.query('count_over_time(up{job="demo-mesh"}[5m])');
        if ((s?.value ?? 0) >= 20) break;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const bff = await bffWith(catalog, new PrometheusTelemetry(client, 1, silentLogger()));
    const { app } = bff;
    const { server, url } = await listen(app);
    try {
      const get = async (p: string) => {
        const res = await fetch(`${url}${p}`);
        if (res.status !== 200) throw new Error(`${p} failed: ${res.status}`);
        await res.json();
      };
      await timeMany(5, () => get('/api/v1/monitoring/overview?window=5m'));
      const ov = await timeMany(50, () => get('/api/v1/monitoring/overview?window=5m'));
      const svc = await timeMany(30, () =>
        get(`/api/v1/services/${encodeURIComponent('reviews.bookinfo.svc.cluster.local')}/metrics?window=5m`),
      );
      printFigures(
        `Monitoring via Prometheus: the demo mesh (${exporter.seriesCount} label sets), 1 s scrapes`,
        [
          ...summarize('scrape of /demo-mesh/metrics (render)', scrapeMs, 'ms'),
          ...summarize('GET /monitoring/overview?window=5m (8 queries)', ov, 'ms', 200),
          ...summarize('GET /services/{id}/metrics?window=5m (31 queries)', svc, 'ms'),
        ],
      );
    } finally {
      await close(server);
      await bff.close();
    }
  } finally {
    sim.stop();
    prometheus.kill('SIGTERM');
    await new Promise((r) => prometheus.once('exit', r));
    await close(target);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The SSE clients, in a child process so that process.cpuUsage() here measures the BFF alone. */
const CLIENT_SCRIPT = `
import http from 'node:http';
const [url, count, service] = process.argv.slice(2);
const clients = [];
let connected = 0;
for (let i = 0; i < Number(count); i++) {
  const c = { updates: [], delays: [] };
  clients.push(c);
  http.get(url + (i % 2 === 0 ? '' : '&service=' + encodeURIComponent(service)), (res) => {
    connected++;
    if (connected === Number(count)) process.stdout.write('ready\\n');
    res.setEncoding('utf8');
    let buf = '';
    let scanned = 0;
    res.on('data', (chunk) => {
      buf += chunk;
      let end;
      // Scan only what arrived since the last look: an overview of 2,000 rows comes in many chunks.
      while ((end = buf.indexOf('\\n\\n', Math.max(0, scanned - 1))) >= 0) {
        const head = buf.slice(0, 300);
        buf = buf.slice(end + 2);
        scanned = 0;
        if (!head.startsWith('event: overview')) continue;
        const at = /"updatedAt":"([^"]+)"/.exec(head)[1];
        c.updates.push(at);
        c.delays.push(Date.now() - Date.parse(at));
      }
      scanned = buf.length;
    });
  });
}
process.stdin.on('data', () => {
  process.stdout.write(JSON.stringify(clients) + '\\n');
  process.exit(0);
});
`;

interface StreamCase {
  title: string;
  apps: readonly DemoApp[];
  catalog: CatalogSource;
  service: string;
  intervalMs: number;
  seconds: number;
}

/** 100 clients on one BFF's event stream, with the simulator running in the same process. */
async function benchStream(c: StreamCase): Promise<void> {
  const { catalog } = c;
  const store = new TrafficStore();
  const sim = new TrafficSimulator({
    apps: c.apps,
    catalog,
    rules: new StaticRules(),
    dialect: 'istio',
    store,
  });
  sim.start(1000);
  const telemetry = new EmbeddedTelemetry(store);
  const bff = await testConsole({ catalog, telemetry, config: { streamIntervalMs: c.intervalMs } });
  const { app, stream } = bff;
  const { server, url } = await listen(app);
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-bench-sse-')), 'clients.mjs');
  fs.writeFileSync(script, CLIENT_SCRIPT);
  const child = spawn(
    process.execPath,
    [script, `${url}/api/v1/stream?window=5m`, String(SSE_CLIENTS), c.service],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c: string) => {
    out += c;
    let i: number;
    while ((i = out.indexOf('\n')) >= 0) {
      lines.push(out.slice(0, i));
      out = out.slice(i + 1);
      waiters.shift()?.();
    }
  });
  const nextLine = async () => {
    if (lines.length === 0) await new Promise<void>((r) => waiters.push(r));
    return lines.shift() as string;
  };
  try {
    await nextLine(); // ready
    await new Promise((r) => setTimeout(r, c.intervalMs + 500)); // let the first round settle
    const rounds0 = stream.rounds;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, c.seconds * 1000));
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    const rounds = stream.rounds - rounds0;
    child.stdin.write('report\n');
    const clients = JSON.parse(await nextLine()) as { updates: string[]; delays: number[] }[];
    // Every update any client saw after the measurement started: each client must have all of them.
    const all = new Set(clients.flatMap((c) => c.updates));
    const missed = clients.reduce((sum, c) => sum + (all.size - new Set(c.updates).size), 0);
    const delays = clients.flatMap((c) => c.delays);
    const cores = (cpu.user + cpu.system) / 1000 / wall;
    const figures: Figure[] = [
      { name: `clients (half also following a service)`, value: clients.length, unit: '' },
      { name: `rounds in ${c.seconds} s (every ${c.intervalMs / 1000} s)`, value: rounds, unit: '' },
      { name: 'updates missed by some client', value: missed, unit: '', goal: { max: 0 } },
      ...summarize('update → every client (delay)', delays, 'ms', 1000),
      { name: 'update → every client, max', value: percentile(delays, 100), unit: 'ms', goal: { max: 1000 } },
      { name: 'BFF CPU (process.cpuUsage / wall time)', value: cores, unit: 'cores', goal: { max: 1 } },
    ];
    printFigures(`Monitoring stream: ${SSE_CLIENTS} SSE clients on one BFF, ${c.title}`, figures);
  } finally {
    child.kill();
    sim.stop();
    await close(server);
    await bff.close();
    fs.rmSync(path.dirname(script), { recursive: true, force: true });
  }
}

export async function benchMonitoring(): Promise<void> {
  await benchEmbeddedOverview();
  await benchPrometheusOverview();
  await benchStream({
    title: 'demo mesh, an update every second (5× the default)',
    apps: DEMO_APPS,
    catalog: demoCatalog(),
    service: 'reviews.bookinfo.svc.cluster.local',
    intervalMs: 1000,
    seconds: 20,
  });
  const big = generatedMesh(SERVICES, VERSIONS);
  await benchStream({
    title: `${SERVICES} services (overview ~800 kB), every 5 s`,
    ...big,
    service: `svc-1500.${big.apps[1500]?.namespace}.svc.cluster.local`,
    intervalMs: 5000,
    seconds: 30,
  });
}

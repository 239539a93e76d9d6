import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../clients/prometheus';
import { DEMO_APPS } from '../../embedded/demo-mesh/mesh';
import { IstioExporter } from '../../embedded/demo-mesh/traffic/exporter';
import { RateLimitAdmission } from '../../embedded/demo-mesh/traffic/ratelimit';
import { StaticRules } from '../../embedded/demo-mesh/traffic/rules';
import { TrafficSimulator } from '../../embedded/demo-mesh/traffic/simulator';
import { TrafficStore } from '../../embedded/demo-mesh/traffic/store';
import { EmbeddedTelemetry } from '../../embedded/demo-mesh/traffic/telemetry-source';
import { demoCatalog } from '../../embedded/demo-mesh/traffic/testing';
import { silentLogger } from '../../lib/logger';
import { ISTIO_BUCKETS, ISTIO_LABELS, UNKNOWN } from './istio-metrics';
import type { IstioLabels } from './istio-metrics';
import { PrometheusTelemetry } from './prometheus-source';
import { bucketIndex } from './quantile';
import type { Figures, TcpFigures } from './telemetry';
import { resolveWindow } from './window';

/**
 * The contract between the two telemetry sources: a real Prometheus (Debian's) scrapes the demo mesh's
 * /demo-mesh/metrics every second while the simulator runs; then both sources are asked the same
 * questions at the same instant and must agree: rates and error ratios within 5%, percentiles within
 * one histogram bucket.
 *
 * To compare like with like, the simulator starts ticking on Prometheus's first scrape (so every
 * counter's history is in Prometheus from zero), and stops before the questions are asked; the
 * evaluation time is Prometheus's last scrape, taken after the stop, so both hold exactly the same
 * counts and only Prometheus's extrapolation at the edges differs.
 */
const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
const installed = spawnSync(PROMETHEUS, ['--version'], { stdio: 'ignore' }).status === 0;

/** The service with a rate limit while the simulator runs. */
const LIMITED = 'sc-gateway.spring-demo.svc.cluster.local';
/** The service with a rate limit in shadow mode: counted by Envoy's stats, nothing refused. */
const SHADOWED = 'order-service.spring-demo.svc.cluster.local';

/** The service with an injected abort while the simulator runs. */
const ABORTED = 'details.bookinfo.svc.cluster.local';
const DETAILS_ABORT = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'details-abort', namespace: 'bookinfo', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: {
    hosts: ['details'],
    http: [
      {
        fault: { abort: { httpStatus: 500, percentage: { value: 30 } } },
        route: [{ destination: { host: 'details' } }],
      },
    ],
  },
};

/**
 * Ambient traffic written by the test itself, through the exporter and the store (as the simulator
 * writes its own), so the contract covers it whatever the demo mesh holds: `frontdesk` calls
 * `ledger` through a waypoint (reporter="waypoint", requests) while ztunnel on ledger's node counts
 * the waypoint's connections (reporter="destination", L4); `ledger` talks to the database `vault`
 * over plain TCP, which ztunnel alone sees (L4 only, no requests).
 */
const AMBIENT_NS = 'vaultbank';
const LEDGER = `ledger.${AMBIENT_NS}.svc.cluster.local`;
const VAULT = `vault.${AMBIENT_NS}.svc.cluster.local`;
/** Per tick: requests frontdesk sends ledger (a tenth failing, in bucket (10, 25] ms). */
const LEDGER_REQUESTS = 12;
const LEDGER_BUCKET = 4;

function ambientLabels(
  reporter: string,
  source: { workload: string; app: string; version: string },
  service: string,
  destination: { app: string; version: string; pod: string },
  protocol: string,
  code: string,
): IstioLabels {
  const labels = Object.fromEntries(ISTIO_LABELS.map((l) => [l, UNKNOWN])) as IstioLabels;
  return {
    ...labels,
    reporter,
    source_workload: source.workload,
    source_workload_namespace: AMBIENT_NS,
    source_app: source.app,
    source_version: source.version,
    destination_service: service,
    destination_service_name: service.split('.')[0] as string,
    destination_service_namespace: AMBIENT_NS,
    destination_workload: `${destination.app}-${destination.version}`,
    destination_workload_namespace: AMBIENT_NS,
    destination_app: destination.app,
    destination_version: destination.version,
    request_protocol: protocol,
    response_code: code,
    response_flags: '-',
    pod: destination.pod,
  };
}

/**
 * The test's ambient series at zero before Prometheus's first scrape, as the simulator declares its
 * own: Prometheus then holds them from the start, and its per-service coverage is the store's.
 */
function ambientDeclare(exporter: IstioExporter, store: TrafficStore): void {
  ambientTick(0, exporter, store, 0);
}

/** One tick of the test's ambient traffic, in the exporter (for Prometheus) and the store alike. */
function ambientTick(tMs: number, exporter: IstioExporter, store: TrafficStore, scale = 1): void {
  const zero = new Float64Array(ISTIO_BUCKETS.length + 1);
  const frontdesk = { workload: 'frontdesk-v1', app: 'frontdesk', version: 'v1' };
  const waypoint = { workload: 'waypoint', app: 'waypoint', version: UNKNOWN };
  const ledgerV1 = { workload: 'ledger-v1', app: 'ledger', version: 'v1' };
  const ledger = { app: 'ledger', version: 'v1', pod: 'ledger-v1-0' };
  const vault = { app: 'vault', version: 'v1', pod: 'vault-v1-0' };
  const cells = (serviceId: string, dest: typeof ledger, src: typeof frontdesk) => ({
    group: store.groupCell({ serviceId, app: dest.app, namespace: AMBIENT_NS, version: dest.version }),
    consumer: store.consumerCell({
      serviceId,
      workload: src.workload,
      app: src.app,
      namespace: AMBIENT_NS,
      version: src.version,
    }),
    instance: store.instanceCell({ serviceId, instance: dest.pod, version: dest.version }),
  });
  const noRequests = { requests: 0, errors: 0, durationSum: 0, inBytes: 0, outBytes: 0, buckets: zero };
  // The waypoint's requests to ledger: 200s and 503s, each reported once, by the waypoint.
  for (const [code, n] of [
    ['200', LEDGER_REQUESTS * 0.9 * scale],
    ['503', LEDGER_REQUESTS * 0.1 * scale],
  ] as const) {
    const buckets = new Float64Array(ISTIO_BUCKETS.length + 1);
    buckets[LEDGER_BUCKET] = n;
    exporter.add({
      labels: ambientLabels('waypoint', frontdesk, LEDGER, ledger, 'http', code),
      count: n,
      durationBuckets: buckets,
      durationSum: n * 20,
      requestBytesBuckets: zero,
      requestBytesSum: n * 100,
      responseBytesBuckets: zero,
      responseBytesSum: n * 700,
    });
    if (scale === 0) {
      exporter.declare(ambientLabels('waypoint', frontdesk, LEDGER, ledger, 'http', code));
      continue;
    }
    store.add(tMs, {
      ...cells(LEDGER, ledger, frontdesk),
      requests: n,
      errors: code === '200' ? 0 : n,
      durationSum: n * 20,
      inBytes: n * 100,
      outBytes: n * 700,
      buckets,
    });
  }
  // ztunnel on ledger's node: the waypoint's connections to ledger (L4 of the same requests).
  const k = scale;
  exporter.addTcp(
    ambientLabels('destination', waypoint, LEDGER, ledger, 'tcp', ''),
    2 * k,
    9000 * k,
    1300 * k,
    2 * k,
  );
  // ledger → vault: a database over TCP, connections only; one of three stays open a while.
  exporter.addTcp(
    ambientLabels('destination', ledgerV1, VAULT, vault, 'tcp', ''),
    3 * k,
    24_000 * k,
    2_000 * k,
    2 * k,
  );
  if (scale === 0) return;
  store.add(tMs, {
    ...cells(LEDGER, ledger, waypoint),
    ...noRequests,
    tcpOpened: 2,
    tcpClosed: 2,
    tcpSentBytes: 9000,
    tcpReceivedBytes: 1300,
  });
  store.add(tMs, {
    ...cells(VAULT, vault, ledgerV1),
    ...noRequests,
    tcpOpened: 3,
    tcpClosed: 2,
    tcpSentBytes: 24_000,
    tcpReceivedBytes: 2_000,
  });
}

/** L4 figures alike within 5%. */
function closeTcp(a: Pick<TcpFigures, 'sentBytes' | 'receivedBytes' | 'opened'>, b: typeof a, what: string) {
  expect(b.opened, `${what}: embedded connections`).toBeGreaterThan(0);
  closeRate(a.sentBytes, b.sentBytes, `${what} bytes sent`);
  closeRate(a.receivedBytes, b.receivedBytes, `${what} bytes received`);
  closeRate(a.opened, b.opened, `${what} connections opened`);
}

/** Run for at least this long (Prometheus's scrapes of the simulator's traffic). */
const RUN_SECONDS = 25;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Relative agreement for rates: within 5% of the larger. */
function closeRate(a: number, b: number, what: string) {
  expect(Math.abs(a - b), `${what}: prometheus ${a}, embedded ${b}`).toBeLessThanOrEqual(
    0.05 * Math.max(a, b),
  );
}

/** Error ratios: within 5% of each other, or half a percentage point for rare errors (a handful of requests). */
function closeRatio(a: Figures, b: Figures, what: string) {
  const ra = a.requests > 0 ? a.errors / a.requests : 0;
  const rb = b.requests > 0 ? b.errors / b.requests : 0;
  expect(Math.abs(ra - rb), `${what} error ratio: prometheus ${ra}, embedded ${rb}`).toBeLessThanOrEqual(
    Math.max(0.05 * Math.max(ra, rb), 0.005),
  );
}

function closePercentiles(a: Figures, b: Figures, what: string) {
  for (const p of ['p50', 'p95', 'p99'] as const) {
    const pa = a[p];
    const pb = b[p];
    expect(pa, `${what} ${p}`).not.toBeNull();
    expect(pb, `${what} ${p}`).not.toBeNull();
    const gap = Math.abs(bucketIndex(ISTIO_BUCKETS, pa as number) - bucketIndex(ISTIO_BUCKETS, pb as number));
    expect(gap, `${what} ${p}: prometheus ${pa}, embedded ${pb}`).toBeLessThanOrEqual(1);
  }
}

describe.skipIf(!installed)(
  installed
    ? 'Prometheus and the embedded source answer alike'
    : 'Prometheus and the embedded source answer alike (SKIPPED: no prometheus binary; run scripts/ensure-test-deps.sh)',
  () => {
    let work: string;
    let prometheus: ChildProcess;
    let target: http.Server;
    let sim: TrafficSimulator;
    let store: TrafficStore;
    let prom: PrometheusTelemetry;
    let embedded: EmbeddedTelemetry;
    let at = 0;
    let stoppedAt = 0;
    let scrapes = 0;
    const q = resolveWindow('5m', 5);

    beforeAll(async () => {
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-prom-'));
      store = new TrafficStore();
      const exporter = new IstioExporter();
      // A rate limit on the busy gateway, so that some requests are refused (429, response_flags "RL").
      const admission = new RateLimitAdmission();
      admission.setLimits([
        {
          rule: 'gate',
          serviceId: LIMITED,
          scope: 'instance',
          ratePerSecond: 20,
          capacity: 20,
          shadow: false,
          status: 429,
        },
        {
          rule: 'watch',
          serviceId: SHADOWED,
          scope: 'instance',
          ratePerSecond: 5,
          capacity: 5,
          shadow: true,
          status: 429,
        },
      ]);
      sim = new TrafficSimulator({
        apps: DEMO_APPS,
        catalog: demoCatalog(),
        // A fault injection on details: productpage's sidecar aborts 30% of its calls with a 500
        // (reporter=source, flag FI); they never reach details, and must still count as its errors.
        rules: new StaticRules({ virtualServices: [DETAILS_ABORT] }),
        dialect: 'istio',
        store,
        exporter,
        admission,
      });
      // The test's ambient traffic ticks with the simulator: on every tick it counted.
      ambientDeclare(exporter, store);
      const simTick = sim.tick.bind(sim);
      sim.tick = (now: number) => {
        simTick(now);
        if (store.now === now) ambientTick(now, exporter, store);
      };
      target = http.createServer((req, res) => {
        void exporter.metrics().then(({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType });
          res.end(body);
          if (scrapes++ === 0) sim.start(1000);
        });
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      const targetPort = (target.address() as AddressInfo).port;
      const port = await freePort();
      const config = path.join(work, 'prometheus.yml');
      fs.writeFileSync(
        config,
        [
          'global:',
          '  scrape_interval: 1s',
          '  scrape_timeout: 1s',
          'scrape_configs:',
          '  - job_name: demo-mesh',
          '    metrics_path: /demo-mesh/metrics',
          '    static_configs:',
          `      - targets: ['127.0.0.1:${targetPort}']`,
          '',
        ].join('\n'),
      );
      prometheus = spawn(
        PROMETHEUS,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${path.join(work, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      prometheus.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
      const url = `http://127.0.0.1:${port}`;
      const client = new PrometheusClient({ url, timeoutMs: 5000 });
      prom = new PrometheusTelemetry(client, 1, silentLogger());
      embedded = new EmbeddedTelemetry(store);

      await until(`Prometheus to start (${stderr})`, 20_000, async () =>
        (await fetch(`${url}/-/ready`)).ok ? true : null,
      );
      // Enough traffic scraped: poll Prometheus instead of sleeping blindly.
      await until('Prometheus to scrape the simulator', 60_000, async () => {
        const [s] = await client.query('count_over_time(up{job="demo-mesh"}[5m])');
        return (s?.value ?? 0) >= RUN_SECONDS ? true : null;
      });
      sim.stop();
      stoppedAt = store.now;
      // The evaluation instant: a scrape taken after the last tick, so Prometheus has the final counts.
      at = await until('a scrape after the stop', 10_000, async () => {
        const [s] = await client.query('timestamp(up{job="demo-mesh"})');
        const t = (s?.value ?? 0) * 1000;
        return t > stoppedAt + 200 ? t : null;
      });
    }, 120_000);

    afterAll(async () => {
      sim?.stop();
      prometheus?.kill('SIGTERM');
      if (prometheus && prometheus.exitCode === null) await new Promise((r) => prometheus.once('exit', r));
      target?.closeAllConnections();
      await new Promise((r) => target?.close(r));
      if (work) fs.rmSync(work, { recursive: true, force: true });
    }, 30_000);

    it('per application: request rates, error ratios, mean latency and bytes within 5%, percentiles within a bucket', async () => {
      const [p, e] = await Promise.all([prom.applications(q, at), embedded.applications(q, at)]);
      const busy = e.filter((a) => a.figures.requests * q.rangeSeconds >= 100);
      expect(busy.length).toBeGreaterThan(15);
      for (const a of busy) {
        const other = p.find((x) => x.app === a.app && x.namespace === a.namespace);
        expect(other, `${a.app} in Prometheus`).toBeDefined();
        const pf = other?.figures as Figures;
        closeRate(pf.requests, a.figures.requests, `${a.app} requests`);
        closeRatio(pf, a.figures, a.app);
        closeRate(pf.avgMs ?? 0, a.figures.avgMs ?? 0, `${a.app} mean latency`);
        closeRate(pf.inBytes, a.figures.inBytes, `${a.app} inbound bytes`);
        closeRate(pf.outBytes, a.figures.outBytes, `${a.app} outbound bytes`);
        closePercentiles(pf, a.figures, a.app);
      }
    });

    it('asked for some namespaces (a limited user), both answer for those namespaces only, alike', async () => {
      const only = new Set(['shop', 'bookinfo']);
      const [p, e] = await Promise.all([prom.applications(q, at, only), embedded.applications(q, at, only)]);
      const key = (a: { namespace: string; app: string }) => `${a.namespace}/${a.app}`;
      const busy = (xs: typeof e) => xs.filter((a) => a.figures.requests * q.rangeSeconds >= 100).map(key);
      expect(busy(e).length).toBeGreaterThan(5);
      expect(new Set(busy(p))).toEqual(new Set(busy(e)));
      expect([...p, ...e].every((a) => only.has(a.namespace))).toBe(true);
      const [pl, el] = await Promise.all([prom.edges(q, at, only), embedded.edges(q, at, only)]);
      const ends = (l: typeof el) => [
        ...l.calls.map((c) => c.source.namespace),
        ...l.versions.map((v) => v.namespace),
      ];
      expect([...ends(pl), ...ends(el)].every((ns) => only.has(ns))).toBe(true);
      const callKeys = (l: typeof el) =>
        new Set(
          l.calls
            .filter((c) => c.requests * q.rangeSeconds >= 100)
            .map((c) => `${c.source.namespace}/${c.source.workload} > ${c.serviceId}`),
        );
      expect(callKeys(el).size).toBeGreaterThan(5);
      expect(callKeys(pl)).toEqual(callKeys(el));
    });

    it('per service and version, consumers and instances', async () => {
      for (const id of [
        'reviews.bookinfo.svc.cluster.local',
        'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo',
        'com.alipay.sofa.rpc.sample.HelloService@sofarpc',
        'cart.shop.svc.cluster.local',
      ]) {
        const [p, e] = await Promise.all([
          prom.serviceFigures(id, q, at),
          embedded.serviceFigures(id, q, at),
        ]);
        closeRate(p.total.requests, e.total.requests, `${id} requests`);
        closeRatio(p.total, e.total, id);
        closePercentiles(p.total, e.total, id);
        expect(new Set(p.byVersion.map((v) => v.version))).toEqual(
          new Set(e.byVersion.map((v) => v.version)),
        );
        for (const v of e.byVersion) {
          const pv = p.byVersion.find((x) => x.version === v.version)?.figures as Figures;
          closeRate(pv.requests, v.figures.requests, `${id} ${v.version} requests`);
          closeRatio(pv, v.figures, `${id} ${v.version}`);
        }
        const [pc, ec] = await Promise.all([prom.consumers(id, q, at), embedded.consumers(id, q, at)]);
        expect(new Set(pc.map((c) => c.workload))).toEqual(new Set(ec.map((c) => c.workload)));
        for (const c of ec) {
          const o = pc.find((x) => x.workload === c.workload);
          closeRate(o?.requests ?? 0, c.requests, `${id} from ${c.workload}`);
          // The caller's identity, and the share of its requests over mutual TLS, alike.
          expect(o?.principal, `${id} from ${c.workload}: principal`).toBe(c.principal);
          if (c.requests > 0 && o && o.requests > 0)
            expect(
              Math.abs(o.mtls / o.requests - c.mtls / c.requests),
              `${id} from ${c.workload}: mTLS share`,
            ).toBeLessThanOrEqual(0.05);
        }
        const [pi, ei] = await Promise.all([prom.instances(id, q, at), embedded.instances(id, q, at)]);
        expect(new Set(pi.map((i) => i.instance))).toEqual(new Set(ei.map((i) => i.instance)));
        for (const i of ei)
          closeRate(
            pi.find((x) => x.instance === i.instance)?.requests ?? 0,
            i.requests,
            `${id} at ${i.instance}`,
          );
      }
    });

    it("counts the requests a caller's sidecar answered itself (an injected abort) once, as errors of the service, alike", async () => {
      const [p, e] = await Promise.all([
        prom.serviceFigures(ABORTED, q, at),
        embedded.serviceFigures(ABORTED, q, at),
      ]);
      closeRate(p.total.requests, e.total.requests, `${ABORTED} requests`);
      closeRatio(p.total, e.total, ABORTED);
      // About 30% aborted, in both; an abort not counted would leave none. The share drifts on a
      // loaded machine more than the calls' binomial noise explains (seen: 47%, and 7.5 points off
      // 30% over 852 calls, where 4.5 standard deviations are 7.1), so the band is wide: it tells counted
      // from not, while counted once against twice (about 46%) rests on the two sources agreeing.
      for (const f of [p.total, e.total]) {
        expect(f.errors).toBeGreaterThan(0);
        expect(f.errors / f.requests).toBeGreaterThan(0.15);
        expect(f.errors / f.requests).toBeLessThan(0.55);
      }
      const [pc, ec] = await Promise.all([
        prom.consumers(ABORTED, q, at),
        embedded.consumers(ABORTED, q, at),
      ]);
      expect(new Set(pc.map((c) => c.workload))).toEqual(new Set(ec.map((c) => c.workload)));
    });

    it('the topology: the same links, with request rates within 5%, error classes alike and p95 within a bucket', async () => {
      const [p, e] = await Promise.all([prom.edges(q, at), embedded.edges(q, at)]);
      const busy = <T extends { requests: number }>(xs: T[]) =>
        xs.filter((x) => x.requests * q.rangeSeconds >= 100);
      const callKey = (c: { source: { workload: string; namespace: string }; serviceId: string }) =>
        `${c.source.namespace}/${c.source.workload} > ${c.serviceId}`;
      const busyCalls = busy(e.calls);
      expect(busyCalls.length).toBeGreaterThan(20);
      const promCalls = new Map(p.calls.map((c) => [callKey(c), c]));
      for (const c of busyCalls) {
        const other = promCalls.get(callKey(c));
        expect(other, `${callKey(c)} in Prometheus`).toBeDefined();
        const o = other as (typeof p.calls)[number];
        expect(o.source).toEqual(c.source);
        closeRate(o.requests, c.requests, `${callKey(c)} requests`);
        for (const cls of ['serverErrors', 'clientErrors'] as const) {
          const [ra, rb] = [o[cls] / o.requests, c[cls] / c.requests];
          expect(Math.abs(ra - rb), `${callKey(c)} ${cls}`).toBeLessThanOrEqual(
            Math.max(0.05 * Math.max(ra, rb), 0.005),
          );
        }
        const gap = Math.abs(
          bucketIndex(ISTIO_BUCKETS, o.p95 as number) - bucketIndex(ISTIO_BUCKETS, c.p95 as number),
        );
        expect(gap, `${callKey(c)} p95: prometheus ${o.p95}, embedded ${c.p95}`).toBeLessThanOrEqual(1);
        // The share that arrived over mutual TLS (the topology's lock), alike.
        expect(
          Math.abs((o.mtls ?? 0) / o.requests - (c.mtls ?? 0) / c.requests),
          `${callKey(c)} mTLS share`,
        ).toBeLessThanOrEqual(0.05);
      }
      // The demo's sidecars talk mutual TLS: the comparison above is not of zeros alone.
      expect(busyCalls.some((c) => (c.mtls ?? 0) > 0)).toBe(true);
      const versionKey = (v: { serviceId: string; version: string }) => `${v.serviceId} ${v.version}`;
      const promVersions = new Map(p.versions.map((v) => [versionKey(v), v]));
      for (const v of busy(e.versions)) {
        const o = promVersions.get(versionKey(v));
        expect(o, `${versionKey(v)} in Prometheus`).toBeDefined();
        expect({ namespace: o?.namespace, app: o?.app }).toEqual({ namespace: v.namespace, app: v.app });
        closeRate(o?.requests ?? 0, v.requests, `${versionKey(v)} requests`);
      }
    });

    it('ambient: requests a waypoint reported (reporter="waypoint") count once, alike; so do the L4 figures of ztunnel', async () => {
      const [p, e] = await Promise.all([
        prom.serviceFigures(LEDGER, q, at),
        embedded.serviceFigures(LEDGER, q, at),
      ]);
      expect(e.total.requests * q.rangeSeconds).toBeGreaterThan(100);
      closeRate(p.total.requests, e.total.requests, `${LEDGER} requests`);
      closeRatio(p.total, e.total, LEDGER);
      closePercentiles(p.total, e.total, LEDGER);
      // About a tenth 503 in both: a request reported by the waypoint is not counted again elsewhere.
      expect(p.total.errors / p.total.requests).toBeCloseTo(0.1, 2);
      closeTcp(p.total.tcp, e.total.tcp, LEDGER);
      // Callers: frontdesk by its requests, the waypoint by the connections it opened to ledger.
      const [pc, ec] = await Promise.all([prom.consumers(LEDGER, q, at), embedded.consumers(LEDGER, q, at)]);
      expect(new Set(pc.map((c) => c.workload))).toEqual(new Set(['frontdesk-v1', 'waypoint']));
      expect(new Set(ec.map((c) => c.workload))).toEqual(new Set(['frontdesk-v1', 'waypoint']));
      const waypointOf = (cs: typeof ec) => cs.find((c) => c.workload === 'waypoint') as (typeof ec)[number];
      expect(waypointOf(pc).requests).toBe(0);
      closeTcp(waypointOf(pc).tcp, waypointOf(ec).tcp, `${LEDGER} from the waypoint`);
    });

    it('a TCP service (a database) has L4 traffic, not "no traffic": bytes and connections alike, per service, consumer, application and link', async () => {
      const [p, e] = await Promise.all([
        prom.serviceFigures(VAULT, q, at),
        embedded.serviceFigures(VAULT, q, at),
      ]);
      expect([p.total.requests, e.total.requests]).toEqual([0, 0]);
      closeTcp(p.total.tcp, e.total.tcp, VAULT);
      closeRate(p.total.tcp.closed, e.total.tcp.closed, `${VAULT} connections closed`);
      expect(p.byVersion.map((v) => v.version)).toEqual(['v1']);
      closeTcp(
        p.byVersion[0]?.figures.tcp as TcpFigures,
        e.byVersion[0]?.figures.tcp as TcpFigures,
        `${VAULT} v1`,
      );
      const [pc, ec] = await Promise.all([prom.consumers(VAULT, q, at), embedded.consumers(VAULT, q, at)]);
      expect(pc.map((c) => c.workload)).toEqual(['ledger-v1']);
      expect(ec.map((c) => c.workload)).toEqual(['ledger-v1']);
      closeTcp(pc[0]?.tcp as TcpFigures, ec[0]?.tcp as TcpFigures, `${VAULT} from ledger`);
      // The split of its connections, over the whole run (a TCP route's weights divide these).
      const whole = { rangeSeconds: 300, stepSeconds: 60, rateSeconds: 300 };
      const [psplit, esplit] = await Promise.all([
        prom.split(VAULT, whole, at),
        embedded.split(VAULT, whole, at),
      ]);
      expect(psplit.map((v) => [v.version, v.requests])).toEqual([['v1', 0]]);
      expect(esplit.map((v) => [v.version, v.requests])).toEqual([['v1', 0]]);
      closeRate(psplit[0]?.connections ?? 0, esplit[0]?.connections ?? 0, `${VAULT} split connections`);
      const [pa, ea] = await Promise.all([prom.applications(q, at), embedded.applications(q, at)]);
      const vaultApp = (xs: typeof ea) => xs.find((a) => a.namespace === AMBIENT_NS && a.app === 'vault');
      closeTcp(vaultApp(pa)?.figures.tcp as TcpFigures, vaultApp(ea)?.figures.tcp as TcpFigures, 'vault app');
      // Series: the last steady point of bytes sent, within the range queries' noise (see below).
      const [ps, es] = await Promise.all([
        prom.serviceSeries(VAULT, { rangeSeconds: 300, stepSeconds: 5, rateSeconds: 10 }, at),
        embedded.serviceSeries(VAULT, { rangeSeconds: 300, stepSeconds: 5, rateSeconds: 10 }, at),
      ]);
      expect(ps.total.tcpSentBytes.some((v) => v !== null && v > 0)).toBe(true);
      expect(es.total.tcpSentBytes.some((v) => v !== null && v > 0)).toBe(true);
    });

    it('the topology: L4 links (connections only) and waypoint-reported L7 links, alike in both', async () => {
      const [p, e] = await Promise.all([
        prom.edges(q, at, new Set([AMBIENT_NS])),
        embedded.edges(q, at, new Set([AMBIENT_NS])),
      ]);
      const call = (l: typeof e, workload: string, serviceId: string) =>
        l.calls.find((c) => c.source.workload === workload && c.serviceId === serviceId);
      // ledger → vault: L4 only.
      const [pv, ev] = [call(p, 'ledger-v1', VAULT), call(e, 'ledger-v1', VAULT)];
      expect([pv?.requests, ev?.requests]).toEqual([0, 0]);
      closeTcp(pv?.tcp as TcpFigures, ev?.tcp as TcpFigures, 'ledger → vault');
      // frontdesk → ledger: requests the waypoint reported.
      const [pl, el] = [call(p, 'frontdesk-v1', LEDGER), call(e, 'frontdesk-v1', LEDGER)];
      closeRate(pl?.requests ?? 0, el?.requests ?? 0, 'frontdesk → ledger requests');
      expect(el?.requests ?? 0).toBeGreaterThan(0);
      // Every L4 link of the whole mesh (the demo's own TCP and ambient traffic too) alike.
      const [pa, ea] = await Promise.all([prom.edges(q, at), embedded.edges(q, at)]);
      const key = (v: { serviceId: string; version: string }) => `${v.serviceId} ${v.version}`;
      const promVersions = new Map(pa.versions.map((v) => [key(v), v]));
      const none = { sentBytes: 0, receivedBytes: 0, opened: 0 };
      const l4 = ea.versions.filter((v) => (v.tcp?.opened ?? 0) * q.rangeSeconds >= 50);
      expect(l4.length).toBeGreaterThanOrEqual(2);
      for (const v of l4) closeTcp(promVersions.get(key(v))?.tcp ?? none, v.tcp ?? none, key(v));
    });

    /**
     * Range queries: the same timestamps, and at each about the same rate. Prometheus estimates each
     * point from the ~10 samples inside its rate interval, extrapolating to both edges (a second's worth
     * of traffic each, ±√n requests), and on a busy machine timer jitter moves a tick across an edge: a
     * point carries that noise, ~10% here. So points agree within 30% and on average within 15%, which
     * still rejects a wrong unit, step or interval (a factor of 2 or 60); the figures over the window
     * above agree exactly. Only steady points count: those whose rate interval lies between the first
     * tick and the stop. (How points align with slots is the embedded source's own test.)
     */
    it('passed and rate-limited requests (response_flags "RL") alike within 5%', async () => {
      // Over the whole run, so both count exactly the same requests.
      const window = { rangeSeconds: 300, stepSeconds: 60, rateSeconds: 300 };
      const [p, e] = await Promise.all([
        prom.limits(LIMITED, window, at),
        embedded.limits(LIMITED, window, at),
      ]);
      expect(e.limited * window.rateSeconds).toBeGreaterThan(100);
      expect(e.passed * window.rateSeconds).toBeGreaterThan(100);
      closeRate(p.passed, e.passed, `${LIMITED} passed`);
      closeRate(p.limited, e.limited, `${LIMITED} limited`);
      // A service without a limit has nothing limited in either.
      const [pf, ef] = await Promise.all([
        prom.limits('cart.shop.svc.cluster.local', window, at),
        embedded.limits('cart.shop.svc.cluster.local', window, at),
      ]);
      expect([pf.limited, ef.limited]).toEqual([0, 0]);
      closeRate(pf.passed, ef.passed, 'cart passed');
      // Nothing in shadow mode there: 0 in both (Prometheus has the stats, of other Pods).
      expect([pf.shadowLimited, ef.shadowLimited]).toEqual([0, 0]);
    });

    it("what a rule in shadow mode would have refused: Envoy's stats in Prometheus, alike within 5%", async () => {
      const window = { rangeSeconds: 300, stepSeconds: 60, rateSeconds: 300 };
      const [p, e] = await Promise.all([
        prom.limits(SHADOWED, window, at),
        embedded.limits(SHADOWED, window, at),
      ]);
      expect((e.shadowLimited ?? 0) * window.rateSeconds).toBeGreaterThan(100);
      // Shadow mode refuses nothing.
      expect([p.limited, e.limited]).toEqual([0, 0]);
      closeRate(p.shadowLimited ?? 0, e.shadowLimited ?? 0, `${SHADOWED} shadow-limited`);
      // An enforced rule's requests are refused, not "would have been".
      const [pl, el] = await Promise.all([
        prom.limits(LIMITED, window, at),
        embedded.limits(LIMITED, window, at),
      ]);
      expect([pl.shadowLimited, el.shadowLimited]).toEqual([0, 0]);
    });

    it('the same series: points within 30%, their mean within 15%', async () => {
      const id = 'cart.shop.svc.cluster.local';
      // A short rate interval (two slots), so a half-minute run has several points to compare.
      const q = { rangeSeconds: 300, stepSeconds: 5, rateSeconds: 10 };
      const [p, e] = await Promise.all([prom.serviceSeries(id, q, at), embedded.serviceSeries(id, q, at)]);
      expect(p.timestamps).toEqual(e.timestamps);
      const pairs = p.timestamps.flatMap((t, i) => {
        const a = p.total.requests[i];
        const b = e.total.requests[i];
        const steady = t - q.rateSeconds * 1000 > store.first + 1000 && t < stoppedAt - 1000;
        return steady && a != null && b != null ? [[a, b] as const] : [];
      });
      expect(pairs.length).toBeGreaterThanOrEqual(2);
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      const detail = JSON.stringify(pairs);
      const [ma, mb] = [mean(pairs.map(([a]) => a)), mean(pairs.map(([, b]) => b))];
      // The mean of n points carries 1/√n of a point's noise: 15% from four points on, more below
      // (two points on a loaded machine once differed by 16%).
      const meanTolerance = Math.max(0.15, 0.3 / Math.sqrt(pairs.length));
      expect(Math.abs(ma - mb), `mean of the series ${detail}`).toBeLessThanOrEqual(
        meanTolerance * Math.max(ma, mb),
      );
      for (const [a, b] of pairs) {
        expect(Math.abs(a - b), `prometheus ${a}, embedded ${b} in ${detail}`).toBeLessThanOrEqual(
          0.3 * Math.max(a, b),
        );
      }
    });
  },
);

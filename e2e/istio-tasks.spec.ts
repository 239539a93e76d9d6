import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIRequestContext } from '@playwright/test';
import { expect, test } from './fixtures';
import { CIRCUIT_BREAKER_DR, HTTPBIN_SUBSETS_DR, httpbinToV1 } from '../bff/src/testing/istio-task-rules';
import { kubectl } from './kubectl';

/**
 * Istio's traffic-management tasks, followed as their pages say, on the console's embedded control
 * plane with nothing installed: a real kubectl applies Istio's own Bookinfo (the committed copy of
 * istio/samples, unchanged) and each task's files, and the console's monitoring must show what
 * Istio documents within 30 s. The simulated traffic decides from the rules alone (the demo's Istio
 * engine, not the console's reading of them), so this is the console and the demo agreeing with
 * Istio's documentation, not with each other.
 *
 * Tasks: request routing (https://istio.io/latest/docs/tasks/traffic-management/request-routing/),
 * traffic shifting, fault injection (delay, abort), mirroring, circuit breaking.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const BOOKINFO = path.resolve(here, '../bff/src/testing/istio-samples/bookinfo');
const sample = (file: string) => path.join(BOOKINFO, file);

const NS = 'default';
const id = (service: string, ns = NS) => `${service}.${ns}.svc.cluster.local`;

interface Metrics {
  split: { versions: { version: string; share: number | null; requestsPerMinute: number }[] };
  total: {
    series: { requestsPerMinute: (number | null)[]; errorRate: (number | null)[]; p50: (number | null)[] };
  };
  versions: { version: string; series: { requestsPerMinute: (number | null)[] } }[];
  consumers: { workload: string; requestsPerMinute: number; errorRate: number | null }[];
}

async function metrics(request: APIRequestContext, serviceId: string): Promise<Metrics> {
  const res = await request.get(`/api/v1/services/${encodeURIComponent(serviceId)}/metrics?window=5m`);
  expect(res.status(), serviceId).toBe(200);
  return (await res.json()) as Metrics;
}

/** The last value of a series that has one (each point is a rate over the last rate interval). */
const latest = (series: (number | null)[]): number | null =>
  [...series].reverse().find((v): v is number => v !== null) ?? null;

/** A version's share of the requests over the recent interval (0 when it got none). */
async function shareOf(request: APIRequestContext, serviceId: string, version: string): Promise<number> {
  const m = await metrics(request, serviceId);
  return m.split.versions.find((v) => v.version === version)?.share ?? 0;
}

/** Versions' requests per minute over the last rate interval. */
async function versionRate(request: APIRequestContext, serviceId: string, version: string): Promise<number> {
  const m = await metrics(request, serviceId);
  return latest(m.versions.find((v) => v.version === version)?.series.requestsPerMinute ?? []) ?? 0;
}

const within30s = { timeout: 30_000, intervals: [1_000] };

const apply = (file: string, ns = NS) => kubectl(['apply', '-n', ns, '-f', file]);
const applyYaml = (doc: string, ns = NS) => kubectl(['apply', '-n', ns, '-f', '-'], { input: doc });

test.describe.configure({ mode: 'serial' });

test.describe("Istio's traffic-management tasks on the embedded control plane", () => {
  test.slow();

  test('Bookinfo deploys with plain kubectl and the console shows its services', async ({
    page,
    request,
  }) => {
    // As the Bookinfo page says: label the namespace for injection, apply, wait for the pods.
    kubectl(['label', 'namespace', NS, 'istio-injection=enabled', '--overwrite']);
    const out = apply(sample('platform/kube/bookinfo.yaml'));
    expect(out).toContain('deployment.apps/reviews-v3 created');
    kubectl(['wait', '-n', NS, '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    const pods = kubectl(['get', 'pods', '-n', NS, '-l', 'app=reviews', '-o', 'name']).trim().split('\n');
    expect(pods).toHaveLength(3);
    // The sidecar injected, as istio-injection=enabled asks.
    expect(
      kubectl([
        'get',
        'pods',
        '-n',
        NS,
        '-l',
        'app=ratings',
        '-o',
        'jsonpath={.items[0].spec.containers[*].name}',
      ]),
    ).toContain('istio-proxy');

    apply(sample('networking/bookinfo-gateway.yaml'));
    apply(sample('networking/destination-rule-all.yaml'));

    await page.goto(`/services/${encodeURIComponent(id('reviews'))}`);
    await expect(page.getByRole('heading', { name: /reviews/ }).first()).toBeVisible({ timeout: 20_000 });
    for (const version of ['v1', 'v2', 'v3']) {
      await expect(page.getByText(version, { exact: true }).first()).toBeVisible();
    }

    // Outside traffic now enters through the ingress gateway: productpage is called from it.
    await expect
      .poll(async () => {
        const m = await metrics(request, id('productpage'));
        return m.consumers.find((c) => c.workload === 'istio-ingressgateway')?.requestsPerMinute ?? 0;
      }, within30s)
      .toBeGreaterThan(0);
  });

  test('request routing: all to v1, then jason to v2', async ({ request }) => {
    apply(sample('networking/virtual-service-all-v1.yaml'));
    await expect.poll(() => shareOf(request, id('reviews'), 'v1'), within30s).toBeGreaterThanOrEqual(0.99);

    apply(sample('networking/virtual-service-reviews-test-v2.yaml'));
    // jason's requests (and only his) go to v2; v3 gets none.
    await expect.poll(() => versionRate(request, id('reviews'), 'v2'), within30s).toBeGreaterThan(0);
    await expect.poll(() => shareOf(request, id('reviews'), 'v1'), within30s).toBeGreaterThan(0.5);
    // What v3 served before the rules still fades out of the rate interval; none is added.
    await expect.poll(() => shareOf(request, id('reviews'), 'v3'), within30s).toBe(0);
  });

  test('traffic shifting: 50% to v3, then all of it', async ({ page, request }) => {
    apply(sample('networking/virtual-service-all-v1.yaml'));
    apply(sample('networking/virtual-service-reviews-50-v3.yaml'));
    await expect
      .poll(async () => {
        const v3 = await shareOf(request, id('reviews'), 'v3');
        return Math.abs(v3 - 0.5);
      }, within30s)
      .toBeLessThan(0.12);

    apply(sample('networking/virtual-service-reviews-v3.yaml'));
    await expect.poll(() => shareOf(request, id('reviews'), 'v3'), within30s).toBeGreaterThanOrEqual(0.99);

    // What the operator sees: the Routes tab shows Istio's rule and the traffic following it.
    await page.goto(`/services/${encodeURIComponent(id('reviews'))}?tab=routes`);
    const row = page
      .getByRole('row', { name: /reviews/ })
      .filter({ hasText: 'v3' })
      .first();
    await expect(row).toBeVisible({ timeout: 20_000 });
    await expect(row).toContainText(/v3 (9\d|100)(\.\d)?%/, { timeout: 30_000 });
  });

  test('fault injection: a 7 s delay, then an abort, for jason', async ({ request }) => {
    apply(sample('networking/virtual-service-all-v1.yaml'));
    apply(sample('networking/virtual-service-reviews-test-v2.yaml'));
    apply(sample('networking/virtual-service-ratings-test-delay.yaml'));
    // Only jason's requests reach reviews v2, the version that calls ratings: all of them are delayed.
    await expect
      .poll(async () => latest((await metrics(request, id('ratings'))).total.series.p50) ?? 0, within30s)
      .toBeGreaterThanOrEqual(6_000);

    apply(sample('networking/virtual-service-ratings-test-abort.yaml'));
    // Aborted by reviews' sidecar with HTTP 500: they never reach ratings, and still count as its errors.
    await expect
      .poll(
        async () => latest((await metrics(request, id('ratings'))).total.series.errorRate) ?? 0,
        within30s,
      )
      .toBeGreaterThanOrEqual(0.9);
  });

  test('mirroring: v2 receives a copy of what v1 serves', async ({ request }) => {
    const ns = 'mirroring';
    kubectl(['create', 'namespace', ns]);
    applyYaml(HTTPBIN_SERVICE + httpbin('v1') + httpbin('v2') + SLEEP, ns);
    kubectl(['wait', '-n', ns, '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    applyYaml(`${httpbinToV1(false)}---\n${HTTPBIN_SUBSETS_DR}`, ns);
    await expect
      .poll(() => shareOf(request, id('httpbin', ns), 'v1'), within30s)
      .toBeGreaterThanOrEqual(0.99);

    applyYaml(httpbinToV1(true), ns);
    // Mirrored requests are counted where they arrive, at v2; the caller still gets v1's answers.
    await expect
      .poll(async () => {
        const [v1, v2] = await Promise.all([
          versionRate(request, id('httpbin', ns), 'v1'),
          versionRate(request, id('httpbin', ns), 'v2'),
        ]);
        return v1 > 0 ? v2 / v1 : 0;
      }, within30s)
      .toBeGreaterThan(0.7);
  });

  test('circuit breaking: fortio past one connection gets 503s', async ({ request }) => {
    const ns = 'circuit-breaking';
    kubectl(['create', 'namespace', ns]);
    applyYaml(HTTPBIN_SERVICE + httpbin('v1'), ns);
    applyYaml(FORTIO, ns);
    kubectl(['wait', '-n', ns, '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    const fortioErrors = async () =>
      (await metrics(request, id('httpbin', ns))).consumers.find((c) => c.workload.startsWith('fortio'))
        ?.errorRate ?? 0;
    applyYaml(CIRCUIT_BREAKER_DR, ns);
    // Three concurrent connections against maxConnections 1 and one pending request: Envoy's
    // circuit breaker answers the overflow itself (503, flag UO).
    await expect.poll(fortioErrors, within30s).toBeGreaterThan(0.2);
  });
});

/* The Istio tasks' own manifests (samples/httpbin, samples/sleep, samples/httpbin/sample-client), as the task pages give them. */

const httpbin = (version: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin-${version}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: httpbin
      version: ${version}
  template:
    metadata:
      labels:
        app: httpbin
        version: ${version}
    spec:
      containers:
      - image: docker.io/mccutchen/go-httpbin:v2.15.0
        name: httpbin
        ports:
        - containerPort: 8080
---
`;

const HTTPBIN_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: httpbin
  labels:
    app: httpbin
spec:
  ports:
  - name: http
    port: 8000
    targetPort: 8080
  selector:
    app: httpbin
---
`;

const SLEEP = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: sleep
---
apiVersion: v1
kind: Service
metadata:
  name: sleep
  labels:
    app: sleep
    service: sleep
spec:
  ports:
  - port: 80
    name: http
  selector:
    app: sleep
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sleep
spec:
  replicas: 1
  selector:
    matchLabels:
      app: sleep
  template:
    metadata:
      labels:
        app: sleep
    spec:
      terminationGracePeriodSeconds: 0
      serviceAccountName: sleep
      containers:
      - name: sleep
        image: curlimages/curl
        command: ["/bin/sleep", "infinity"]
        imagePullPolicy: IfNotPresent
`;

const FORTIO = `apiVersion: v1
kind: Service
metadata:
  name: fortio
  labels:
    app: fortio
    service: fortio
spec:
  ports:
  - port: 8080
    name: http
  selector:
    app: fortio
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: fortio-deploy
spec:
  replicas: 1
  selector:
    matchLabels:
      app: fortio
  template:
    metadata:
      annotations:
        proxy.istio.io/config: |-
          proxyStatsMatcher:
            inclusionPrefixes:
            - "cluster.outbound"
            - "cluster_manager"
            - "listener_manager"
            - "server"
            - "cluster.xds-grpc"
      labels:
        app: fortio
    spec:
      containers:
      - name: fortio
        image: fortio/fortio:latest_release
        ports:
        - containerPort: 8080
          name: http-fortio
        - containerPort: 8079
          name: grpc-ping
`;

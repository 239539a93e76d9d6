import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIRCUIT_BREAKER_DR, HTTPBIN_SUBSETS_DR, httpbinToV1 } from '../../../testing/istio-task-rules';
import { ISTIO_METRICS } from '../../../features/monitoring/istio-metrics';
import { TCP_METRICS } from './exporter';
import { EmbeddedTelemetry } from './telemetry-source';
import { simulation } from './testing';
import type { SimulatorOptions } from './simulator';
import {
  BOOKINFO_NETWORKING,
  FORTIO,
  HTTPBIN_V1_V2,
  SAMPLES,
  SLEEP,
  TCP_ECHO,
  manifests,
  requests,
  rulesOf,
  sampleFile,
  scrape,
  sum,
  userCatalog,
} from './user-mesh.test-support';

/**
 * Istio's traffic-management tasks (istio.io/latest/docs/tasks/traffic-management/), run on the demo
 * mesh as a user runs them: `kubectl apply` of Bookinfo and of the tasks' files, then the outcome the
 * task documents, read from Istio's metrics (labels response_code, response_flags, destination_version,
 * reporter as Envoy sets them). Istio's own sample files where they exist; the tasks' inline YAML
 * otherwise.
 */

const NS = 'default';
const host = (name: string) => `${name}.${NS}.svc.cluster.local`;
const PRODUCTPAGE = host('productpage');
const REVIEWS = host('reviews');
const RATINGS = host('ratings');
const HTTPBIN = host('httpbin');

const bookinfo = () => sampleFile(path.join(SAMPLES, 'bookinfo/platform/kube/bookinfo.yaml'));
const networking = (...files: string[]) =>
  files.flatMap((f) => sampleFile(path.join(BOOKINFO_NETWORKING, f)));

/** Bookinfo (and whatever else) applied, the rules of `files` too, simulated for `seconds`. */
async function run(options: {
  objects?: ReturnType<typeof manifests>;
  rules: ReturnType<typeof manifests>;
  seconds: number;
  notReady?: (labels: Record<string, string>) => boolean;
  characters?: SimulatorOptions['characters'];
  seed?: number;
}) {
  const catalog = userCatalog(options.objects ?? bookinfo(), options.notReady);
  const s = simulation({
    apps: [],
    catalog,
    exporter: true,
    seed: options.seed ?? 7,
    tiers: [{ slotMs: 1000, slots: 3600 }],
    ...(options.characters ? { characters: options.characters } : {}),
  });
  s.rules.set(rulesOf(options.rules));
  s.advance(options.seconds);
  return { s, samples: await scrape(s.exporter) };
}

const GATEWAY = () => networking('bookinfo-gateway.yaml');

describe('Istio tasks on the demo mesh: Bookinfo through the ingress gateway', () => {
  it('without a Gateway nobody outside reaches productpage; bookinfo-gateway.yaml lets users in through istio-ingressgateway', async () => {
    const closed = await run({ rules: [], seconds: 30 });
    expect(requests(closed.samples, { destination_service: PRODUCTPAGE })).toBe(0);

    const open = await run({ rules: GATEWAY(), seconds: 60 });
    const fromGateway = requests(open.samples, {
      reporter: 'destination',
      destination_service: PRODUCTPAGE,
      source_workload: 'istio-ingressgateway',
      source_workload_namespace: 'istio-system',
      response_code: '200',
    });
    expect(fromGateway).toBeGreaterThan(0);
    // productpage calls details and reviews for each page view; reviews v2 and v3 call ratings, v1 not.
    expect(
      requests(open.samples, { destination_service: host('details'), source_workload: 'productpage-v1' }),
    ).toBeGreaterThan(0);
    // Not even a series at zero: reviews v1's sidecar never sees a call to ratings.
    expect(
      open.samples.some(
        (x) =>
          x.name === ISTIO_METRICS.requests &&
          x.labels.source_workload === 'reviews-v1' &&
          x.labels.destination_service === RATINGS,
      ),
    ).toBe(false);
    expect(
      requests(open.samples, { destination_service: RATINGS, source_workload: 'reviews-v2' }),
    ).toBeGreaterThan(0);
    expect(
      requests(open.samples, { destination_service: RATINGS, source_workload: 'reviews-v3' }),
    ).toBeGreaterThan(0);
  });

  it('a request no route of the Gateway-bound VirtualService matches is answered 404 NR by the gateway', async () => {
    // bookinfo-gateway.yaml's VirtualService, matching /productpage only.
    const onlyPage = GATEWAY().map((o) =>
      o.kind === 'VirtualService'
        ? {
            ...o,
            spec: {
              ...o.spec,
              http: [
                {
                  match: [{ uri: { exact: '/productpage' } }],
                  route: [{ destination: { host: 'productpage', port: { number: 9080 } } }],
                },
              ],
            },
          }
        : o,
    );
    const { samples } = await run({ rules: onlyPage, seconds: 60 });
    const notFound = requests(samples, {
      reporter: 'source',
      source_workload: 'istio-ingressgateway',
      response_code: '404',
      response_flags: 'NR',
    });
    const served = requests(samples, { reporter: 'destination', destination_service: PRODUCTPAGE });
    expect(notFound).toBeGreaterThan(0);
    expect(served).toBeGreaterThan(notFound);
  });
});

describe('Istio tasks on the demo mesh: request routing', () => {
  it('virtual-service-all-v1 sends every request to v1 (and reviews v1 never calls ratings)', async () => {
    const { samples } = await run({
      rules: [...GATEWAY(), ...networking('destination-rule-all.yaml', 'virtual-service-all-v1.yaml')],
      seconds: 60,
    });
    const reviews = { reporter: 'destination', destination_service: REVIEWS };
    expect(requests(samples, { ...reviews, destination_version: 'v1' })).toBeGreaterThan(0);
    expect(requests(samples, { ...reviews, destination_version: 'v2' })).toBe(0);
    expect(requests(samples, { ...reviews, destination_version: 'v3' })).toBe(0);
    expect(requests(samples, { destination_service: RATINGS })).toBe(0);
  });

  it('virtual-service-reviews-test-v2 sends jason (end-user: jason, propagated by productpage) to v2, everyone else to v1', async () => {
    const { samples } = await run({
      rules: [
        ...GATEWAY(),
        ...networking(
          'destination-rule-all.yaml',
          'virtual-service-all-v1.yaml',
          'virtual-service-reviews-test-v2.yaml',
        ),
      ],
      seconds: 300,
    });
    const reviews = { reporter: 'destination', destination_service: REVIEWS };
    const v1 = requests(samples, { ...reviews, destination_version: 'v1' });
    const v2 = requests(samples, { ...reviews, destination_version: 'v2' });
    expect(requests(samples, { ...reviews, destination_version: 'v3' })).toBe(0);
    // Users signed in as jason are a share of the page views (samples.ts: 0.25 of 0.8).
    expect(v2 / (v1 + v2)).toBeGreaterThan(0.3125 - 0.08);
    expect(v2 / (v1 + v2)).toBeLessThan(0.3125 + 0.08);
    // ratings hears from reviews v2 only: jason's requests, one per review request.
    const ratings = requests(samples, { reporter: 'destination', destination_service: RATINGS });
    expect(requests(samples, { destination_service: RATINGS, source_workload: 'reviews-v2' })).toBe(ratings);
    // One ratings call per review request (drawn as Poisson counts, so within their noise).
    expect(Math.abs(ratings - v2)).toBeLessThan(4 * Math.sqrt(v2));
  });
});

describe('Istio tasks on the demo mesh: traffic shifting', () => {
  it('virtual-service-reviews-50-v3 splits reviews half v1, half v3; virtual-service-reviews-v3 sends all to v3', async () => {
    const half = await run({
      rules: [...GATEWAY(), ...networking('destination-rule-all.yaml', 'virtual-service-reviews-50-v3.yaml')],
      seconds: 300,
    });
    const reviews = { reporter: 'destination', destination_service: REVIEWS };
    const v1 = requests(half.samples, { ...reviews, destination_version: 'v1' });
    const v3 = requests(half.samples, { ...reviews, destination_version: 'v3' });
    expect(requests(half.samples, { ...reviews, destination_version: 'v2' })).toBe(0);
    expect(v3 / (v1 + v3)).toBeGreaterThan(0.5 - 0.08);
    expect(v3 / (v1 + v3)).toBeLessThan(0.5 + 0.08);

    const all = await run({
      rules: [...GATEWAY(), ...networking('destination-rule-all.yaml', 'virtual-service-reviews-v3.yaml')],
      seconds: 60,
    });
    expect(requests(all.samples, { ...reviews, destination_version: 'v3' })).toBeGreaterThan(0);
    expect(requests(all.samples, { ...reviews, destination_version: 'v1' })).toBe(0);
  });
});

describe('Istio tasks on the demo mesh: fault injection', () => {
  const rules = (fault: string) => [
    ...GATEWAY(),
    ...networking(
      'destination-rule-all.yaml',
      'virtual-service-all-v1.yaml',
      'virtual-service-reviews-test-v2.yaml',
      fault,
    ),
  ];

  it('ratings-test-delay: jason’s ratings calls wait 7 s (DI at reviews-v2’s sidecar), and productpage gives up on reviews after 3 s', async () => {
    const { samples } = await run({ rules: rules('virtual-service-ratings-test-delay.yaml'), seconds: 300 });
    const delayed = {
      reporter: 'source',
      source_workload: 'reviews-v2',
      destination_service: RATINGS,
      response_flags: 'DI',
    };
    const n = requests(samples, delayed);
    expect(n).toBeGreaterThan(0);
    // The caller's sidecar saw each take the 7 s delay plus ratings' own time.
    expect(sum(samples, `${ISTIO_METRICS.duration}_sum`, delayed) / n).toBeGreaterThanOrEqual(7000);
    // ratings itself served them as usual: reported by its sidecar, no flag, fast.
    const served = { reporter: 'destination', destination_service: RATINGS, source_workload: 'reviews-v2' };
    expect(requests(samples, { ...served, response_flags: '-' })).toBeGreaterThan(0);
    expect(sum(samples, `${ISTIO_METRICS.duration}_sum`, served) / requests(samples, served)).toBeLessThan(
      1000,
    );
    // productpage's 3 s timeout: its calls to reviews v2 end with the client gone (code 0, DC), v1's do not.
    const gone = {
      destination_service: REVIEWS,
      source_workload: 'productpage-v1',
      response_code: '0',
      response_flags: 'DC',
    };
    expect(requests(samples, { ...gone, destination_version: 'v2' })).toBeGreaterThan(0);
    expect(requests(samples, { ...gone, destination_version: 'v1' })).toBe(0);
    // ... and tries once more (3 s + 1 retry): two abandoned reviews calls per page view of jason's,
    // who makes a share of the page views (one details call each).
    const pages = requests(samples, {
      destination_service: host('details'),
      source_workload: 'productpage-v1',
    });
    const abandoned = requests(samples, { ...gone, destination_version: 'v2' });
    expect(abandoned / pages).toBeGreaterThan(2 * 0.3125 * 0.7);
    expect(abandoned / pages).toBeLessThan(2 * 0.3125 * 1.3);
  });

  it('ratings-test-abort: jason’s ratings calls are answered 500 FI by reviews-v2’s sidecar and never reach ratings', async () => {
    const { s, samples } = await run({
      rules: rules('virtual-service-ratings-test-abort.yaml'),
      seconds: 120,
    });
    const aborted = requests(samples, {
      reporter: 'source',
      source_workload: 'reviews-v2',
      destination_service: RATINGS,
      response_code: '500',
      response_flags: 'FI',
    });
    expect(aborted).toBeGreaterThan(0);
    expect(requests(samples, { reporter: 'destination', destination_service: RATINGS })).toBe(0);
    // The console's monitoring (the embedded series) counts them once, as ratings' failed requests.
    const q = { rangeSeconds: 120, stepSeconds: 1, rateSeconds: 120 };
    const { total } = await new EmbeddedTelemetry(s.store).serviceFigures(RATINGS, q);
    expect(total.requests * 120).toBeCloseTo(aborted, 0);
    expect(total.errors).toBeCloseTo(total.requests, 6);
  });

  it('an abort of a percentage aborts about that share (HTTPFaultInjection.Abort percentage)', async () => {
    const ratings = manifests(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
  - fault:
      abort:
        percentage: { value: 30 }
        httpStatus: 503
    route:
    - destination: { host: ratings, subset: v1 }
`);
    const { samples } = await run({
      rules: [...GATEWAY(), ...networking('destination-rule-all.yaml'), ...ratings],
      seconds: 300,
    });
    const aborted = requests(samples, {
      destination_service: RATINGS,
      response_code: '503',
      response_flags: 'FI',
    });
    const served = requests(samples, { reporter: 'destination', destination_service: RATINGS });
    expect(aborted / (aborted + served)).toBeGreaterThan(0.3 - 0.08);
    expect(aborted / (aborted + served)).toBeLessThan(0.3 + 0.08);
  });
});

describe('Istio tasks on the demo mesh: request timeouts', () => {
  it('reviews with a 0.5 s timeout and ratings delayed 2 s: productpage gets 504 UT from its sidecar, reviews still serves', async () => {
    // The task's inline rules (istio.io/latest/docs/tasks/traffic-management/request-timeouts/).
    const inline = manifests(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: v2 }
    timeout: 0.5s
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
  - fault:
      delay:
        percentage: { value: 100 }
        fixedDelay: 2s
    route:
    - destination: { host: ratings, subset: v1 }
`);
    const { samples } = await run({
      rules: [...GATEWAY(), ...networking('destination-rule-all.yaml'), ...inline],
      seconds: 120,
    });
    const timedOut = {
      reporter: 'source',
      source_workload: 'productpage-v1',
      destination_service: REVIEWS,
      response_code: '504',
      response_flags: 'UT',
    };
    const n = requests(samples, timedOut);
    expect(n).toBeGreaterThan(0);
    expect(sum(samples, `${ISTIO_METRICS.duration}_sum`, timedOut) / n).toBeCloseTo(500, 0);
    // Practically every reviews call from productpage timed out at its sidecar (the first ticks, before
    // reviews waits for the delayed ratings, came back in time).
    const inTime = requests(samples, {
      reporter: 'source',
      source_workload: 'productpage-v1',
      destination_service: REVIEWS,
      response_code: '200',
    });
    expect(inTime).toBeLessThan(0.05 * n);
    // reviews v2 still served them (its sidecar reports what it answered).
    expect(
      requests(samples, {
        reporter: 'destination',
        destination_service: REVIEWS,
        destination_version: 'v2',
        response_code: '200',
      }),
    ).toBeGreaterThan(0);
  });
});

describe('Istio tasks on the demo mesh: mirroring', () => {
  const DR = HTTPBIN_SUBSETS_DR;
  const allToV1 = httpbinToV1(false);
  const mirrored = httpbinToV1(true);
  const objects = () => [...manifests(HTTPBIN_V1_V2), ...manifests(SLEEP)];

  it('all traffic to v1: v2 sees nothing; with the mirror, v2 sees a copy of each request from sleep, and sleep’s outcome is v1’s', async () => {
    const before = await run({ objects: objects(), rules: manifests(`${DR}---\n${allToV1}`), seconds: 200 });
    const atV2 = {
      reporter: 'destination',
      destination_service: HTTPBIN,
      destination_version: 'v2',
      source_workload: 'sleep',
    };
    expect(requests(before.samples, atV2)).toBe(0);

    const after = await run({ objects: objects(), rules: manifests(`${DR}---\n${mirrored}`), seconds: 200 });
    const v1 = requests(after.samples, {
      reporter: 'destination',
      destination_service: HTTPBIN,
      destination_version: 'v1',
      source_workload: 'sleep',
    });
    const v2 = requests(after.samples, atV2);
    expect(v1).toBeGreaterThan(0);
    expect(v2).toBe(v1);
    // Responses of the mirror are dropped: nothing of it at the caller's sidecar.
    expect(requests(after.samples, { reporter: 'source', destination_version: 'v2' })).toBe(0);
  });
});

describe('Istio tasks on the demo mesh: circuit breaking', () => {
  const DR = manifests(CIRCUIT_BREAKER_DR);
  const objects = () => [...manifests(HTTPBIN_V1_V2), ...manifests(FORTIO)];

  it('fortio with 3 connections against 1 connection + 1 pending: about a third answered 503 UO by fortio’s sidecar', async () => {
    const { samples } = await run({ objects: objects(), rules: DR, seconds: 60 });
    const overflow = requests(samples, {
      reporter: 'source',
      source_workload: 'fortio-deploy',
      destination_service: HTTPBIN,
      response_code: '503',
      response_flags: 'UO',
    });
    const served = requests(samples, {
      reporter: 'destination',
      source_workload: 'fortio-deploy',
      response_code: '200',
    });
    expect(overflow).toBeGreaterThan(0);
    // The task shows 36.7% of 30 requests; one of three in flight does not fit.
    expect(overflow / (overflow + served)).toBeGreaterThan(0.33 - 0.06);
    expect(overflow / (overflow + served)).toBeLessThan(0.33 + 0.06);
  });

  it('outlier detection ejects a failing endpoint for baseEjectionTime: the healthy one takes the traffic', async () => {
    const fails = (_ns: string, app: string, version: string) =>
      app === 'httpbin' && version === 'v1' ? { errorRate: 0.95 } : undefined;
    const { s } = await run({ objects: objects(), rules: DR, seconds: 60, characters: fails });
    const split = await new EmbeddedTelemetry(s.store).split(HTTPBIN, {
      rangeSeconds: 30,
      stepSeconds: 1,
      rateSeconds: 30,
    });
    const byVersion = new Map(split.map((x) => [x.version, x.requests]));
    // Ejected within the first seconds for 3 minutes: the last 30 s went to v2 only.
    expect(byVersion.get('v2') ?? 0).toBeGreaterThan(0);
    expect(byVersion.get('v1') ?? 0).toBe(0);
  });

  it('with every endpoint ejected, the caller’s sidecar answers 503 UH', async () => {
    const fails = (_ns: string, app: string) => (app === 'httpbin' ? { errorRate: 0.95 } : undefined);
    const { samples } = await run({ objects: objects(), rules: DR, seconds: 60, characters: fails });
    const noHealthy = requests(samples, {
      reporter: 'source',
      source_workload: 'fortio-deploy',
      destination_service: HTTPBIN,
      response_code: '503',
      response_flags: 'UH',
    });
    const reached = requests(samples, { reporter: 'destination', destination_service: HTTPBIN });
    expect(noHealthy).toBeGreaterThan(reached);
  });
});

describe('what the caller’s sidecar answers when the destination cannot be reached', () => {
  it('a subset no DestinationRule defines: 503 NC, nothing reaches reviews', async () => {
    // virtual-service-all-v1 applied before destination-rule-all (the tasks warn about it).
    const { samples } = await run({
      rules: [...GATEWAY(), ...networking('virtual-service-all-v1.yaml')],
      seconds: 60,
    });
    const nc = requests(samples, {
      reporter: 'source',
      source_workload: 'productpage-v1',
      destination_service: REVIEWS,
      response_code: '503',
      response_flags: 'NC',
    });
    expect(nc).toBeGreaterThan(0);
    expect(requests(samples, { reporter: 'destination', destination_service: REVIEWS })).toBe(0);
  });

  it('a subset without a ready endpoint: 503 UH', async () => {
    const { samples } = await run({
      rules: [...GATEWAY(), ...networking('destination-rule-all.yaml', 'virtual-service-all-v1.yaml')],
      seconds: 60,
      notReady: (labels) => labels.app === 'reviews' && labels.version === 'v1',
    });
    const uh = requests(samples, {
      reporter: 'source',
      destination_service: REVIEWS,
      response_code: '503',
      response_flags: 'UH',
    });
    expect(uh).toBeGreaterThan(0);
    expect(requests(samples, { reporter: 'destination', destination_service: REVIEWS })).toBe(0);
  });
});

describe('retries', () => {
  it('a per-try timeout retries slow attempts: each attempt counted at the destination, the caller gets the last one', async () => {
    // HTTPRetry (istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry) with a
    // per-try timeout near ratings' median latency, so many attempts are cut short.
    const inline = manifests(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: { host: ratings, subset: v1 }
    retries:
      attempts: 3
      perTryTimeout: 20ms
      retryOn: 5xx
`);
    const { samples } = await run({
      rules: [...GATEWAY(), ...networking('destination-rule-all.yaml'), ...inline],
      seconds: 120,
    });
    const attempts = requests(samples, { reporter: 'destination', destination_service: RATINGS });
    const outcomes = requests(samples, { reporter: 'source', destination_service: RATINGS });
    expect(outcomes).toBeGreaterThan(0);
    expect(attempts).toBeGreaterThan(outcomes);
    expect(attempts).toBeLessThanOrEqual(4 * outcomes);
    // What still timed out on the last attempt is 504 UT from the caller's sidecar.
    expect(
      requests(samples, {
        reporter: 'source',
        destination_service: RATINGS,
        response_code: '504',
        response_flags: 'UT',
      }),
    ).toBeGreaterThan(0);
  });
});

describe('Istio tasks on the demo mesh: TCP traffic shifting', () => {
  // The task's DestinationRule and weighted TCP route (tcp-echo-20-v2.yaml), bound to the mesh:
  // `sleep` opens connections to tcp-echo:9000 itself.
  const rules = (v1: number, v2: number) =>
    manifests(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: tcp-echo-destination }
spec:
  host: tcp-echo
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: tcp-echo }
spec:
  hosts: [tcp-echo]
  tcp:
  - match:
    - port: 9000
    route:
    - destination: { host: tcp-echo, port: { number: 9000 }, subset: v1 }
      weight: ${v1}
    - destination: { host: tcp-echo, port: { number: 9000 }, subset: v2 }
      weight: ${v2}
`);
  const objects = () => [...manifests(TCP_ECHO), ...manifests(SLEEP)];

  it('connections follow the TCP route’s weights, counted by istio_tcp_* metrics (no requests)', async () => {
    const opened = (samples: Awaited<ReturnType<typeof run>>['samples'], version: string) =>
      sum(samples, TCP_METRICS.opened, {
        reporter: 'destination',
        source_workload: 'sleep',
        destination_service: host('tcp-echo'),
        destination_version: version,
        request_protocol: 'tcp',
      });
    const all = await run({ objects: objects(), rules: rules(100, 0), seconds: 120 });
    expect(opened(all.samples, 'v1')).toBeGreaterThan(0);
    expect(opened(all.samples, 'v2')).toBe(0);
    expect(requests(all.samples, { destination_service: host('tcp-echo') })).toBe(0);
    expect(sum(all.samples, TCP_METRICS.sent, { destination_version: 'v1' })).toBeGreaterThan(0);

    const shifted = await run({ objects: objects(), rules: rules(80, 20), seconds: 1200 });
    const v1 = opened(shifted.samples, 'v1');
    const v2 = opened(shifted.samples, 'v2');
    expect(v2 / (v1 + v2)).toBeGreaterThan(0.2 - 0.07);
    expect(v2 / (v1 + v2)).toBeLessThan(0.2 + 0.07);
  });
});

describe('Istio tasks on the demo mesh: TCP traffic shifting through the ingress gateway', () => {
  // The task as written (tcp-echo-all-v1.yaml, then tcp-echo-20-v2.yaml): connections from outside
  // to the gateway's TCP port 31400, routed there by a gateway-bound VirtualService.
  const rules = (v1: number, v2: number) =>
    manifests(`
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: tcp-echo-gateway }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 31400, name: tcp, protocol: TCP }
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: tcp-echo-destination }
spec:
  host: tcp-echo
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: tcp-echo }
spec:
  hosts: ["*"]
  gateways: [tcp-echo-gateway]
  tcp:
  - match:
    - port: 31400
    route:
    - destination: { host: tcp-echo, port: { number: 9000 }, subset: v1 }
      weight: ${v1}
    - destination: { host: tcp-echo, port: { number: 9000 }, subset: v2 }
      weight: ${v2}
`);

  it('no Gateway, no connections from outside; then 100% v1, then 80/20', async () => {
    const opened = (samples: Awaited<ReturnType<typeof run>>['samples'], version?: string) =>
      sum(samples, TCP_METRICS.opened, {
        reporter: 'destination',
        source_workload: 'istio-ingressgateway',
        destination_service: host('tcp-echo'),
        ...(version ? { destination_version: version } : {}),
      });
    const closed = await run({ objects: manifests(TCP_ECHO), rules: [], seconds: 60 });
    expect(opened(closed.samples)).toBe(0);
    const all = await run({ objects: manifests(TCP_ECHO), rules: rules(100, 0), seconds: 60 });
    expect(opened(all.samples, 'v1')).toBeGreaterThan(0);
    expect(opened(all.samples, 'v2')).toBe(0);
    const shifted = await run({ objects: manifests(TCP_ECHO), rules: rules(80, 20), seconds: 600 });
    const v1 = opened(shifted.samples, 'v1');
    const v2 = opened(shifted.samples, 'v2');
    expect(v2 / (v1 + v2)).toBeGreaterThan(0.2 - 0.07);
    expect(v2 / (v1 + v2)).toBeLessThan(0.2 + 0.07);
  });
});

describe('retries on 5xx', () => {
  it('retries each failed attempt up to `attempts`; what fails every time is the caller’s 500 with URX', async () => {
    const inline = manifests(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: httpbin }
spec:
  hosts: [httpbin]
  http:
  - route:
    - destination: { host: httpbin }
    retries:
      attempts: 2
      retryOn: 5xx
`);
    // httpbin answers 95% of its requests with 500, each attempt on its own (the simulator's cap on
    // an error rate, whatever its drift).
    const failing = (_ns: string, app: string) => (app === 'httpbin' ? { errorRate: 10 } : undefined);
    const { samples } = await run({
      objects: [...manifests(HTTPBIN_V1_V2), ...manifests(FORTIO)],
      rules: inline,
      seconds: 120,
      characters: failing,
    });
    const caller = { reporter: 'source', source_workload: 'fortio-deploy', destination_service: HTTPBIN };
    const outcomes = requests(samples, caller);
    const exhausted = requests(samples, { ...caller, response_code: '500', response_flags: 'URX' });
    const attempts = requests(samples, { reporter: 'destination', destination_service: HTTPBIN });
    // All three attempts fail with 0.95³; a request takes 1 + 0.95 + 0.95² attempts on average.
    const p = 0.95;
    expect(exhausted / outcomes).toBeGreaterThan(p ** 3 - 0.04);
    expect(exhausted / outcomes).toBeLessThan(p ** 3 + 0.04);
    expect(attempts / outcomes).toBeGreaterThan(1 + p + p ** 2 - 0.1);
    expect(attempts / outcomes).toBeLessThan(1 + p + p ** 2 + 0.1);
    expect(requests(samples, { ...caller, response_code: '500', response_flags: '-' })).toBe(0);
  });
});

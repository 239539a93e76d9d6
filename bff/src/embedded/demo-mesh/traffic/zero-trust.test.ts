import { describe, expect, it } from 'vitest';
import { ISTIO_METRICS } from '../../../features/monitoring/istio-metrics';
import { DEMO_APPS } from '../mesh';
import type { RawObject } from './istio/types';
import { EmbeddedTelemetry } from './telemetry-source';
import { HTTPBIN_V1_V2, manifests, SLEEP, userCatalog } from './user-mesh.test-support';
import { demoCatalog, demoRuleSnapshot, parseExposition, simulation } from './testing';
import type { ExportedSample } from './testing';

/*
 * The demo's traffic under zero-trust rules, as Istio's proxies would enforce them: an
 * AuthorizationPolicy's refusals are 403s from the destination's sidecar, a plaintext caller of a
 * STRICT port is reset (its proxy answers 503 UC), dry-run policies change nothing, and every series
 * says how the destination received the connection.
 */

const DETAILS = 'details.bookinfo.svc.cluster.local';
const CART = 'cart.shop.svc.cluster.local';
const PRODUCTPAGE = 'cluster.local/ns/bookinfo/sa/productpage';
const FINE = [{ slotMs: 1000, slots: 600 }];

let created = 0;
function object(
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
  spec: unknown,
  annotations?: Record<string, string>,
): RawObject {
  created++;
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace,
      creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, created)).toISOString(),
      ...(annotations ? { annotations } : {}),
    },
    spec,
  } as RawObject;
}

const policy = (namespace: string, name: string, spec: unknown, annotations?: Record<string, string>) =>
  object('security.istio.io/v1', 'AuthorizationPolicy', namespace, name, spec, annotations);

/** DENY everything productpage's service account sends to details. */
const denyProductpage = (annotations?: Record<string, string>) =>
  policy(
    'bookinfo',
    'deny-productpage',
    {
      selector: { matchLabels: { app: 'details' } },
      action: 'DENY',
      rules: [{ from: [{ source: { principals: [PRODUCTPAGE] } }] }],
    },
    annotations,
  );

type Sim = ReturnType<typeof simulation>;

/** The demo's applications of one namespace only (the rest of the catalog gets no traffic): fast ticks. */
const sim = (namespace: string) =>
  simulation({
    exporter: true,
    tiers: FINE,
    catalog: CATALOG,
    apps: DEMO_APPS.filter((a) => a.namespace === namespace),
  });

/** The demo's catalog, built once (it is read-only). */
const CATALOG = demoCatalog();

async function scrape(s: Sim): Promise<ExportedSample[]> {
  return parseExposition((await s.exporter?.metrics())?.body ?? '');
}

/** Istio's request counter summed over the series matching `labels`, between two scrapes. */
function delta(before: ExportedSample[], after: ExportedSample[], labels: Record<string, string>): number {
  const sum = (samples: ExportedSample[]) =>
    samples
      .filter(
        (x) =>
          x.name === ISTIO_METRICS.requests && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
      )
      .reduce((n, x) => n + x.value, 0);
  return sum(after) - sum(before);
}

/** Advances `seconds` and returns what was counted meanwhile for `labels`, by response code. */
async function over(s: Sim, seconds: number, labels: Record<string, string>) {
  // A series is scraped once at zero before it counts: the first tick declares the demo's series.
  s.advance(1);
  const before = await scrape(s);
  s.advance(seconds);
  const after = await scrape(s);
  const total = delta(before, after, labels);
  return { total, code: (code: string) => delta(before, after, { ...labels, response_code: code }), after };
}

/** What the store (the console's telemetry without a Prometheus) holds of one caller of a service over the last `seconds`. */
async function consumer(s: Sim, serviceId: string, workload: string, seconds: number) {
  const telemetry = new EmbeddedTelemetry(s.store);
  const consumers = await telemetry.consumers(serviceId, {
    rangeSeconds: seconds,
    stepSeconds: 1,
    rateSeconds: seconds,
  });
  return consumers.find((x) => x.workload === workload);
}

/** The share of a caller's requests to a service that the store counts as errors. */
async function storeErrorShare(s: Sim, serviceId: string, workload: string, seconds: number) {
  const c = await consumer(s, serviceId, workload, seconds);
  return c && c.requests > 0 ? c.errors / c.requests : null;
}

const fromProductpage = {
  reporter: 'destination',
  destination_app: 'details',
  source_workload: 'productpage-v1',
};

describe('the demo mesh under zero-trust rules', () => {
  it('starts PERMISSIVE with everything allowed: sidecar to sidecar is mutual TLS with SPIFFE principals', async () => {
    const s = sim('bookinfo');
    const seen = await over(s, 10, fromProductpage);
    expect(seen.total).toBeGreaterThan(20);
    expect(seen.code('200') + seen.code('500')).toBe(seen.total);
    const series = seen.after.filter(
      (x) =>
        x.name === ISTIO_METRICS.requests &&
        x.labels.reporter === 'destination' &&
        x.labels.destination_app === 'details' &&
        x.labels.source_workload === 'productpage-v1',
    );
    expect(series.length).toBeGreaterThan(0);
    for (const x of series) {
      expect(x.labels.connection_security_policy).toBe('mutual_tls');
      expect(x.labels.source_principal).toBe(`spiffe://${PRODUCTPAGE}`);
      expect(x.labels.destination_principal).toBe('spiffe://cluster.local/ns/bookinfo/sa/details');
    }
    // What a caller's proxy reports never knows the connection's security policy.
    const bySource = seen.after.filter(
      (x) => x.name === ISTIO_METRICS.requests && x.labels.reporter === 'source',
    );
    for (const x of bySource) expect(x.labels.connection_security_policy).toBe('unknown');
  });

  it('a DENY policy on details refuses productpage’s requests with 403s within a few ticks; deleting it restores them', async () => {
    const s = sim('bookinfo');
    s.advance(5);
    s.rules.set({ authorizationPolicies: [denyProductpage()] });
    s.advance(2);
    const denied = await over(s, 10, fromProductpage);
    expect(denied.total).toBeGreaterThan(20);
    // Answered by details' sidecar: reporter destination, 403, no response flag (Envoy's RBAC filter sets none).
    expect(denied.code('403') / denied.total).toBeGreaterThan(0.99);
    expect(
      delta([], denied.after, { ...fromProductpage, response_code: '403', response_flags: '-' }),
    ).toBeGreaterThan(0);
    expect(await storeErrorShare(s, DETAILS, 'productpage-v1', 10)).toBeGreaterThan(0.99);
    // The refusals came over mutual TLS, from productpage's identity.
    const seenByStore = await consumer(s, DETAILS, 'productpage-v1', 10);
    expect(seenByStore?.principal).toBe(PRODUCTPAGE);
    expect(seenByStore?.mtls).toBeCloseTo(seenByStore?.requests ?? -1, 6);
    // Other callers of other services are untouched.
    const reviews = await over(s, 5, { reporter: 'destination', destination_app: 'reviews' });
    expect(reviews.code('403')).toBe(0);

    s.rules.set({ authorizationPolicies: [] });
    s.advance(2);
    const restored = await over(s, 10, fromProductpage);
    expect(restored.total).toBeGreaterThan(10);
    expect(restored.code('403')).toBe(0);
    expect(restored.code('200') / restored.total).toBeGreaterThan(0.8);
  });

  it('a dry-run DENY policy is not enforced', async () => {
    const s = sim('bookinfo');
    s.rules.set({ authorizationPolicies: [denyProductpage({ 'istio.io/dry-run': 'true' })] });
    const seen = await over(s, 10, fromProductpage);
    expect(seen.total).toBeGreaterThan(20);
    expect(seen.code('403')).toBe(0);
  });

  it('an ALLOW policy admits only the principals it names', async () => {
    const s = sim('bookinfo');
    s.rules.set({
      authorizationPolicies: [
        policy('bookinfo', 'only-reviews', {
          selector: { matchLabels: { app: 'details' } },
          action: 'ALLOW',
          rules: [{ from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/reviews'] } }] }],
        }),
      ],
    });
    const seen = await over(s, 10, fromProductpage);
    expect(seen.code('403') / seen.total).toBeGreaterThan(0.99);
  });

  it('STRICT on cart refuses a plaintext caller (its proxy reports 503 UC) while sidecar callers go on over mutual TLS', async () => {
    const s = sim('shop');
    // frontend's sidecar sends plaintext to cart (a DestinationRule of its own, tls DISABLE).
    const plaintext = object('networking.istio.io/v1', 'DestinationRule', 'shop', 'cart-plaintext', {
      host: CART,
      workloadSelector: { matchLabels: { app: 'frontend' } },
      trafficPolicy: { tls: { mode: 'DISABLE' } },
    });
    s.rules.set({ destinationRules: [plaintext] });
    s.advance(2);
    const fromFrontend = { destination_app: 'cart', source_workload: 'frontend-v1' };
    const fromCheckout = { destination_app: 'cart', source_workload: 'checkout-v1', reporter: 'destination' };
    // PERMISSIVE: both served; frontend's requests arrive in plaintext.
    const permissive = await over(s, 10, { ...fromFrontend, reporter: 'destination' });
    expect(permissive.total).toBeGreaterThan(10);
    const series = permissive.after.filter(
      (x) =>
        x.name === ISTIO_METRICS.requests &&
        x.labels.destination_app === 'cart' &&
        x.labels.reporter === 'destination' &&
        x.value > 0,
    );
    const policyOf = (w: string) =>
      new Set(
        series.filter((x) => x.labels.source_workload === w).map((x) => x.labels.connection_security_policy),
      );
    expect(policyOf('frontend-v1')).toEqual(new Set(['none']));
    expect(policyOf('checkout-v1')).toEqual(new Set(['mutual_tls']));
    expect(series.find((x) => x.labels.source_workload === 'frontend-v1')?.labels.source_principal).toBe(
      'unknown',
    );

    s.rules.set({
      peerAuthentications: [
        object('security.istio.io/v1', 'PeerAuthentication', 'shop', 'cart-strict', {
          selector: { matchLabels: { app: 'cart' } },
          mtls: { mode: 'STRICT' },
        }),
      ],
    });
    s.advance(2);
    const before = await scrape(s);
    s.advance(10);
    const after = await scrape(s);
    // Nothing of frontend's reaches cart's sidecar; frontend's sidecar sees the connection reset.
    expect(delta(before, after, { ...fromFrontend, reporter: 'destination' })).toBe(0);
    // The caller's proxy knows the service, not which workload reset the connection.
    const reset = delta(before, after, {
      source_workload: 'frontend-v1',
      destination_service: CART,
      destination_workload: 'unknown',
      reporter: 'source',
      response_code: '503',
      response_flags: 'UC',
    });
    expect(reset).toBeGreaterThan(10);
    expect(await storeErrorShare(s, CART, 'frontend-v1', 10)).toBeGreaterThan(0.99);
    // The store: frontend sent no identity and nothing over mutual TLS; checkout's arrive over it.
    const frontend = await consumer(s, CART, 'frontend-v1', 10);
    expect(frontend?.principal).toBeNull();
    expect(frontend?.mtls).toBe(0);
    const checkoutSeen = await consumer(s, CART, 'checkout-v1', 10);
    expect(checkoutSeen?.principal).toBe('cluster.local/ns/shop/sa/checkout');
    expect(checkoutSeen?.mtls).toBeGreaterThan(0);
    // checkout's sidecar sends Istio mTLS: served as before.
    const checkout = delta(before, after, fromCheckout);
    expect(checkout).toBeGreaterThan(5);
    expect(delta(before, after, { ...fromCheckout, connection_security_policy: 'mutual_tls' })).toBe(
      checkout,
    );
  });

  it('the seed’s identities: each application runs as its own service account', () => {
    const snapshot = demoRuleSnapshot();
    const pods = (snapshot.pods ?? []).filter((p) => p.metadata.namespace === 'bookinfo');
    expect(pods.length).toBeGreaterThan(0);
    for (const p of pods)
      expect((p.spec as { serviceAccountName?: string }).serviceAccountName).toBe(p.metadata.labels?.app);
  });
});

describe('zero trust in the demo’s ambient corner (namespace shop)', () => {
  it('a waypoint enforces a policy that targets catalog’s Service: 403s it reports itself', async () => {
    const s = sim('shop');
    s.rules.set({
      authorizationPolicies: [
        policy('shop', 'catalog-no-storefront', {
          targetRefs: [{ kind: 'Service', group: '', name: 'catalog' }],
          action: 'DENY',
          rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/storefront'] } }] }],
        }),
      ],
    });
    const seen = await over(s, 10, { reporter: 'waypoint', source_workload: 'storefront-v1' });
    expect(seen.total).toBeGreaterThan(10);
    expect(seen.code('403') / seen.total).toBeGreaterThan(0.99);
    // The same policy with a selector instead would be ztunnel's, which sees the waypoint, not storefront.
  });

  it('ztunnel fails safe: an ALLOW policy with an HTTP method refuses every connection to payments', async () => {
    const s = sim('shop');
    const connections = (samples: ExportedSample[]) =>
      samples
        .filter(
          (x) =>
            x.name === 'istio_tcp_connections_opened_total' &&
            x.labels.destination_app === 'payments' &&
            x.labels.source_workload === 'storefront-v1',
        )
        .reduce((n, x) => n + x.value, 0);
    s.advance(3);
    const t0 = await scrape(s);
    s.advance(10);
    const t1 = await scrape(s);
    expect(connections(t1) - connections(t0)).toBeGreaterThan(5);
    // Over HBONE: mutual TLS, with storefront's identity.
    const l4 = t1.find(
      (x) =>
        x.name === 'istio_tcp_connections_opened_total' &&
        x.labels.destination_app === 'payments' &&
        x.labels.source_workload === 'storefront-v1',
    );
    expect(l4?.labels.connection_security_policy).toBe('mutual_tls');
    expect(l4?.labels.source_principal).toBe('spiffe://cluster.local/ns/shop/sa/storefront');

    const allowGets = (methods: string[] | undefined) =>
      policy('shop', 'payments-gets', {
        selector: { matchLabels: { app: 'payments' } },
        action: 'ALLOW',
        rules: [
          {
            from: [{ source: { principals: ['cluster.local/ns/shop/sa/storefront'] } }],
            ...(methods ? { to: [{ operation: { methods } }] } : {}),
          },
        ],
      });
    s.rules.set({ authorizationPolicies: [allowGets(['GET', 'POST'])] });
    s.advance(2);
    const t2 = await scrape(s);
    s.advance(10);
    const t3 = await scrape(s);
    expect(connections(t3) - connections(t2)).toBe(0);
    // Without the method, an L4 rule ztunnel enforces as written: storefront is allowed again.
    s.rules.set({ authorizationPolicies: [allowGets(undefined)] });
    s.advance(2);
    const t4 = await scrape(s);
    s.advance(10);
    const t5 = await scrape(s);
    expect(connections(t5) - connections(t4)).toBeGreaterThan(5);
  });
});

describe('Istio’s mutual TLS migration task on a user’s mesh', () => {
  // sleep and httpbin in foo (sidecars); in legacy, a sleep without a sidecar calling an httpbin with one.
  const LEGACY_SLEEP = SLEEP.replace(
    'labels: { app: sleep }\n',
    'labels: { app: sleep, sidecar.istio.io/inject: "false" }\n',
  );
  const objects = () => [
    ...manifests(HTTPBIN_V1_V2, 'foo'),
    ...manifests(SLEEP, 'foo'),
    ...manifests(HTTPBIN_V1_V2, 'legacy'),
    ...manifests(LEGACY_SLEEP, 'legacy'),
  ];
  const fromSleep = (namespace: string) => ({
    source_workload: 'sleep',
    source_workload_namespace: namespace,
    destination_service: `httpbin.${namespace}.svc.cluster.local`,
  });

  it('a mesh-wide STRICT policy cuts off the sleep without a sidecar; the one with a sidecar goes on', async () => {
    const s = simulation({ apps: [], catalog: userCatalog(objects()), exporter: true, tiers: FINE });
    expect(LEGACY_SLEEP).not.toBe(SLEEP);
    // PERMISSIVE: both reach httpbin; the legacy one in plaintext, without an identity.
    const permissive = await over(s, 60, { ...fromSleep('legacy'), reporter: 'destination' });
    expect(permissive.total).toBeGreaterThan(10);
    const legacy = permissive.after.find(
      (x) =>
        x.name === ISTIO_METRICS.requests &&
        x.labels.source_workload_namespace === 'legacy' &&
        x.labels.reporter === 'destination' &&
        x.value > 0,
    );
    expect(legacy?.labels).toMatchObject({ connection_security_policy: 'none', source_principal: 'unknown' });

    s.rules.set({
      peerAuthentications: [
        object('security.istio.io/v1', 'PeerAuthentication', 'istio-system', 'default', {
          mtls: { mode: 'STRICT' },
        }),
      ],
    });
    s.advance(2);
    const before = await scrape(s);
    s.advance(60);
    const after = await scrape(s);
    // The legacy sleep has no proxy to report the reset, and httpbin's sidecar never sees a request.
    expect(delta(before, after, fromSleep('legacy'))).toBe(0);
    expect(await storeErrorShare(s, 'httpbin.legacy.svc.cluster.local', 'sleep', 60)).toBe(1);
    const foo = delta(before, after, { ...fromSleep('foo'), reporter: 'destination' });
    expect(foo).toBeGreaterThan(10);
    expect(
      delta(before, after, {
        ...fromSleep('foo'),
        reporter: 'destination',
        connection_security_policy: 'mutual_tls',
      }),
    ).toBe(foo);
  });
});

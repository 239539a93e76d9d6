import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide';
import {
  bookinfoServices,
  config,
  ingressRequest,
  meshRequest,
  sample,
  service,
} from './fixtures.test-support';
import type { RouteDecision, WeightedDestination } from './types';

/**
 * Istio's Bookinfo networking samples, unchanged, and the outcomes Istio's traffic-management tasks
 * document for them (istio.io/latest/docs/tasks/traffic-management/: request-routing,
 * traffic-shifting, fault-injection, ingress).
 */

type Route = Extract<RouteDecision, { kind: 'route' }>;

function route(d: RouteDecision): Route {
  if (d.kind !== 'route') throw new Error(`expected a route, got ${d.kind}`);
  return d;
}

/** subset (or `*` for the whole service) → share, and the versions of the endpoints it reaches. */
const split = (d: RouteDecision) =>
  Object.fromEntries(route(d).destinations.map((x) => [`${x.host}|${x.subset ?? '*'}`, x.share]));
const versions = (x: WeightedDestination | undefined) => x?.endpoints.map((e) => e.labels.version).sort();

const REVIEWS = 'reviews.default.svc.cluster.local';
const RATINGS = 'ratings.default.svc.cluster.local';
const DETAILS = 'details.default.svc.cluster.local';
const PRODUCTPAGE = 'productpage.default.svc.cluster.local';
const jason = { 'end-user': 'jason' };
const fromReviews = { sourceLabels: { app: 'reviews', version: 'v2' } };

describe('Bookinfo without rules', () => {
  it('routes each service to all its endpoints with Istio’s default retries and no timeout', () => {
    const d = route(decideRoute(config([]), meshRequest('reviews')));
    expect(d.rule).toBeUndefined();
    expect(split(d)).toEqual({ [`${REVIEWS}|*`]: 1 });
    expect(versions(d.destinations[0])).toEqual(['v1', 'v2', 'v3']);
    expect(d.retries).toEqual({
      attempts: 2,
      retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
    });
    expect(d.timeoutMs).toBeUndefined();
    expect(d.fault).toBeUndefined();
  });
});

describe('request routing task', () => {
  const allV1 = config([...sample('virtual-service-all-v1.yaml'), ...sample('destination-rule-all.yaml')]);

  it.each([
    ['productpage', PRODUCTPAGE],
    ['reviews', REVIEWS],
    ['ratings', RATINGS],
    ['details', DETAILS],
  ])('virtual-service-all-v1 sends all of %s to v1', (host, fqdn) => {
    const d = route(decideRoute(allV1, meshRequest(host, { headers: jason })));
    expect(split(d)).toEqual({ [`${fqdn}|v1`]: 1 });
    expect(versions(d.destinations[0])).toEqual(['v1']);
    expect(d.rule).toEqual({ namespace: 'default', name: host, kind: 'VirtualService' });
  });

  it('without destination-rule-all the subsets are undefined: Envoy answers 503 NC', () => {
    const d = route(decideRoute(config(sample('virtual-service-all-v1.yaml')), meshRequest('reviews')));
    expect(d.destinations[0]).toMatchObject({ subset: 'v1', undefinedSubset: true, endpoints: [] });
  });

  it('reviews-test-v2 sends jason to v2 and everyone else to v1', () => {
    const c = config([
      ...sample('virtual-service-all-v1.yaml'),
      ...sample('destination-rule-all.yaml'),
      ...sample('virtual-service-reviews-test-v2.yaml'),
    ]);
    // The task applies the file over virtual-service-all-v1's reviews (same name): the newer object
    // replaces the older one in the API server. Here both exist, and the older one wins…
    expect(split(decideRoute(c, meshRequest('reviews', { headers: jason })))).toEqual({
      [`${REVIEWS}|v1`]: 1,
    });
    // …so apply it as kubectl would: one object per name.
    const replaced = config([
      ...sample('virtual-service-all-v1.yaml').filter((o) => o.metadata.name !== 'reviews'),
      ...sample('destination-rule-all.yaml'),
      ...sample('virtual-service-reviews-test-v2.yaml'),
    ]);
    expect(split(decideRoute(replaced, meshRequest('reviews', { headers: jason })))).toEqual({
      [`${REVIEWS}|v2`]: 1,
    });
    expect(split(decideRoute(replaced, meshRequest('reviews', { headers: { 'end-user': 'mary' } })))).toEqual(
      {
        [`${REVIEWS}|v1`]: 1,
      },
    );
    expect(split(decideRoute(replaced, meshRequest('reviews')))).toEqual({ [`${REVIEWS}|v1`]: 1 });
    // Header values match exactly, case included.
    expect(
      split(decideRoute(replaced, meshRequest('reviews', { headers: { 'end-user': 'Jason' } }))),
    ).toEqual({
      [`${REVIEWS}|v1`]: 1,
    });
  });

  it('reviews-jason-v2-v3 sends jason to v2 and everyone else to v3', () => {
    const c = config([
      ...sample('virtual-service-reviews-jason-v2-v3.yaml'),
      ...sample('destination-rule-all.yaml'),
    ]);
    expect(split(decideRoute(c, meshRequest('reviews', { headers: jason })))).toEqual({
      [`${REVIEWS}|v2`]: 1,
    });
    expect(split(decideRoute(c, meshRequest('reviews')))).toEqual({ [`${REVIEWS}|v3`]: 1 });
  });
});

describe('traffic shifting task', () => {
  it.each([
    ['virtual-service-reviews-50-v3.yaml', { v1: 0.5, v3: 0.5 }],
    ['virtual-service-reviews-80-20.yaml', { v1: 0.8, v2: 0.2 }],
    ['virtual-service-reviews-90-10.yaml', { v1: 0.9, v2: 0.1 }],
    ['virtual-service-reviews-v2-v3.yaml', { v2: 0.5, v3: 0.5 }],
    ['virtual-service-reviews-v3.yaml', { v3: 1 }],
  ])('%s splits reviews %o', (file, expected) => {
    const d = route(
      decideRoute(config([...sample(file), ...sample('destination-rule-all.yaml')]), meshRequest('reviews')),
    );
    expect(split(d)).toEqual(
      Object.fromEntries(Object.entries(expected).map(([v, s]) => [`${REVIEWS}|${v}`, s])),
    );
    for (const x of d.destinations) expect(versions(x)).toEqual([x.subset]);
  });
});

describe('fault injection task', () => {
  const withRules = (file: string) =>
    config([
      ...sample('virtual-service-all-v1.yaml').filter((o) => o.metadata.name !== 'ratings'),
      ...sample('destination-rule-all.yaml'),
      ...sample(file),
    ]);

  it('ratings-test-delay delays jason’s calls by 7 s, every time, and nobody else’s', () => {
    const c = withRules('virtual-service-ratings-test-delay.yaml');
    const j = route(decideRoute(c, meshRequest('ratings', { ...fromReviews, headers: jason })));
    expect(j.fault).toEqual({ delay: { fixedDelayMs: 7000, percent: 100 } });
    expect(split(j)).toEqual({ [`${RATINGS}|v1`]: 1 });
    const other = route(decideRoute(c, meshRequest('ratings', fromReviews)));
    expect(other.fault).toBeUndefined();
    expect(split(other)).toEqual({ [`${RATINGS}|v1`]: 1 });
  });

  it('ratings-test-abort answers jason’s calls with 500, every time, and nobody else’s', () => {
    const c = withRules('virtual-service-ratings-test-abort.yaml');
    expect(route(decideRoute(c, meshRequest('ratings', { ...fromReviews, headers: jason }))).fault).toEqual({
      abort: { httpStatus: 500, percent: 100 },
    });
    expect(route(decideRoute(c, meshRequest('ratings', fromReviews))).fault).toBeUndefined();
  });

  it('fault-injection-details-v1 aborts every call to details with 555 (its first route has no match)', () => {
    const c = config(sample('fault-injection-details-v1.yaml'));
    const d = route(decideRoute(c, meshRequest('details', { headers: jason })));
    expect(d.fault).toEqual({ abort: { httpStatus: 555, percent: 100 } });
    expect(versions(d.destinations[0])).toEqual(['v1']);
  });
});

describe('other Bookinfo samples', () => {
  const ratingsV2 = [
    ...bookinfoServices().filter((s) => s.name !== 'ratings'),
    service('ratings', 'default', ['v1', 'v2', 'v2-mysql', 'v2-mysql-vm']),
  ];

  it.each([
    ['virtual-service-ratings-db.yaml', 'v2'],
    ['virtual-service-ratings-mysql.yaml', 'v2-mysql'],
    ['virtual-service-ratings-mysql-vm.yaml', 'v2-mysql-vm'],
  ])('%s sends reviews to v3 and ratings to %s', (file, ratings) => {
    const c = config([...sample(file), ...sample('destination-rule-all.yaml')], ratingsV2);
    expect(split(decideRoute(c, meshRequest('reviews')))).toEqual({ [`${REVIEWS}|v3`]: 1 });
    const d = route(decideRoute(c, meshRequest('ratings', fromReviews)));
    expect(split(d)).toEqual({ [`${RATINGS}|${ratings}`]: 1 });
    expect(versions(d.destinations[0])).toEqual([ratings]);
  });

  it('virtual-service-details-v2 selects a defined subset with no pods yet: no endpoints, but not undefined', () => {
    const c = config([...sample('virtual-service-details-v2.yaml'), ...sample('destination-rule-all.yaml')]);
    const d = route(decideRoute(c, meshRequest('details')));
    expect(d.destinations[0]).toMatchObject({ subset: 'v2', endpoints: [] });
    expect(d.destinations[0]?.undefinedSubset).toBeUndefined();
  });

  it.each(['destination-rule-all-mtls.yaml', 'destination-rule-reviews.yaml'])(
    '%s defines the reviews subsets too',
    (file) => {
      const c = config([...sample('virtual-service-reviews-v3.yaml'), ...sample(file)]);
      expect(versions(route(decideRoute(c, meshRequest('reviews'))).destinations[0])).toEqual(['v3']);
    },
  );

  it('egress-rule-google-apis rewrites port 80 calls to 443, with the DR’s port-level policy', () => {
    const googleapis = {
      host: 'www.googleapis.com',
      namespace: 'default',
      name: 'googleapis',
      ports: [
        { port: 80, name: 'http', protocol: 'http' as const },
        { port: 443, name: 'https', protocol: 'tcp' as const },
      ],
      endpoints: [],
    };
    const c = config(sample('egress-rule-google-apis.yaml'), [...bookinfoServices(), googleapis]);
    const d = route(decideRoute(c, meshRequest('www.googleapis.com', { port: 80 })));
    expect(d.rule?.name).toBe('rewrite-port-for-googleapis');
    expect(d.destinations[0]).toMatchObject({ host: 'www.googleapis.com', port: 443, service: googleapis });
  });
});

describe('ingress: bookinfo-gateway', () => {
  const c = config([...sample('bookinfo-gateway.yaml'), ...sample('destination-rule-all.yaml')]);

  it.each(['/productpage', '/static/css/style.css', '/login', '/logout', '/api/v1/products/0'])(
    'routes %s at the ingress gateway to productpage:9080',
    (path) => {
      const d = route(decideRoute(c, ingressRequest('192.0.2.10', path)));
      expect(d.rule).toEqual({ namespace: 'default', name: 'bookinfo', kind: 'VirtualService' });
      expect(d.destinations).toHaveLength(1);
      expect(d.destinations[0]).toMatchObject({ host: PRODUCTPAGE, port: 9080, share: 1 });
      expect(versions(d.destinations[0])).toEqual(['v1']);
    },
  );

  it.each(['/unknown', '/productpage/extra', '/loginx', '/Productpage'])('answers %s with 404 NR', (path) => {
    expect(decideRoute(c, ingressRequest('bookinfo.example.com', path)).kind).toBe('not-found');
  });

  it('has no server on another port, and selects only gateways labelled istio=ingressgateway', () => {
    expect(decideRoute(c, ingressRequest('x', '/productpage', { port: 80 })).kind).toBe('not-found');
    const other = ingressRequest('x', '/productpage');
    other.at = {
      kind: 'gateway',
      workloadNamespace: 'istio-system',
      workloadLabels: { istio: 'egressgateway' },
    };
    expect(decideRoute(c, other).kind).toBe('not-found');
  });

  it('does not apply to sidecars: a mesh call to productpage takes the default route', () => {
    const d = route(decideRoute(c, meshRequest('productpage', { path: '/unknown' })));
    expect(d.rule).toBeUndefined();
    expect(split(d)).toEqual({ [`${PRODUCTPAGE}|*`]: 1 });
  });

  it('certmanager-gateway (istio-system, port 80) routes the ACME challenge path only', () => {
    const cm = config(sample('certmanager-gateway.yaml'));
    const d = route(
      decideRoute(cm, ingressRequest('example.com', '/.well-known/acme-challenge/t', { port: 80 })),
    );
    expect(d.destinations[0]).toMatchObject({
      host: 'cert-manager-resolver.istio-system.svc.cluster.local',
      port: 8089,
      service: undefined,
    });
    expect(decideRoute(cm, ingressRequest('example.com', '/productpage', { port: 80 })).kind).toBe(
      'not-found',
    );
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { MeshObject } from './istio-types';
import { appliesAtOf, exportToOf, hostMatches, qualifyGateway, ruleScope, visibleTo } from './rule-scope';
import type { MeshConfigObjects, RuleScope, ScopedService } from './rule-scope';

const here = path.dirname(fileURLToPath(import.meta.url));
const SAMPLES = path.resolve(here, '../testing/istio-samples/bookinfo/networking');

const svc = (name: string, namespace = 'bookinfo', callerNamespaces?: string[]): ScopedService => ({
  host: `${name}.${namespace}.svc.cluster.local`,
  namespace,
  ...(callerNamespaces ? { callerNamespaces } : {}),
});

/** Objects of a Bookinfo file, applied in `bookinfo` (as Istio's tasks do), one second apart. */
function sample(file: string): MeshObject[] {
  const docs = (yaml.loadAll(fs.readFileSync(path.join(SAMPLES, file), 'utf8')) as unknown[]).filter(
    (d): d is MeshObject => typeof d === 'object' && d !== null,
  );
  return docs.map((d, i) => ({
    ...d,
    metadata: {
      ...d.metadata,
      namespace: d.metadata.namespace ?? 'bookinfo',
      creationTimestamp: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
    },
  }));
}

function split(objects: readonly MeshObject[]): MeshConfigObjects {
  return {
    virtualServices: objects.filter((o) => o.kind === 'VirtualService'),
    destinationRules: objects.filter((o) => o.kind === 'DestinationRule'),
    gateways: objects.filter((o) => o.kind === 'Gateway'),
    serviceEntries: objects.filter((o) => o.kind === 'ServiceEntry'),
  };
}

let seconds = 0;
function obj(
  kind: string,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  created?: string,
): MeshObject {
  seconds += 1;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind,
    metadata: {
      name,
      namespace,
      creationTimestamp:
        created ?? new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)).toISOString().replace('.000Z', 'Z'),
    },
    spec,
  };
}
const vs = (ns: string, name: string, spec: Record<string, unknown>, created?: string) =>
  obj('VirtualService', ns, name, spec, created);
const dr = (ns: string, name: string, spec: Record<string, unknown>, created?: string) =>
  obj('DestinationRule', ns, name, spec, created);
const to = (host: string, subset?: string, weight?: number) => ({
  destination: { host, ...(subset ? { subset } : {}) },
  ...(weight !== undefined ? { weight } : {}),
});

/** A one-line account of each VirtualService row and of the merged DestinationRule, for tables. */
function summary(scope: RuleScope) {
  const mergedView = scope.destinationRules.callers[0]?.merged ?? null;
  return {
    virtualServices: scope.virtualServices.map((v) => {
      const how = v.match.how === 'exact' ? `exact/${v.match.form}` : v.match.how;
      const at = [v.appliesAt.mesh ? 'mesh' : '', ...v.appliesAt.gateways].filter(Boolean).join('+');
      return `${v.ref.namespace}/${v.ref.name} ${how} @${at}${v.mesh ? ` ${v.mesh.state}` : ''}`;
    }),
    subsets: mergedView?.subsets.map((s) => `${s.name}<${s.from.namespace}/${s.from.name}`) ?? [],
    trafficPolicy: mergedView?.trafficPolicy
      ? `${mergedView.trafficPolicy.from.namespace}/${mergedView.trafficPolicy.from.name}`
      : null,
  };
}

describe('hostMatches', () => {
  const reviews = 'reviews.bookinfo.svc.cluster.local';
  it.each([
    ['reviews', 'bookinfo', { how: 'exact', form: 'short' }],
    ['Reviews', 'bookinfo', { how: 'exact', form: 'short' }],
    ['reviews', 'default', null],
    ['reviews.bookinfo', 'default', { how: 'exact', form: 'namespaced' }],
    ['reviews.bookinfo.svc', 'default', { how: 'exact', form: 'namespaced' }],
    ['reviews.bookinfo.svc.cluster.local', 'other', { how: 'exact', form: 'fqdn' }],
    ['ratings.bookinfo.svc.cluster.local', 'bookinfo', null],
    ['*.bookinfo.svc.cluster.local', 'other', { how: 'wildcard' }],
    ['*.svc.cluster.local', 'other', { how: 'wildcard' }],
    ['*', 'other', { how: 'wildcard' }],
    ['*.example.com', 'bookinfo', null],
    ['*.default.svc.cluster.local', 'bookinfo', null],
    ['', 'bookinfo', null],
  ])('%s in %s', (host, ns, expected) => {
    const m = hostMatches(host, ns, reviews);
    if (expected === null) expect(m).toBeNull();
    else expect(m).toMatchObject({ ...expected, host });
  });

  it('matches outside hosts by wildcard', () => {
    expect(hostMatches('*.example.com', 'web', 'shop.example.com')).toMatchObject({ how: 'wildcard' });
    expect(hostMatches('shop.example.com', 'web', 'shop.example.com')).toMatchObject({
      how: 'exact',
      form: 'fqdn',
    });
  });
});

describe('gateways and exportTo as istiod resolves them', () => {
  it.each([
    ['bookinfo-gateway', 'bookinfo', 'bookinfo/bookinfo-gateway'],
    ['./bookinfo-gateway', 'bookinfo', 'bookinfo/bookinfo-gateway'],
    ['istio-system/ingress', 'bookinfo', 'istio-system/ingress'],
    ['ingress.istio-system.svc.cluster.local', 'bookinfo', 'istio-system/ingress'],
    ['ingress.istio-system', 'bookinfo', 'istio-system/ingress'],
    ['mesh', 'bookinfo', 'mesh'],
  ])('gateway %s in %s is %s', (gw, ns, expected) => {
    expect(qualifyGateway(gw, ns)).toBe(expected);
  });

  it('binds to the mesh when gateways is empty or names mesh', () => {
    expect(appliesAtOf(vs('a', 'x', { hosts: ['x'] }))).toEqual({ mesh: true, gateways: [] });
    expect(appliesAtOf(vs('a', 'x', { hosts: ['x'], gateways: ['gw'] }))).toEqual({
      mesh: false,
      gateways: ['a/gw'],
    });
    expect(appliesAtOf(vs('a', 'x', { hosts: ['x'], gateways: ['mesh', 'b/gw'] }))).toEqual({
      mesh: true,
      gateways: ['b/gw'],
    });
  });

  it('reads exportTo: unset is public, . is the own namespace, ~ is nobody', () => {
    const e = (exportTo?: string[]) =>
      exportToOf(vs('a', 'x', { hosts: ['x'], ...(exportTo ? { exportTo } : {}) }));
    expect(e()).toMatchObject({ public: true, written: ['*'] });
    expect(visibleTo(e(['.']), 'a')).toBe(true);
    expect(visibleTo(e(['.']), 'b')).toBe(false);
    expect(visibleTo(e(['b']), 'b')).toBe(true);
    expect(visibleTo(e(['b']), 'a')).toBe(false);
    expect(visibleTo(e(['~']), 'a')).toBe(false);
    expect(visibleTo(e(['b', '*']), 'c')).toBe(true);
  });
});

describe("Istio's Bookinfo networking samples", () => {
  const cases: Array<{
    file: string;
    service: ScopedService;
    expected: ReturnType<typeof summary>;
  }> = [
    {
      file: 'virtual-service-all-v1.yaml',
      service: svc('reviews'),
      expected: {
        virtualServices: ['bookinfo/reviews exact/short @mesh in-effect'],
        subsets: [],
        trafficPolicy: null,
      },
    },
    {
      file: 'virtual-service-all-v1.yaml',
      service: svc('productpage'),
      expected: {
        virtualServices: ['bookinfo/productpage exact/short @mesh in-effect'],
        subsets: [],
        trafficPolicy: null,
      },
    },
    {
      file: 'destination-rule-all.yaml',
      service: svc('ratings'),
      expected: {
        virtualServices: [],
        subsets: [
          'v1<bookinfo/ratings',
          'v2<bookinfo/ratings',
          'v2-mysql<bookinfo/ratings',
          'v2-mysql-vm<bookinfo/ratings',
        ],
        trafficPolicy: null,
      },
    },
    {
      file: 'destination-rule-all-mtls.yaml',
      service: svc('reviews'),
      expected: {
        virtualServices: [],
        subsets: ['v1<bookinfo/reviews', 'v2<bookinfo/reviews', 'v3<bookinfo/reviews'],
        trafficPolicy: 'bookinfo/reviews',
      },
    },
    {
      file: 'destination-rule-reviews.yaml',
      service: svc('reviews'),
      expected: {
        virtualServices: [],
        subsets: ['v1<bookinfo/reviews', 'v2<bookinfo/reviews', 'v3<bookinfo/reviews'],
        trafficPolicy: 'bookinfo/reviews',
      },
    },
    {
      // Gateway-bound, hosts "*": not a rule of the service's in-mesh calls; it reaches
      // productpage through its routes only.
      file: 'bookinfo-gateway.yaml',
      service: svc('productpage'),
      expected: {
        virtualServices: ['bookinfo/bookinfo destination @bookinfo/bookinfo-gateway'],
        subsets: [],
        trafficPolicy: null,
      },
    },
    {
      file: 'bookinfo-gateway.yaml',
      service: svc('reviews'),
      expected: { virtualServices: [], subsets: [], trafficPolicy: null },
    },
    {
      file: 'certmanager-gateway.yaml',
      service: svc('cert-manager-resolver', 'istio-system'),
      expected: {
        virtualServices: ['istio-system/cert-manager destination @istio-system/cert-manager-gateway'],
        subsets: [],
        trafficPolicy: null,
      },
    },
    {
      file: 'egress-rule-google-apis.yaml',
      service: { host: 'www.googleapis.com', namespace: 'bookinfo' },
      expected: {
        virtualServices: ['bookinfo/rewrite-port-for-googleapis exact/fqdn @mesh in-effect'],
        subsets: [],
        trafficPolicy: 'bookinfo/originate-tls-for-googleapis',
      },
    },
    {
      file: 'fault-injection-details-v1.yaml',
      service: svc('details'),
      expected: {
        virtualServices: ['bookinfo/details exact/short @mesh in-effect'],
        subsets: ['v1<bookinfo/details'],
        trafficPolicy: null,
      },
    },
    ...[
      'virtual-service-details-v2.yaml',
      'virtual-service-ratings-db.yaml',
      'virtual-service-ratings-mysql.yaml',
      'virtual-service-ratings-mysql-vm.yaml',
      'virtual-service-ratings-test-abort.yaml',
      'virtual-service-ratings-test-delay.yaml',
    ].map((file) => ({
      file,
      service: svc(file.includes('details') ? 'details' : 'ratings'),
      expected: {
        virtualServices: [
          `bookinfo/${file.includes('details') ? 'details' : 'ratings'} exact/short @mesh in-effect`,
        ],
        subsets: [],
        trafficPolicy: null,
      },
    })),
    ...[
      'virtual-service-reviews-50-v3.yaml',
      'virtual-service-reviews-80-20.yaml',
      'virtual-service-reviews-90-10.yaml',
      'virtual-service-reviews-jason-v2-v3.yaml',
      'virtual-service-reviews-test-v2.yaml',
      'virtual-service-reviews-v2-v3.yaml',
      'virtual-service-reviews-v3.yaml',
      'virtual-service-ratings-db.yaml',
    ].map((file) => ({
      file,
      service: svc('reviews'),
      expected: {
        virtualServices: ['bookinfo/reviews exact/short @mesh in-effect'],
        subsets: [],
        trafficPolicy: null,
      },
    })),
  ];

  it('covers every file of the samples', () => {
    const covered = new Set(cases.map((c) => c.file));
    expect(fs.readdirSync(SAMPLES).filter((f) => !covered.has(f))).toEqual([]);
  });

  it.each(cases)('$file for $service.host', ({ file, service, expected }) => {
    expect(summary(ruleScope(service, split(sample(file))))).toEqual(expected);
  });

  it('a gateway-bound sample names an existing gateway; a missing one is reported', () => {
    const objects = split(sample('bookinfo-gateway.yaml'));
    expect(ruleScope(svc('productpage'), objects).virtualServices[0]?.missingGateways).toEqual([]);
    const without = { ...objects, gateways: [] };
    expect(ruleScope(svc('productpage'), without).virtualServices[0]?.missingGateways).toEqual([
      'bookinfo/bookinfo-gateway',
    ]);
  });

  it('with every DestinationRule file applied at once, the oldest definition of each subset wins', () => {
    const all = [
      ...sample('destination-rule-all.yaml'),
      ...sample('destination-rule-reviews.yaml').map((o) => ({
        ...o,
        metadata: { ...o.metadata, name: 'reviews-lb', creationTimestamp: '2026-02-01T00:00:00Z' },
      })),
    ];
    const scope = ruleScope(svc('reviews'), split(all));
    const merged = scope.destinationRules.callers[0]?.merged;
    expect(merged?.from).toEqual([
      { namespace: 'bookinfo', name: 'reviews' },
      { namespace: 'bookinfo', name: 'reviews-lb' },
    ]);
    expect(merged?.subsets.map((s) => s.from.name)).toEqual(['reviews', 'reviews', 'reviews']);
    // destination-rule-all's reviews has no trafficPolicy: the later rule's is in force.
    expect(merged?.trafficPolicy?.from.name).toBe('reviews-lb');
    expect(merged?.ignored).toEqual(
      ['v1', 'v2', 'v3'].map((subset) => ({
        ref: { namespace: 'bookinfo', name: 'reviews-lb' },
        what: 'subset',
        subset,
        keptFrom: { namespace: 'bookinfo', name: 'reviews' },
      })),
    );
  });
});

describe('VirtualServices beyond the samples', () => {
  const reviews = svc('reviews', 'bookinfo', ['frontend']);

  it('shows a rule bound to both the mesh and a gateway at both, and in effect in the mesh', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [
        vs('bookinfo', 'reviews', {
          hosts: ['reviews'],
          gateways: ['mesh', 'istio-system/edge'],
          http: [{ route: [to('reviews')] }],
        }),
      ],
      destinationRules: [],
      gateways: [obj('Gateway', 'istio-system', 'edge', {})],
    });
    expect(summary(scope).virtualServices).toEqual([
      'bookinfo/reviews exact/short @mesh+istio-system/edge in-effect',
    ]);
    expect(scope.virtualServices[0]?.missingGateways).toEqual([]);
  });

  it('shows a gateway-only rule naming the service as applying at the gateway, never as mesh routing', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [
        vs('bookinfo', 'reviews-edge', {
          hosts: ['reviews.bookinfo.svc.cluster.local'],
          gateways: ['edge'],
          http: [{ route: [to('reviews', 'v2')] }],
        }),
        vs('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ route: [to('reviews', 'v1')] }] }),
      ],
      destinationRules: [],
    });
    expect(summary(scope).virtualServices).toEqual([
      'bookinfo/reviews-edge exact/fqdn @bookinfo/edge',
      'bookinfo/reviews exact/short @mesh in-effect',
    ]);
    expect(scope.virtualServices[0]?.mesh).toBeUndefined();
  });

  it('finds wildcard rules, and an exact name wins over them whatever their age', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [
        vs('bookinfo', 'everything', { hosts: ['*'], http: [{ route: [to('reviews')] }] }),
        vs('bookinfo', 'bookinfo-wide', {
          hosts: ['*.bookinfo.svc.cluster.local'],
          http: [{ route: [to('reviews')] }],
        }),
        vs('web', 'outside', { hosts: ['*.example.com'], http: [{ route: [to('web')] }] }),
      ],
      destinationRules: [],
    });
    // Among wildcards, the longer one is in effect.
    expect(summary(scope).virtualServices).toEqual([
      'bookinfo/everything wildcard @mesh ignored',
      'bookinfo/bookinfo-wide wildcard @mesh in-effect',
    ]);
    const withExact = ruleScope(reviews, {
      virtualServices: [
        ...scope.virtualServices.map((v) => v.object),
        vs('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ route: [to('reviews')] }] }),
      ],
      destinationRules: [],
    });
    expect(withExact.virtualServices.map((v) => [v.ref.name, v.mesh?.state])).toEqual([
      ['everything', 'ignored'],
      ['bookinfo-wide', 'ignored'],
      ['reviews', 'in-effect'],
    ]);
    expect(withExact.virtualServices[1]?.mesh?.callers[0]?.ignoredFor).toEqual({
      winner: { namespace: 'bookinfo', name: 'reviews' },
      reason: 'more-specific-host',
    });
  });

  it('says which of two rules on one host is in effect: the oldest, on both rows', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [
        vs(
          'bookinfo',
          'reviews-new',
          { hosts: ['reviews'], http: [{ route: [to('reviews', 'v2')] }] },
          '2026-03-01T10:00:00Z',
        ),
        vs(
          'frontend',
          'reviews-old',
          {
            hosts: ['reviews.bookinfo.svc.cluster.local'],
            http: [{ route: [to('reviews.bookinfo.svc.cluster.local', 'v1')] }],
          },
          '2026-03-01T09:00:00Z',
        ),
      ],
      destinationRules: [],
    });
    expect(scope.virtualServices.map((v) => [v.ref.name, v.mesh?.state])).toEqual([
      ['reviews-old', 'in-effect'],
      ['reviews-new', 'ignored'],
    ]);
    const loser = scope.virtualServices[1]?.mesh?.callers.find((c) => c.namespace === 'bookinfo');
    expect(loser?.ignoredFor).toEqual({
      winner: { namespace: 'frontend', name: 'reviews-old' },
      reason: 'older',
    });
  });

  it('breaks a tie of creation times by name, then namespace (istiod compares Name first)', () => {
    const t = '2026-03-01T10:00:00Z';
    const scope = ruleScope(reviews, {
      virtualServices: [
        vs('aaa', 'zeta', { hosts: ['reviews.bookinfo.svc.cluster.local'] }, t),
        vs('zzz', 'alpha', { hosts: ['reviews.bookinfo.svc.cluster.local'] }, t),
      ],
      destinationRules: [],
    });
    expect(scope.virtualServices.map((v) => [v.ref.name, v.mesh?.state])).toEqual([
      ['alpha', 'in-effect'],
      ['zeta', 'ignored'],
    ]);
    expect(scope.virtualServices[1]?.mesh?.callers[0]?.ignoredFor?.reason).toBe('same-age-name-order');
  });

  it('honours exportTo ".": a rule in the caller namespace wins there only, even when newer', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [
        vs('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ route: [to('reviews', 'v1')] }] }),
        vs('frontend', 'reviews-for-frontend', {
          hosts: ['reviews.bookinfo.svc.cluster.local'],
          exportTo: ['.'],
          http: [{ route: [to('reviews.bookinfo.svc.cluster.local', 'v2')] }],
        }),
      ],
      destinationRules: [],
    });
    const [shared, local] = scope.virtualServices;
    expect(shared?.mesh?.state).toBe('partly');
    expect(local?.mesh?.state).toBe('in-effect');
    const byNs = (v: typeof shared) =>
      Object.fromEntries((v?.mesh?.callers ?? []).map((c) => [c.namespace, c]));
    expect(byNs(local)).toMatchObject({
      frontend: { visible: true, inEffect: true },
      bookinfo: { visible: false },
      '*': { visible: false },
    });
    expect(byNs(shared)).toMatchObject({
      bookinfo: { inEffect: true },
      '*': { inEffect: true },
      frontend: {
        inEffect: false,
        ignoredFor: { winner: { name: 'reviews-for-frontend' }, reason: 'caller-namespace' },
      },
    });
    expect(local?.exportTo).toMatchObject({ public: false, namespaces: ['frontend'] });
  });

  it('a rule exported to nobody is hidden', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [vs('bookinfo', 'reviews', { hosts: ['reviews'], exportTo: ['~'] })],
      destinationRules: [],
    });
    expect(scope.virtualServices[0]?.mesh?.state).toBe('hidden');
  });

  it('resolves short names in the rule’s own namespace; FQDNs from anywhere', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [
        vs('default', 'reviews', { hosts: ['reviews'] }), // reviews.default: another service
        vs('ops', 'fqdn', { hosts: ['reviews.bookinfo.svc.cluster.local'] }),
        vs('ops', 'alias', { hosts: ['reviews.bookinfo'] }),
      ],
      destinationRules: [],
    });
    // reviews.bookinfo is its own domain to istiod: it does not compete with the FQDN.
    expect(summary(scope).virtualServices).toEqual([
      'ops/fqdn exact/fqdn @mesh in-effect',
      'ops/alias exact/namespaced @mesh in-effect',
    ]);
  });

  it('shows a delegate chain: the root and its children, with broken links named', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [
        vs('edge', 'root', {
          hosts: ['shop.example.com'],
          gateways: ['istio-system/edge'],
          http: [
            {
              match: [{ uri: { prefix: '/reviews' } }],
              delegate: { name: 'reviews-routes', namespace: 'bookinfo' },
            },
            { match: [{ uri: { prefix: '/ratings' } }], delegate: { name: 'missing' } },
            {
              match: [{ uri: { prefix: '/private' } }],
              delegate: { name: 'private', namespace: 'bookinfo' },
            },
          ],
        }),
        vs('bookinfo', 'reviews-routes', {
          http: [{ route: [to('reviews', 'v1', 90), to('reviews', 'v2', 10)] }],
        }),
        vs('bookinfo', 'private', { exportTo: ['.'], http: [{ route: [to('reviews', 'v3')] }] }),
        vs('bookinfo', 'orphan', { http: [{ route: [to('reviews')] }] }),
      ],
      destinationRules: [],
    });
    expect(scope.virtualServices).toHaveLength(1);
    const root = scope.virtualServices[0];
    expect(root?.match).toEqual({ how: 'destination', host: 'shop.example.com', paths: ['spec.http[0]'] });
    expect(root?.appliesAt).toEqual({ mesh: false, gateways: ['istio-system/edge'] });
    expect(
      root?.delegates.map((d) => ({
        path: d.path,
        ref: `${d.namespace}/${d.name}`,
        problem: d.problem,
        to: d.destinations.map((x) => x.path),
      })),
    ).toEqual([
      {
        path: 'spec.http[0]',
        ref: 'bookinfo/reviews-routes',
        problem: undefined,
        to: ['spec.http[0].route[0]', 'spec.http[0].route[1]'],
      },
      { path: 'spec.http[1]', ref: 'edge/missing', problem: 'not-found', to: [] },
      {
        path: 'spec.http[2]',
        ref: 'bookinfo/private',
        problem: 'not-exported',
        to: ['spec.http[0].route[0]'],
      },
    ]);
    // Children that no root reaches are ignored by istiod: listed apart.
    expect(scope.unattachedDelegates.map((d) => d.ref.name)).toEqual(['private', 'orphan']);
  });

  it('a mesh root whose hosts name the service carries its delegates', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [
        vs('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ delegate: { name: 'reviews-v1' } }] }),
        vs('bookinfo', 'reviews-v1', { http: [{ route: [to('reviews', 'v1')] }] }),
      ],
      destinationRules: [],
    });
    expect(summary(scope).virtualServices).toEqual(['bookinfo/reviews exact/short @mesh in-effect']);
    expect(scope.virtualServices[0]?.delegates[0]?.object?.metadata.name).toBe('reviews-v1');
    expect(scope.unattachedDelegates).toEqual([]);
  });

  it('lists TCP, TLS and mirror destinations of rules on other hosts', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [
        vs('bookinfo', 'mirror', {
          hosts: ['ratings'],
          http: [{ route: [to('ratings')], mirror: { host: 'reviews' } }],
        }),
        vs('bookinfo', 'tcp', { hosts: ['db'], tcp: [{ route: [to('reviews', undefined, 100)] }] }),
        vs('bookinfo', 'tls', {
          hosts: ['secure.example.com'],
          tls: [
            {
              match: [{ sniHosts: ['secure.example.com'] }],
              route: [to('reviews.bookinfo.svc.cluster.local')],
            },
          ],
        }),
      ],
      destinationRules: [],
    });
    expect(
      scope.virtualServices.map((v) => [v.ref.name, v.match.how === 'destination' ? v.match.paths : []]),
    ).toEqual([
      ['mirror', ['spec.http[0].mirror']],
      ['tcp', ['spec.tcp[0].route[0]']],
      ['tls', ['spec.tls[0].route[0]']],
    ]);
  });
});

describe('DestinationRules as istiod merges and looks them up', () => {
  const reviews = svc('reviews', 'bookinfo', ['frontend']);
  const subsets = (...names: string[]) => names.map((name) => ({ name, labels: { version: name } }));

  it('merges same-host rules: subsets unioned, first definition and first trafficPolicy win', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [],
      destinationRules: [
        dr(
          'bookinfo',
          'second',
          {
            host: 'reviews.bookinfo.svc.cluster.local',
            trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } },
            subsets: [{ name: 'v1', labels: { version: 'v1', track: 'x' } }, ...subsets('v3')],
          },
          '2026-03-02T00:00:00Z',
        ),
        dr('bookinfo', 'first', { host: 'reviews', subsets: subsets('v1', 'v2') }, '2026-03-01T00:00:00Z'),
        dr(
          'bookinfo',
          'third',
          { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
          '2026-03-03T00:00:00Z',
        ),
      ],
    });
    const view = scope.destinationRules.callers[0];
    expect(view?.from).toBe('caller-namespace');
    expect(view?.merged?.host).toBe('reviews.bookinfo.svc.cluster.local');
    expect(view?.merged?.from.map((r) => r.name)).toEqual(['first', 'second', 'third']);
    expect(view?.merged?.subsets.map((s) => `${s.name}<${s.from.name}`)).toEqual([
      'v1<first',
      'v2<first',
      'v3<second',
    ]);
    expect(view?.merged?.subsets[0]?.subset.labels).toEqual({ version: 'v1' });
    expect(view?.merged?.trafficPolicy).toEqual({
      policy: { loadBalancer: { simple: 'LEAST_REQUEST' } },
      from: { namespace: 'bookinfo', name: 'second' },
    });
    expect(view?.merged?.ignored).toEqual([
      {
        ref: { namespace: 'bookinfo', name: 'second' },
        what: 'subset',
        subset: 'v1',
        keptFrom: { namespace: 'bookinfo', name: 'first' },
      },
      {
        ref: { namespace: 'bookinfo', name: 'third' },
        what: 'trafficPolicy',
        keptFrom: { namespace: 'bookinfo', name: 'second' },
      },
    ]);
    expect(view?.shadowed).toEqual([]);
  });

  it('an exact host wins over wildcards; a wildcard rule applies when there is none', () => {
    const wildcard = dr('bookinfo', 'all-bookinfo', {
      host: '*.bookinfo.svc.cluster.local',
      trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
    });
    const only = ruleScope(reviews, { virtualServices: [], destinationRules: [wildcard] });
    expect(only.destinationRules.matching[0]?.match).toMatchObject({ how: 'wildcard' });
    expect(only.destinationRules.callers[0]?.merged?.trafficPolicy?.from.name).toBe('all-bookinfo');

    const both = ruleScope(reviews, {
      virtualServices: [],
      destinationRules: [wildcard, dr('bookinfo', 'reviews', { host: 'reviews', subsets: subsets('v1') })],
    });
    const view = both.destinationRules.callers[0];
    expect(view?.merged?.from.map((r) => r.name)).toEqual(['reviews']);
    expect(view?.merged?.trafficPolicy).toBeNull();
    expect(view?.shadowed).toEqual([
      { ref: { namespace: 'bookinfo', name: 'all-bookinfo' }, reason: 'less-specific-host' },
    ]);
  });

  it('looks in the caller’s namespace, then the service’s, then istio-system', () => {
    const scope = ruleScope(svc('reviews', 'bookinfo', ['frontend', 'batch']), {
      virtualServices: [],
      destinationRules: [
        dr('bookinfo', 'reviews', { host: 'reviews', subsets: subsets('v1') }),
        dr('frontend', 'reviews-frontend', {
          host: 'reviews.bookinfo.svc.cluster.local',
          subsets: subsets('v2'),
        }),
        dr('istio-system', 'mesh-wide', {
          host: '*.local',
          trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
        }),
      ],
    });
    const byNs = Object.fromEntries(scope.destinationRules.callers.map((c) => [c.namespace, c]));
    expect(byNs.bookinfo?.merged?.from.map((r) => r.name)).toEqual(['reviews']);
    expect(byNs.frontend?.from).toBe('caller-namespace');
    expect(byNs.frontend?.merged?.subsets.map((s) => s.name)).toEqual(['v2']);
    expect(byNs.frontend?.shadowed).toContainEqual({
      ref: { namespace: 'bookinfo', name: 'reviews' },
      reason: 'earlier-namespace',
    });
    expect(byNs.batch?.from).toBe('service-namespace');
    expect(byNs.batch?.shadowed).toContainEqual({
      ref: { namespace: 'frontend', name: 'reviews-frontend' },
      reason: 'other-namespace',
    });
    expect(byNs['*']?.merged?.from.map((r) => r.name)).toEqual(['reviews']);

    // Without the service's own, the root namespace's rule applies.
    const rootOnly = ruleScope(reviews, {
      virtualServices: [],
      destinationRules: [
        dr('istio-system', 'mesh-wide', {
          host: '*.local',
          trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
        }),
      ],
    });
    expect(rootOnly.destinationRules.callers[0]).toMatchObject({
      from: 'root-namespace',
      merged: { host: '*.local' },
    });
  });

  it('honours exportTo: a rule exported to "." serves its own namespace only', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [],
      destinationRules: [
        dr('bookinfo', 'reviews', { host: 'reviews', exportTo: ['.'], subsets: subsets('v1') }),
      ],
    });
    const byNs = Object.fromEntries(scope.destinationRules.callers.map((c) => [c.namespace, c]));
    expect(byNs.bookinfo?.merged?.subsets.map((s) => s.name)).toEqual(['v1']);
    expect(byNs.frontend).toMatchObject({ from: null, merged: null, shadowed: [{ reason: 'not-exported' }] });
    expect(byNs['*']?.merged).toBeNull();
  });

  it('keeps rules with different exportTo apart; the sidecar uses the last entry', () => {
    // istiod merges a rule only into entries of the same exportTo (or a subset of its own).
    const scope = ruleScope(reviews, {
      virtualServices: [],
      destinationRules: [
        dr('bookinfo', 'public', { host: 'reviews', subsets: subsets('v1') }),
        dr('bookinfo', 'for-frontend', { host: 'reviews', exportTo: ['frontend'], subsets: subsets('v2') }),
      ],
    });
    const byNs = Object.fromEntries(scope.destinationRules.callers.map((c) => [c.namespace, c]));
    expect(byNs.frontend?.merged?.from.map((r) => r.name)).toEqual(['for-frontend']);
    expect(byNs.frontend?.shadowed).toEqual([
      { ref: { namespace: 'bookinfo', name: 'public' }, reason: 'separate-export' },
    ]);
    expect(byNs['*']?.merged?.from.map((r) => r.name)).toEqual(['public']);
  });

  it('lists a workloadSelector rule without merging it, and a name.namespace host as not resolved', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [],
      destinationRules: [
        dr('bookinfo', 'reviews', { host: 'reviews', subsets: subsets('v1') }),
        dr('bookinfo', 'selected', {
          host: 'reviews',
          workloadSelector: { matchLabels: { app: 'productpage' } },
          subsets: subsets('v9'),
        }),
        dr('frontend', 'dotted', { host: 'reviews.bookinfo', subsets: subsets('v2') }),
      ],
    });
    expect(scope.destinationRules.matching.map((m) => [m.ref.name, m.workloadSelector ?? null])).toEqual([
      ['selected', { app: 'productpage' }],
      ['reviews', null],
      ['dotted', null],
    ]);
    const view = scope.destinationRules.callers.find((c) => c.namespace === 'frontend');
    expect(view?.merged?.subsets.map((s) => s.name)).toEqual(['v1']);
    expect(view?.shadowed).toEqual([
      { ref: { namespace: 'bookinfo', name: 'selected' }, reason: 'workload-selector' },
      { ref: { namespace: 'frontend', name: 'dotted' }, reason: 'namespaced-host' },
    ]);
  });

  it('finds rules in other namespaces by FQDN', () => {
    const scope = ruleScope(reviews, {
      virtualServices: [],
      destinationRules: [
        dr('istio-system', 'reviews-tls', {
          host: 'reviews.bookinfo.svc.cluster.local',
          trafficPolicy: { tls: { mode: 'DISABLE' } },
        }),
      ],
      serviceEntries: [
        obj('ServiceEntry', 'bookinfo', 'reviews-vm', { hosts: ['reviews.bookinfo.svc.cluster.local'] }),
      ],
    });
    expect(scope.destinationRules.callers[0]).toMatchObject({
      from: 'root-namespace',
      merged: { from: [{ name: 'reviews-tls' }] },
    });
    expect(scope.serviceEntries.map((s) => s.ref.name)).toEqual(['reviews-vm']);
  });
});

import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { RouteForm } from '../contract/routing';
import type { RouteFormInput } from '../contract/routing';
import { withKeysReversed } from '../testing/json';
import { echo, productcatalog, reviews } from './fixtures';
import type { MeshObject } from './istio-types';
import type { LiveState, RouteTarget, TranslateOptions } from './model';
import { keptFields } from './istio-routes';
import { planRoute, planRouteDelete, readRoute } from './plan';

const istio: TranslateOptions = { dialect: 'istio', istioVersion: 'v1' };
const none: LiveState = { otherRoutes: [] };
const form = (f: RouteFormInput) => RouteForm.parse(f);
const split = (...pairs: [string, number][]) => pairs.map(([version, weight]) => ({ version, weight }));

/** A DestinationRule with a subset per version, as a hand-written one would have. */
const drFor = (target: RouteTarget): MeshObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'd', namespace: target.namespace },
  spec: { host: target.host, subsets: target.versions.map((v) => ({ name: v.version, labels: v.labels })) },
});

function objectsOf(target: RouteTarget, f: RouteFormInput, live: LiveState = none, options = istio) {
  const plan = planRoute(form(f), target, live, options);
  return {
    plan,
    dr: plan.writes[0]?.object as MeshObject,
    vs: plan.writes[plan.writes.length - 1]?.object as MeshObject,
  };
}

describe('planRoute: Istio', () => {
  it.each([
    ['v1 (default)', 'v1'],
    ['v1beta1', 'v1beta1'],
    ['v1alpha3', 'v1alpha3'],
  ] as const)('writes a weighted VirtualService and its subsets in networking.istio.io/%s', (_, version) => {
    const { plan, vs, dr } = objectsOf(
      reviews,
      {
        name: 'reviews-split',
        routeType: 'version',
        trafficSplit: true,
        destinations: split(['v1', 20], ['v3', 80]),
      },
      none,
      { ...istio, istioVersion: version },
    );
    expect(plan.writes.map((w) => [w.object.kind, w.action])).toEqual([
      ['DestinationRule', 'create'],
      ['VirtualService', 'create'],
    ]);
    expect(vs.apiVersion).toBe(`networking.istio.io/${version}`);
    expect(vs.metadata).toMatchObject({
      name: 'reviews-split',
      namespace: 'bookinfo',
      labels: { 'app.kubernetes.io/managed-by': 'mesh-console' },
    });
    expect(vs.spec).toEqual({
      hosts: ['reviews.bookinfo.svc.cluster.local'],
      http: [
        {
          route: [
            { destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v1' }, weight: 20 },
            { destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v3' }, weight: 80 },
          ],
        },
      ],
    });
    expect(dr.metadata.name).toBe('reviews');
    expect(dr.spec).toEqual({
      host: 'reviews.bookinfo.svc.cluster.local',
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v3', labels: { version: 'v3' } },
      ],
    });
  });

  it('writes condition routes in order, then the default, with header, URI, method and source matches', () => {
    const { vs } = objectsOf(reviews, {
      name: 'reviews-jason',
      routeType: 'condition',
      trafficSplit: true,
      destinations: split(['v1', 100]),
      matches: [
        {
          match: {
            headers: [{ name: 'end-user', type: 'exact', value: 'jason' }],
            uri: { type: 'prefix', value: '/api' },
            method: { type: 'exact', value: 'GET' },
            sourceLabels: { app: 'productpage' },
          },
          destinations: split(['v2', 50], ['v3', 50]),
        },
        {
          match: { headers: [{ name: 'x-canary', type: 'regex', value: '^(1|true)$' }] },
          destinations: split(['v3', 100]),
        },
      ],
    });
    const http = (vs.spec as { http: unknown[] }).http;
    expect(http).toHaveLength(3);
    expect(http[0]).toMatchObject({
      match: [
        {
          headers: { 'end-user': { exact: 'jason' } },
          uri: { prefix: '/api' },
          method: { exact: 'GET' },
          sourceLabels: { app: 'productpage' },
        },
      ],
    });
    expect(http[1]).toMatchObject({ match: [{ headers: { 'x-canary': { regex: '^(1|true)$' } } }] });
    expect(http[2]).toEqual({
      route: [{ destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v1' }, weight: 100 }],
    });
  });

  it('names subsets after the label the instances really use', () => {
    const { dr } = objectsOf(productcatalog, {
      name: 'pc',
      routeType: 'version',
      trafficSplit: true,
      destinations: split(['1.4.0', 90], ['1.5.0', 10]),
    });
    expect((dr.spec as { subsets: unknown[] }).subsets).toEqual([
      {
        name: expect.stringMatching(/^1-4-0-[0-9a-z]{7}$/),
        labels: { 'app.kubernetes.io/version': '1.4.0' },
      },
      {
        name: expect.stringMatching(/^1-5-0-[0-9a-z]{7}$/),
        labels: { 'app.kubernetes.io/version': '1.5.0' },
      },
    ]);
  });

  it('merges subsets into an existing DestinationRule, keeping its other subsets and traffic policy', () => {
    const existing: MeshObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews-dr', namespace: 'bookinfo', resourceVersion: '42' },
      spec: {
        host: 'reviews',
        trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } },
        subsets: [
          { name: 'stable', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
          { name: 'legacy', labels: { version: 'v0' } },
        ],
      },
    };
    const { dr, vs, plan } = objectsOf(
      reviews,
      { name: 'r', routeType: 'version', trafficSplit: true, destinations: split(['v1', 50], ['v2', 50]) },
      { destinationRule: existing, otherRoutes: [] },
    );
    expect(plan.writes[0]?.action).toBe('update');
    expect(dr.metadata.name).toBe('reviews-dr');
    expect(dr.metadata.resourceVersion).toBe('42');
    expect(dr.spec).toEqual({
      host: 'reviews',
      trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } },
      subsets: [
        { name: 'stable', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
        { name: 'legacy', labels: { version: 'v0' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
    });
    // The hand-written subset for v1 is reused, not duplicated.
    const subsets = (
      vs.spec as { http: { route: { destination: { subset: string } }[] }[] }
    ).http[0]?.route.map((r) => r.destination.subset);
    expect(subsets).toEqual(['stable', 'v2']);
    expect(dr.metadata.annotations?.['mesh-console.io/subsets']).toBe('v2');
    expect(plan.warnings.map((w) => w.code)).toContain('subset-matches-no-instance');
  });

  it("reuses an operator's subset that selects exactly a version's instances, with more labels than the version", () => {
    // Every v1 pod has track: stable; only v1 pods do. The subset {version: v1, track: stable} is v1.
    const tracked: RouteTarget = {
      ...reviews,
      versions: reviews.versions.map((v) => ({
        ...v,
        instances: [
          { app: 'reviews', version: v.version, ...(v.version === 'v1' ? { track: 'stable' } : {}) },
        ],
      })),
    };
    const existing: MeshObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: { host: 'reviews', subsets: [{ name: 'stable', labels: { version: 'v1', track: 'stable' } }] },
    };
    const { dr, vs } = objectsOf(
      tracked,
      { name: 'r', routeType: 'version', trafficSplit: true, destinations: split(['v1', 50], ['v2', 50]) },
      { destinationRule: existing, otherRoutes: [] },
    );
    const routed = (vs.spec as { http: { route: { destination: { subset: string } }[] }[] }).http[0]?.route;
    expect(routed?.map((r) => r.destination.subset)).toEqual(['stable', 'v2']);
    expect((dr.spec as { subsets: { name: string }[] }).subsets.map((s) => s.name)).toEqual(['stable', 'v2']);
    // And it reads back as v1.
    const read = readRoute(vs, tracked, { destinationRule: dr });
    expect(read.form?.destinations).toEqual(split(['v1', 50], ['v2', 50]));
    // A subset that also selects v2's pods is not v1's.
    const loose = {
      ...existing,
      spec: { host: 'reviews', subsets: [{ name: 'all', labels: { app: 'reviews' } }] },
    };
    const plan2 = objectsOf(
      tracked,
      { name: 'r', routeType: 'version', trafficSplit: false, destinations: split(['v1', 100]) },
      { destinationRule: loose, otherRoutes: [] },
    );
    expect((plan2.dr.spec as { subsets: { name: string }[] }).subsets.map((s) => s.name)).toEqual([
      'all',
      'v1',
    ]);
  });

  it("uses a subset another of the host's DestinationRules defines, without copying it", () => {
    const other: MeshObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews-team', namespace: 'bookinfo' },
      spec: { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
    };
    const { plan, vs } = objectsOf(
      reviews,
      { name: 'r', routeType: 'version', trafficSplit: true, destinations: split(['v1', 50], ['v2', 50]) },
      { otherDestinationRules: [other], otherRoutes: [] },
    );
    const dr = plan.writes.find((w) => w.object.kind === 'DestinationRule')?.object as MeshObject;
    expect((dr.spec as { subsets: { name: string }[] }).subsets.map((s) => s.name)).toEqual(['v2']);
    const routed = (vs.spec as { http: { route: { destination: { subset: string } }[] }[] }).http[0]?.route;
    expect(routed?.map((r) => r.destination.subset)).toEqual(['v1', 'v2']);
  });

  it('says truly why a subset is not a version: not defined anywhere, or selecting no one version', () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'r', namespace: 'bookinfo' },
      spec: {
        hosts: ['reviews'],
        http: [
          {
            route: [
              { destination: { host: 'reviews', subset: 'v1' }, weight: 50 },
              { destination: { host: 'reviews', subset: 'all' }, weight: 50 },
            ],
          },
        ],
      },
    } as MeshObject;
    const dr = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
      spec: { host: 'reviews', subsets: [{ name: 'all', labels: { app: 'reviews' } }] },
    } as MeshObject;
    expect(readRoute(vs, reviews, { destinationRule: dr }).reasons).toEqual([
      'http[0].route[0]: subset v1 is not defined in any DestinationRule for reviews.bookinfo.svc.cluster.local',
      'http[0].route[1]: subset all selects no one version of this service exactly (labels {"app":"reviews"})',
    ]);
  });

  it("reads and writes TCP traffic shifting (Istio's tcp-traffic-shifting task), keeping the route's port match", () => {
    const tcpEcho: RouteTarget = { ...reviews, protocol: 'tcp' };
    const vs = yaml.load(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: tcp-echo, namespace: bookinfo }
spec:
  hosts: [reviews]
  gateways: [bookinfo/tcp-echo-gateway]
  tcp:
  - match:
    - port: 31400
    route:
    - destination: { host: reviews, port: { number: 9000 }, subset: v1 }
      weight: 80
    - destination: { host: reviews, port: { number: 9000 }, subset: v2 }
      weight: 20
`) as MeshObject;
    const read = readRoute(vs, tcpEcho, { destinationRule: drFor(reviews) });
    expect(read.reasons).toEqual([]);
    expect(read.form).toMatchObject({
      transport: 'tcp',
      routeType: 'version',
      gateways: ['bookinfo/tcp-echo-gateway'],
      destinations: split(['v1', 80], ['v2', 20]),
    });
    const edited = { ...(read.form as RouteForm), destinations: split(['v1', 0], ['v2', 100]) };
    const next = planRoute(
      edited,
      tcpEcho,
      { route: vs, destinationRule: drFor(reviews), otherRoutes: [] },
      istio,
    ).writes.find((w) => w.object.kind === 'VirtualService')?.object as MeshObject;
    const expected = structuredClone(vs.spec) as { tcp: { route: { weight: number }[] }[] };
    (expected.tcp[0] as { route: { weight: number }[] }).route.forEach((r, i) => {
      r.weight = [0, 100][i] as number;
    });
    expect(next.spec).toEqual(expected);
  });

  it('says why it cannot show a VirtualService with several TCP routes, or HTTP and TCP routes together', () => {
    const tcpRoute = { route: [{ destination: { host: 'reviews', subset: 'v1' } }] };
    const base = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'r', namespace: 'bookinfo' },
    };
    const two = { ...base, spec: { hosts: ['reviews'], tcp: [tcpRoute, tcpRoute] } } as MeshObject;
    expect(readRoute(two, reviews, { destinationRule: drFor(reviews) }).reasons).toEqual([
      'The VirtualService routes TCP with 2 routes; the form shows one TCP route',
    ]);
    const both = { ...base, spec: { hosts: ['reviews'], tcp: [tcpRoute], http: [tcpRoute] } } as MeshObject;
    expect(readRoute(both, reviews, { destinationRule: drFor(reviews) }).form).toBeNull();
  });

  it("keeps a gateway-bound rule's gateways through an edit of its weights, and writes new ones when given", () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'edge', namespace: 'bookinfo' },
      spec: {
        hosts: ['reviews'],
        gateways: ['bookinfo-gateway', 'mesh'],
        http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }],
      },
    } as MeshObject;
    const read = readRoute(vs, reviews, { destinationRule: drFor(reviews) }).form as RouteForm;
    expect(read.gateways).toEqual(['bookinfo-gateway', 'mesh']);
    const live = { route: vs, destinationRule: drFor(reviews), otherRoutes: [] };
    const specOf = (f: RouteForm) =>
      planRoute(f, reviews, live, istio).writes.find((w) => w.object.kind === 'VirtualService')?.object
        .spec as {
        gateways?: string[];
      };
    expect(
      specOf({ ...read, trafficSplit: true, destinations: split(['v1', 50], ['v2', 50]) }).gateways,
    ).toEqual(['bookinfo-gateway', 'mesh']);
    expect(specOf({ ...read, gateways: ['bookinfo-gateway'] }).gateways).toEqual(['bookinfo-gateway']);
    // No gateways: the mesh only, as Istio reads a rule without the field.
    expect(specOf({ ...read, gateways: [] }).gateways).toBeUndefined();
  });

  it('keeps a subset another rule uses when a rule stops using it, and removes it when no rule does', () => {
    const dr: MeshObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: {
        name: 'reviews',
        namespace: 'bookinfo',
        labels: { 'app.kubernetes.io/managed-by': 'mesh-console' },
        annotations: { 'mesh-console.io/subsets': 'v1,v2,v3' },
      },
      spec: {
        host: 'reviews.bookinfo.svc.cluster.local',
        subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })),
      },
    };
    const other: MeshObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'other', namespace: 'bookinfo' },
      spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v3' } }] }] },
    };
    const { dr: next } = objectsOf(
      reviews,
      { name: 'r', routeType: 'version', trafficSplit: false, destinations: split(['v1', 100]) },
      { destinationRule: dr, otherRoutes: [other] },
    );
    expect((next.spec as { subsets: { name: string }[] }).subsets.map((s) => s.name)).toEqual(['v1', 'v3']);

    const gone = planRouteDelete(reviews, { destinationRule: dr, otherRoutes: [], route: other }, istio);
    expect(gone.writes.map((w) => [w.object.kind, w.action])).toEqual([
      ['VirtualService', 'delete'],
      ['DestinationRule', 'delete'],
    ]);
  });

  it('reports an unchanged rule as unchanged', () => {
    const f = {
      name: 'r',
      routeType: 'version',
      trafficSplit: true,
      destinations: split(['v1', 20], ['v2', 80]),
    } as const;
    const first = objectsOf(reviews, f);
    const again = planRoute(
      form(f),
      reviews,
      { route: first.vs, destinationRule: first.dr, otherRoutes: [] },
      istio,
    );
    expect(again.writes.map((w) => w.action)).toEqual(['unchanged', 'unchanged']);
    // As read back from a control plane, which may order keys its own way: still unchanged.
    const readBack = planRoute(
      form(f),
      reviews,
      { route: withKeysReversed(first.vs), destinationRule: withKeysReversed(first.dr), otherRoutes: [] },
      istio,
    );
    expect(readBack.writes.map((w) => w.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('warns about a second VirtualService on the host and a condition after a catch-all', () => {
    const other: MeshObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'hand-written', namespace: 'bookinfo' },
      spec: { hosts: ['reviews'] },
    };
    const { plan } = objectsOf(
      reviews,
      {
        name: 'r',
        routeType: 'condition',
        trafficSplit: true,
        destinations: split(['v1', 100]),
        matches: [
          { match: {}, destinations: split(['v2', 100]) },
          {
            match: { headers: [{ name: 'a', type: 'exact', value: 'b' }] },
            destinations: split(['v3', 100]),
          },
        ],
      },
      { otherRoutes: [other] },
    );
    expect(plan.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'second-route-on-host' }),
        expect.objectContaining({ code: 'unreachable-condition', field: 'matches.1' }),
      ]),
    );
  });
});

describe('planRoute: RPC dialects', () => {
  const talkForm = form({
    name: 'version-route',
    routeType: 'version',
    trafficSplit: true,
    destinations: split(['20191115224823305.fvxo1wbt', 20], ['20191115225115467.dfy77ofd', 80]),
  });

  it('istio: Dubbo on standard HTTP routes, the method as a header', () => {
    const plan = planRoute(
      form({
        name: 'echo-m',
        routeType: 'condition',
        trafficSplit: true,
        destinations: split(['20191115224823305.fvxo1wbt', 100]),
        matches: [
          {
            match: { rpcMethod: 'echo', attachments: [{ name: 'tag', type: 'exact', value: 'gray' }] },
            destinations: split(['20191115225115467.dfy77ofd', 100]),
          },
        ],
      }),
      echo,
      none,
      istio,
    );
    const vs = plan.writes[1]?.object as MeshObject;
    expect(vs.apiVersion).toBe('networking.istio.io/v1');
    expect((vs.spec as { hosts: string[] }).hosts).toEqual(['echo-provider.dubbo-demo.svc.cluster.local']);
    expect((vs.spec as { http: { match?: unknown[] }[] }).http[0]?.match).toEqual([
      { headers: { method: { exact: 'echo' }, tag: { exact: 'gray' } } },
    ]);
  });

  it('dubbo: Apache Dubbo mesh rule with routedetail, host = interface', () => {
    const plan = planRoute(talkForm, echo, none, { ...istio, dialect: 'dubbo' });
    const [dr, vs] = plan.writes.map((w) => w.object);
    expect(vs?.apiVersion).toBe('service.dubbo.apache.org/v1alpha1');
    expect(dr?.apiVersion).toBe('service.dubbo.apache.org/v1alpha1');
    const iface = 'com.alibaba.dubbo.samples.echo.api.EchoService';
    expect(vs?.spec).toEqual({
      hosts: [iface],
      dubbo: [
        {
          services: [{ exact: iface }],
          routedetail: [
            {
              name: 'default',
              route: [
                {
                  destination: { host: iface, subset: expect.stringMatching(/^20191115224823305-fvxo1wbt-/) },
                  weight: 20,
                },
                {
                  destination: { host: iface, subset: expect.stringMatching(/^20191115225115467-dfy77ofd-/) },
                  weight: 80,
                },
              ],
            },
          ],
        },
      ],
    });
    expect((dr?.spec as { host: string }).host).toBe(iface);
  });

  it("sofa: reproduces the talk's YAML for EchoService at 20/80", () => {
    const plan = planRoute(talkForm, echo, none, { ...istio, dialect: 'sofa' });
    const vs = plan.writes[1]?.object as MeshObject;
    const dr = plan.writes[0]?.object as MeshObject;
    const subsetOf = (v: string) =>
      (dr.spec as { subsets: { name: string; labels: Record<string, string> }[] }).subsets.find(
        (s) => s.labels.version === v,
      )?.name;
    const id = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
    // The talk's screen (../shared/seed), with our subset names in place of its generated IDs.
    const golden = yaml.load(`
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
spec:
  dubbo:
    - destinationFallbackPolicy: 1
      match:
        - requestCondition: ""
          sourceLabels: {}
      order: 0
      route:
        - destination:
            host: ${id}
            lbSubset: ${subsetOf('20191115224823305.fvxo1wbt')}
            weight: 20
        - destination:
            host: ${id}
            lbSubset: ${subsetOf('20191115225115467.dfy77ofd')}
            weight: 80
      routeFallbackPolicy: 1
  hosts:
    - ${id}
`) as MeshObject;
    expect({ apiVersion: vs.apiVersion, kind: vs.kind, spec: vs.spec }).toEqual(golden);
    expect(yaml.dump(vs.spec, { sortKeys: true })).toBe(yaml.dump(golden.spec, { sortKeys: true }));
    expect(plan.warnings.map((w) => w.code)).toContain('pruned-by-istio');
  });
});

describe('readRoute', () => {
  it("reads Istio bookinfo's reviews-test-v2 rule (header match on end-user) into a condition route", () => {
    const vs = yaml.load(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: bookinfo, resourceVersion: "7" }
spec:
  hosts: [reviews]
  http:
  - match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination: { host: reviews, subset: v2 }
  - route:
    - destination: { host: reviews, subset: v1 }
`) as MeshObject;
    const { form: read, reasons } = readRoute(vs, reviews, { destinationRule: drFor(reviews) });
    expect(reasons).toEqual([]);
    expect(read).toEqual({
      name: 'reviews',
      routeType: 'condition',
      trafficSplit: false,
      destinations: [{ version: 'v1', weight: 100 }],
      matches: [
        {
          match: {
            headers: [{ name: 'end-user', type: 'exact', value: 'jason' }],
            queryParams: [],
            attachments: [],
            sourceLabels: {},
          },
          destinations: [{ version: 'v2', weight: 100 }],
        },
      ],
      resourceVersion: '7',
    });
  });

  it('keeps what the form does not model (fault, retries, timeout, mirror) when a hand-written rule is edited', () => {
    const vs = yaml.load(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: bookinfo, labels: { team: books } }
spec:
  hosts: [reviews]
  gateways: [mesh]
  http:
  - name: jason
    match:
    - headers: { end-user: { exact: jason } }
      queryParams: { debug: { exact: "1" } }
    fault:
      delay: { percentage: { value: 100.0 }, fixedDelay: 7s }
    route:
    - destination: { host: reviews, subset: v2, port: { number: 9080 } }
  - route:
    - destination: { host: reviews, subset: v2 }
      weight: 50
    - destination: { host: reviews, subset: v3 }
      weight: 50
    timeout: 0.5s
    retries: { attempts: 3, perTryTimeout: 2s }
    mirror: { host: reviews, subset: v1 }
    mirrorPercentage: { value: 10 }
`) as MeshObject;
    const { form: read } = readRoute(vs, reviews, { destinationRule: drFor(reviews) });
    expect(read).not.toBeNull();
    const unchanged = planRoute(
      read as RouteForm,
      reviews,
      { route: vs, destinationRule: drFor(reviews), otherRoutes: [] },
      istio,
    );
    // Saved unchanged, nothing is written: not the rule, not the DestinationRule beside it.
    expect(unchanged.writes.map((w) => w.action)).toEqual(['unchanged', 'unchanged']);
    expect(unchanged.writes.find((w) => w.object.kind === 'VirtualService')?.object).toEqual(vs);

    const edited = { ...(read as RouteForm), destinations: split(['v2', 20], ['v3', 80]) };
    const plan = planRoute(
      edited,
      reviews,
      { route: vs, destinationRule: drFor(reviews), otherRoutes: [] },
      istio,
    );
    const next = plan.writes.find((w) => w.object.kind === 'VirtualService')?.object as MeshObject;
    const expected = structuredClone(vs.spec) as { http: { route: { weight?: number }[] }[] };
    expected.http[1]?.route.forEach((r, i) => {
      r.weight = [20, 80][i];
    });
    expect(next.spec).toEqual(expected);
    // The operator's rule stays theirs: no managed-by label, no annotation of the console's.
    expect(next.metadata).toEqual(vs.metadata);
  });

  it.each([
    [
      'several match blocks',
      '- match: [{ uri: { exact: /a } }, { uri: { exact: /b } }]\n    route: [{ destination: { host: reviews, subset: v1 } }]\n  - route: [{ destination: { host: reviews, subset: v1 } }]',
      'several match blocks',
    ],
    ['a redirect', '- redirect: { uri: /v1 }', 'redirects'],
    ['another host', '- route: [{ destination: { host: ratings, subset: v1 } }]', 'another host'],
    ['no subset', '- route: [{ destination: { host: reviews } }]', 'every version'],
  ])('says why it cannot show %s', (_, http, reason) => {
    const vs = yaml.load(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: x, namespace: bookinfo }
spec:
  hosts: [reviews]
  http:
  ${http}
`) as MeshObject;
    const result = readRoute(vs, reviews, { destinationRule: drFor(reviews) });
    expect(result.form).toBeNull();
    expect(result.reasons.join('\n')).toContain(reason);
  });
});

describe('keptFields', () => {
  it('lists what the form keeps but does not show, by place', () => {
    const spec = yaml.load(`
hosts: [reviews]
http:
- match:
  - headers: { end-user: { exact: jason } }
    ignoreUriCase: true
  fault:
    delay: { percentage: { value: 100.0 }, fixedDelay: 7s }
  route:
  - destination: { host: reviews, subset: v2 }
    headers: { request: { set: { x-canary: "1" } } }
- route:
  - destination: { host: reviews, subset: v1 }
  timeout: 0.5s
  retries: { attempts: 3 }
  mirror: { host: reviews, subset: v3 }
`) as Record<string, unknown>;
    expect(keptFields(spec)).toEqual([
      'http[0].fault',
      'http[0].match[0].ignoreUriCase',
      'http[0].route[0].headers',
      'http[1].timeout',
      'http[1].retries',
      'http[1].mirror',
    ]);
    expect(
      keptFields({
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews' }, weight: 100 }] }],
      }),
    ).toEqual([]);
  });
});

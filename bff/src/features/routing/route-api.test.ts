import { describe, expect, it } from 'vitest';
import { chooseRouteApi, dataPlaneOf, gatewayKindFor } from './route-api';
import type { GatewayRouteKindName, RouteApiFacts } from './route-api';

const ALL: GatewayRouteKindName[] = ['HTTPRoute', 'GRPCRoute', 'TCPRoute'];
const WAYPOINT = { namespace: 'shop', name: 'waypoint', gatewayClassName: 'istio-waypoint' };

const AMBIENT_NS = { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' };

function facts(changes: Partial<RouteApiFacts> = {}): RouteApiFacts {
  return {
    setting: 'auto',
    service: 'reviews',
    namespace: 'shop',
    protocol: 'http',
    served: new Set(ALL),
    gatewayRoutes: [],
    virtualServices: [],
    namespaceLabels: {},
    hasService: true,
    serviceLabels: {},
    pods: [{ labels: { app: 'reviews' }, sidecar: false }],
    gateways: [WAYPOINT],
    ...changes,
  };
}

describe('chooseRouteApi', () => {
  it.each<[string, Partial<RouteApiFacts>, string, string, RegExp]>([
    ['a sidecar namespace', {}, 'istio', 'VirtualService', /not in ambient mode/],
    [
      'an ambient namespace with a waypoint',
      { namespaceLabels: AMBIENT_NS },
      'gateway-api',
      'HTTPRoute',
      /waypoint shop\/waypoint/,
    ],
    [
      'a gRPC service with a waypoint',
      { namespaceLabels: AMBIENT_NS, protocol: 'grpc' },
      'gateway-api',
      'GRPCRoute',
      /GRPCRoute/,
    ],
    [
      'a TCP service with a waypoint, TCPRoute served',
      { namespaceLabels: AMBIENT_NS, protocol: 'tcp' },
      'gateway-api',
      'TCPRoute',
      /ambient/,
    ],
    [
      'a TCP service with a waypoint, TCPRoute not served',
      {
        namespaceLabels: AMBIENT_NS,
        protocol: 'tcp',
        served: new Set<GatewayRouteKindName>(['HTTPRoute', 'GRPCRoute']),
      },
      'istio',
      'VirtualService',
      /does not serve TCPRoute/,
    ],
    [
      'an ambient namespace without the Gateway API CRDs',
      { namespaceLabels: AMBIENT_NS, served: new Set<GatewayRouteKindName>() },
      'istio',
      'VirtualService',
      /does not serve HTTPRoute/,
    ],
    [
      'ambient without a waypoint',
      { namespaceLabels: { 'istio.io/dataplane-mode': 'ambient' } },
      'istio',
      'VirtualService',
      /without a waypoint/,
    ],
    [
      'ambient, the Service opting out of the namespace waypoint',
      { namespaceLabels: AMBIENT_NS, serviceLabels: { 'istio.io/use-waypoint': 'none' } },
      'istio',
      'VirtualService',
      /without a waypoint/,
    ],
    [
      'ambient, naming a waypoint that does not exist',
      { namespaceLabels: { ...AMBIENT_NS, 'istio.io/use-waypoint': 'gone' } },
      'istio',
      'VirtualService',
      /shop\/gone, which is no Gateway/,
    ],
    [
      'ambient, naming a Gateway that is not a waypoint',
      { namespaceLabels: AMBIENT_NS, gateways: [{ ...WAYPOINT, gatewayClassName: 'istio' }] },
      'istio',
      'VirtualService',
      /no Gateway of class istio-waypoint/,
    ],
    [
      'ambient pods labelled one by one, the Service naming the waypoint',
      {
        pods: [{ labels: { 'istio.io/dataplane-mode': 'ambient' }, sidecar: false }],
        serviceLabels: { 'istio.io/use-waypoint': 'waypoint' },
      },
      'gateway-api',
      'HTTPRoute',
      /in ambient mode/,
    ],
    [
      'an ambient namespace whose pods opt out',
      {
        namespaceLabels: AMBIENT_NS,
        pods: [{ labels: { 'istio.io/dataplane-mode': 'none' }, sidecar: false }],
      },
      'istio',
      'VirtualService',
      /not in ambient mode/,
    ],
    [
      'a waypoint in another namespace',
      {
        namespaceLabels: { ...AMBIENT_NS, 'istio.io/use-waypoint-namespace': 'infra' },
        gateways: [{ ...WAYPOINT, namespace: 'infra' }],
      },
      'gateway-api',
      'HTTPRoute',
      /infra\/waypoint/,
    ],
    [
      'an ambient namespace with a waypoint whose pods run sidecars',
      { namespaceLabels: AMBIENT_NS, pods: [{ labels: { app: 'reviews' }, sidecar: true }] },
      'istio',
      'VirtualService',
      /pods run sidecars, which take precedence/,
    ],
    [
      'existing HTTPRoutes in a sidecar namespace',
      { gatewayRoutes: ['HTTPRoute/reviews'] },
      'gateway-api',
      'HTTPRoute',
      /already routed by HTTPRoute\/reviews/,
    ],
    [
      'existing VirtualServices in an ambient namespace with a waypoint',
      { namespaceLabels: AMBIENT_NS, virtualServices: ['reviews'] },
      'istio',
      'VirtualService',
      /already routed by VirtualService reviews/,
    ],
    [
      'both, with a waypoint',
      { namespaceLabels: AMBIENT_NS, virtualServices: ['reviews'], gatewayRoutes: ['HTTPRoute/reviews'] },
      'gateway-api',
      'HTTPRoute',
      /both HTTPRoute\/reviews and VirtualService reviews.*waypoint/,
    ],
    [
      'both, with sidecars',
      { virtualServices: ['reviews'], gatewayRoutes: ['HTTPRoute/reviews'] },
      'istio',
      'VirtualService',
      /both .* no ambient waypoint/,
    ],
    [
      'the setting istio in an ambient namespace with HTTPRoutes',
      { setting: 'istio', namespaceLabels: AMBIENT_NS, gatewayRoutes: ['HTTPRoute/reviews'] },
      'istio',
      'VirtualService',
      /MESH_CONSOLE_ROUTE_API is istio/,
    ],
    [
      'the setting gateway-api in a sidecar namespace with VirtualServices',
      { setting: 'gateway-api', virtualServices: ['reviews'] },
      'gateway-api',
      'HTTPRoute',
      /MESH_CONSOLE_ROUTE_API is gateway-api/,
    ],
    [
      'a ServiceEntry host (no Kubernetes Service) with a waypoint',
      { namespaceLabels: AMBIENT_NS, hasService: false },
      'istio',
      'VirtualService',
      /no Kubernetes Service in its namespace/,
    ],
    [
      'a Dubbo interface, even with the setting gateway-api',
      { setting: 'gateway-api', protocol: 'dubbo', namespaceLabels: AMBIENT_NS },
      'istio',
      'VirtualService',
      /dubbo interfaces/,
    ],
  ])('%s', (_, changes, api, kind, reason) => {
    const choice = chooseRouteApi(facts(changes));
    expect(choice).toMatchObject({ api, kind });
    expect(choice.reason).toMatch(reason);
    expect(choice.unavailable).toBeUndefined();
  });

  it('with the setting gateway-api for a service without a Kubernetes Service: unavailable, saying why', () => {
    const choice = chooseRouteApi(facts({ setting: 'gateway-api', hasService: false }));
    expect(choice).toMatchObject({ api: 'gateway-api', kind: 'HTTPRoute' });
    expect(choice.unavailable).toMatch(/no Kubernetes Service/);
  });

  it('with the setting gateway-api on a cluster without its kinds: the Gateway API, unavailable, saying why', () => {
    const choice = chooseRouteApi(facts({ setting: 'gateway-api', served: new Set() }));
    expect(choice).toMatchObject({ api: 'gateway-api', kind: 'HTTPRoute' });
    expect(choice.unavailable).toMatch(/does not serve HTTPRoute: install the Gateway API CRDs/);
  });
});

describe('dataPlaneOf', () => {
  it('takes the namespace enrolment when the service has no pods yet', () => {
    expect(dataPlaneOf(facts({ pods: [], namespaceLabels: AMBIENT_NS }))).toEqual({
      ambient: true,
      sidecars: false,
      waypoint: 'shop/waypoint',
      missingWaypoint: null,
    });
  });

  it('is not ambient when only some pods are enrolled', () => {
    const plane = dataPlaneOf(
      facts({
        pods: [
          { labels: { 'istio.io/dataplane-mode': 'ambient' }, sidecar: false },
          { labels: {}, sidecar: false },
        ],
        serviceLabels: AMBIENT_NS,
      }),
    );
    expect(plane.ambient).toBe(false);
    expect(plane.waypoint).toBeNull();
  });
});

describe('gatewayKindFor', () => {
  it.each([
    ['http', 'HTTPRoute'],
    ['http2', 'HTTPRoute'],
    ['springcloud', 'HTTPRoute'],
    ['grpc', 'GRPCRoute'],
    ['tcp', 'TCPRoute'],
    ['dubbo', null],
    ['sofarpc', null],
  ] as const)('%s → %s', (protocol, kind) => {
    expect(gatewayKindFor(protocol)).toBe(kind);
  });
});

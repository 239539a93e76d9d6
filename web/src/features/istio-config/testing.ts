import { ECHO_ID } from '../../test/fixtures';
import type { ConfigCheck, IstioConfigItem, IstioConfigKind, IstioConfigList } from './contract';

// Fixtures of the Istio config page, for its tests and the zh-CN scan: Bookinfo's reviews with a
// broken VirtualService and a DestinationRule whose subset selects nothing, its gateway-bound
// front door, and the echo service's rule written by the console.

const API_VERSION: Record<IstioConfigKind, string> = {
  VirtualService: 'networking.istio.io/v1',
  DestinationRule: 'networking.istio.io/v1',
  Gateway: 'networking.istio.io/v1',
  ServiceEntry: 'networking.istio.io/v1',
  EnvoyFilter: 'networking.istio.io/v1alpha3',
};

const REVIEWS = { id: 'reviews.bookinfo.svc.cluster.local', namespace: 'bookinfo', name: 'reviews' };
const PRODUCTPAGE = {
  id: 'productpage.bookinfo.svc.cluster.local',
  namespace: 'bookinfo',
  name: 'productpage',
};
const ECHO = {
  id: ECHO_ID,
  namespace: 'dubbo-demo',
  name: 'com.alibaba.dubbo.samples.echo.api.EchoService',
};

/** An object of `kind` named `namespace/name`; `overrides` change what a test needs. */
export function configItem(
  kind: IstioConfigKind,
  namespace: string,
  name: string,
  overrides: Partial<IstioConfigItem> = {},
): IstioConfigItem {
  return {
    ref: { apiVersion: API_VERSION[kind], kind, namespace, name },
    createdAt: '2026-01-02T10:00:00Z',
    hosts: [],
    gateways: [],
    services: [],
    managedBy: 'kubectl',
    checks: [],
    yaml: `apiVersion: ${API_VERSION[kind]}\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n`,
    ...overrides,
  };
}

const SUBSET_NOT_FOUND: ConfigCheck = {
  code: 'subset-not-found',
  severity: 'error',
  message: 'Subset v4 is not defined in any DestinationRule for reviews.bookinfo.svc.cluster.local',
  path: 'spec.http[0].route[1]',
};

const WEIGHTS_NOT_100: ConfigCheck = {
  code: 'weights-not-100',
  severity: 'warning',
  message: 'The weights of route 1 total 90, not 100',
  path: 'spec.http[0]',
};

const SUBSET_SELECTS_NOTHING: ConfigCheck = {
  code: 'subset-selects-no-instance',
  severity: 'warning',
  message: 'Subset v3 selects no instance of reviews',
  path: 'spec.subsets[2]',
};

/** The four objects, worst first as the BFF may send them, and their summary. */
export function meshConfig(): IstioConfigList {
  const items = [
    configItem('VirtualService', 'bookinfo', 'reviews', {
      hosts: ['reviews'],
      services: [REVIEWS],
      checks: [WEIGHTS_NOT_100, SUBSET_NOT_FOUND],
      yaml: [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata:',
        '  name: reviews',
        '  namespace: bookinfo',
        'spec:',
        '  hosts:',
        '    - reviews',
        '  http:',
        '    - route:',
        '        - destination: { host: reviews, subset: v1 }',
        '          weight: 50',
        '        - destination: { host: reviews, subset: v4 }',
        '          weight: 40',
        '',
      ].join('\n'),
    }),
    configItem('DestinationRule', 'bookinfo', 'reviews', {
      hosts: ['reviews'],
      services: [REVIEWS],
      checks: [SUBSET_SELECTS_NOTHING],
    }),
    configItem('VirtualService', 'bookinfo', 'bookinfo', {
      hosts: ['*'],
      gateways: ['bookinfo-gateway'],
      services: [PRODUCTPAGE],
    }),
    configItem('Gateway', 'bookinfo', 'bookinfo-gateway', { hosts: ['*'], managedBy: 'unknown' }),
    configItem('VirtualService', 'dubbo-demo', 'echo-split', {
      hosts: ['echo-provider.dubbo-demo.svc.cluster.local'],
      gateways: ['mesh', 'istio-system/edge'],
      services: [ECHO],
      managedBy: 'mesh-console',
    }),
  ];
  return { items, summary: { objects: items.length, errors: 1, warnings: 2 } };
}

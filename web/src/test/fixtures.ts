import type { Instance, ServiceDetail, ServiceListResponse, ServiceSummary } from '../lib/contract';

export const ECHO_ID = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
export const ECHO_V1 = '20191115224823305.fvxo1wbt';
export const ECHO_V2 = '20191115225115467.dfy77ofd';

export const echoSummary: ServiceSummary = {
  id: ECHO_ID,
  name: 'com.alibaba.dubbo.samples.echo.api.EchoService',
  application: 'echo-provider',
  namespace: 'dubbo-demo',
  protocol: 'dubbo',
  host: 'echo-provider.dubbo-demo.svc.cluster.local',
  platforms: ['kubernetes', 'vm'],
  versions: [ECHO_V1, ECHO_V2],
  instances: { total: 3, ready: 2 },
};

export const reviewsSummary: ServiceSummary = {
  id: 'reviews.bookinfo.svc.cluster.local',
  name: 'reviews',
  application: 'reviews',
  namespace: 'bookinfo',
  protocol: 'http',
  host: 'reviews.bookinfo.svc.cluster.local',
  platforms: ['kubernetes'],
  versions: ['v1', 'v2', 'v3'],
  instances: { total: 3, ready: 3 },
};

export function listResponse(
  items: ServiceSummary[],
  overrides: Partial<ServiceListResponse> = {},
): ServiceListResponse {
  return {
    items,
    total: items.length,
    page: 1,
    pageSize: 20,
    facets: { namespaces: ['bookinfo', 'dubbo-demo'], protocols: ['dubbo', 'http'] },
    ...overrides,
  };
}

function instance(name: string, version: string, extra: Partial<Instance> = {}): Instance {
  return {
    name,
    namespace: 'dubbo-demo',
    kind: 'Pod',
    address: '10.1.0.2',
    port: 20880,
    version,
    labels: { app: 'echo-provider', version },
    platform: 'kubernetes',
    ready: true,
    ...extra,
  };
}

export const echoDetail: ServiceDetail = {
  ...echoSummary,
  ports: [{ name: 'dubbo', port: 20880, protocol: 'dubbo' }],
  versionDetails: [
    { version: ECHO_V1, instances: 2, ready: 1, platforms: ['kubernetes'] },
    { version: ECHO_V2, instances: 1, ready: 1, platforms: ['vm'] },
  ],
  // Deliberately out of order: the page groups them by version.
  providers: [
    instance('echo-provider-v2-vm-1', ECHO_V2, {
      kind: 'WorkloadEntry',
      address: '10.20.0.2',
      platform: 'vm',
    }),
    instance('echo-provider-v1-b', ECHO_V1, { address: '10.1.0.3', ready: false }),
    instance('echo-provider-v1-a', ECHO_V1),
  ],
  sources: [{ kind: 'Service', namespace: 'dubbo-demo', name: 'echo-provider' }],
};

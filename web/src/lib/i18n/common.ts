import type { Translation } from './types';

/** English text of words every feature shares: retry, loading, protocols, platforms (the `common` namespace). */
export const commonEnUS = {
  retry: 'Retry',
  loading: 'Loading…',
  loadFailed: 'Could not load the data',
  noVersion: '(no version)',
  yes: 'Yes',
  no: 'No',
  protocol: {
    dubbo: 'Dubbo',
    sofarpc: 'SOFARPC',
    springcloud: 'Spring Cloud',
    http: 'HTTP',
    http2: 'HTTP/2',
    grpc: 'gRPC',
    tcp: 'TCP',
  },
  platform: {
    kubernetes: 'Kubernetes',
    vm: 'VM',
  },
};

/** 中文文案：键与 en-US 完全一致（由类型检查保证）。 */
export const commonZhCN: Translation<typeof commonEnUS> = {
  retry: '重试',
  loading: '加载中…',
  loadFailed: '数据加载失败',
  noVersion: '（无版本）',
  yes: '是',
  no: '否',
  protocol: {
    dubbo: 'Dubbo',
    sofarpc: 'SOFARPC',
    springcloud: 'Spring Cloud',
    http: 'HTTP',
    http2: 'HTTP/2',
    grpc: 'gRPC',
    tcp: 'TCP',
  },
  platform: {
    kubernetes: 'Kubernetes',
    vm: '虚拟机',
  },
};

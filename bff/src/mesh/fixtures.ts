import type { RouteTarget } from './model';

/** Services the translation tests route: shaped like the demo mesh's. */
export const reviews: RouteTarget = {
  id: 'reviews.bookinfo.svc.cluster.local',
  name: 'reviews',
  namespace: 'bookinfo',
  application: 'reviews',
  protocol: 'http',
  host: 'reviews.bookinfo.svc.cluster.local',
  versions: ['v1', 'v2', 'v3'].map((v) => ({ version: v, labels: { version: v }, readyInstances: 1 })),
};

export const echo: RouteTarget = {
  id: 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo',
  name: 'com.alibaba.dubbo.samples.echo.api.EchoService',
  namespace: 'dubbo-demo',
  application: 'echo-provider',
  protocol: 'dubbo',
  host: 'echo-provider.dubbo-demo.svc.cluster.local',
  versions: ['20191115224823305.fvxo1wbt', '20191115225115467.dfy77ofd'].map((v) => ({
    version: v,
    labels: { version: v },
    readyInstances: 2,
  })),
};

export const productcatalog: RouteTarget = {
  id: 'productcatalog.shop.svc.cluster.local',
  name: 'productcatalog',
  namespace: 'shop',
  application: 'productcatalog',
  protocol: 'grpc',
  host: 'productcatalog.shop.svc.cluster.local',
  versions: ['1.4.0', '1.5.0'].map((v) => ({
    version: v,
    labels: { 'app.kubernetes.io/version': v },
    readyInstances: 1,
  })),
};

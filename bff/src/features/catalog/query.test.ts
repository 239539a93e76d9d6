import { describe, expect, it } from 'vitest';
import type { ServiceDetail } from '../../contract/catalog';
import { indexCatalog, queryCatalog } from './query';

function service(
  id: string,
  namespace: string,
  protocol: ServiceDetail['protocol'],
  application = id,
): ServiceDetail {
  return {
    id,
    name: id,
    application,
    namespace,
    protocol,
    host: id,
    platforms: [],
    versions: [],
    instances: { total: 0, ready: 0 },
    ports: [],
    versionDetails: [],
    providers: [],
    sources: [],
  };
}

const view = indexCatalog([
  service('a.EchoService@dubbo', 'dubbo', 'dubbo', 'echo-provider'),
  service('b.GreetingService@dubbo', 'dubbo', 'dubbo', 'greeting'),
  service('reviews.bookinfo.svc.cluster.local', 'bookinfo', 'http'),
  service('ratings.bookinfo.svc.cluster.local', 'bookinfo', 'http'),
  service('checkout.shop.svc.cluster.local', 'shop', 'grpc'),
]);

const q = (over: Partial<Parameters<typeof queryCatalog>[1]>) =>
  queryCatalog(view, { page: 1, pageSize: 20, ...over });

describe('queryCatalog', () => {
  it('searches ID, name and application case-insensitively', () => {
    expect(q({ q: 'echo' }).items.map((s) => s.id)).toEqual(['a.EchoService@dubbo']);
    expect(q({ q: 'ECHO-PROV' }).total).toBe(1);
    expect(q({ q: 'bookinfo' }).total).toBe(2);
  });

  it('filters by namespace and protocol together', () => {
    expect(q({ namespace: 'dubbo', protocol: 'dubbo' }).total).toBe(2);
    expect(q({ namespace: 'bookinfo', protocol: 'dubbo' }).total).toBe(0);
    expect(q({ protocol: 'grpc' }).items.map((s) => s.id)).toEqual(['checkout.shop.svc.cluster.local']);
  });

  it('pages, counting every match', () => {
    const page2 = q({ page: 2, pageSize: 2 });
    expect(page2.total).toBe(5);
    expect(page2.items.map((s) => s.id)).toEqual([
      'reviews.bookinfo.svc.cluster.local',
      'ratings.bookinfo.svc.cluster.local',
    ]);
    expect(q({ page: 4, pageSize: 2 }).items).toEqual([]);
  });

  it('reports the facets of the whole catalog, not of the page', () => {
    expect(q({ q: 'echo' }).facets).toEqual({
      namespaces: ['bookinfo', 'dubbo', 'shop'],
      protocols: ['dubbo', 'grpc', 'http'],
    });
  });
});

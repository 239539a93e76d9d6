import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  DataPlaneMode,
  NamespaceDataPlane,
  ServiceDetail,
  ServiceListQuery,
} from '../../contract/catalog';
import { indexCatalog, queryCatalog, scopeView } from './query';

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
      namespaceDataPlanes: [],
    });
  });
});

describe('queryCatalog: sorting and the platform and health filters', () => {
  const withInstances = (
    s: ServiceDetail,
    ready: number,
    total: number,
    platforms: ServiceDetail['platforms'],
  ): ServiceDetail => ({ ...s, instances: { ready, total }, platforms });
  const mixed = indexCatalog([
    withInstances(service('a.shop', 'shop', 'http', 'zeta'), 2, 2, ['kubernetes']),
    withInstances(service('b.shop', 'shop', 'grpc', 'alpha'), 1, 3, ['kubernetes', 'vm']),
    withInstances(service('c.shop', 'shop', 'http', 'mid'), 0, 1, ['vm']),
  ]);
  const ids = (over: Partial<Parameters<typeof queryCatalog>[1]>) =>
    queryCatalog(mixed, { page: 1, pageSize: 20, ...over }).items.map((s) => s.id);

  it('orders by a column, either way, then by ID', () => {
    expect(ids({ sort: 'application' })).toEqual(['b.shop', 'c.shop', 'a.shop']);
    expect(ids({ sort: 'application', order: 'desc' })).toEqual(['a.shop', 'c.shop', 'b.shop']);
    expect(ids({ sort: 'instances', order: 'desc' })).toEqual(['b.shop', 'a.shop', 'c.shop']);
    expect(ids({ sort: 'health' })).toEqual(['c.shop', 'b.shop', 'a.shop']);
    expect(ids({ order: 'desc' })).toEqual(['c.shop', 'b.shop', 'a.shop']);
    // Sorted, then paged.
    expect(queryCatalog(mixed, { page: 2, pageSize: 2, sort: 'application' }).items.map((s) => s.id)).toEqual(
      ['a.shop'],
    );
  });

  it('filters by platform (Kubernetes or VM) and by health', () => {
    expect(ids({ platform: 'vm' })).toEqual(['b.shop', 'c.shop']);
    expect(ids({ platform: 'kubernetes' })).toEqual(['a.shop', 'b.shop']);
    expect(ids({ health: 'healthy' })).toEqual(['a.shop']);
    expect(ids({ health: 'degraded' })).toEqual(['b.shop']);
    expect(ids({ health: 'down', platform: 'vm' })).toEqual(['c.shop']);
  });
});

describe('queryCatalog: data planes', () => {
  const withModes = (s: ServiceDetail, modes: DataPlaneMode[]): ServiceDetail => ({
    ...s,
    dataPlane: { modes, waypoint: null },
  });
  const namespaces: NamespaceDataPlane[] = [
    { name: 'mall', dataPlane: 'ambient', waypoint: { namespace: 'mall', name: 'waypoint' } },
    { name: 'shop', dataPlane: 'sidecar', waypoint: null },
    { name: 'empty', dataPlane: 'ambient', waypoint: null },
  ];
  const meshed = indexCatalog(
    [
      withModes(service('a.mall', 'mall', 'http'), ['ambient']),
      withModes(service('b.shop', 'shop', 'http'), ['ambient', 'sidecar']),
      withModes(service('c.shop', 'shop', 'http'), ['none']),
    ],
    namespaces,
  );
  const ids = (dataPlane: DataPlaneMode) =>
    queryCatalog(meshed, { page: 1, pageSize: 20, dataPlane }).items.map((s) => s.id);

  it('filters by a data plane any instance has', () => {
    expect(ids('ambient')).toEqual(['a.mall', 'b.shop']);
    expect(ids('sidecar')).toEqual(['b.shop']);
    expect(ids('none')).toEqual(['c.shop']);
  });

  it('offers the data planes of the namespaces of the catalog, and of a scope’s own only', () => {
    expect(meshed.facets.namespaceDataPlanes?.map((n) => n.name)).toEqual(['mall', 'shop']);
    const scoped = scopeView(meshed, { all: false, namespaces: new Set(['shop']) });
    expect(scoped.facets.namespaceDataPlanes).toEqual([
      { name: 'shop', dataPlane: 'sidecar', waypoint: null },
    ]);
    expect(scoped.summaries.map((s) => s.id)).toEqual(['b.shop', 'c.shop']);
  });
});

describe('queryCatalog: any sort, order, filter and page', () => {
  /** What a page is, spelled out: the matching services sorted by the column, then ID, then cut. */
  function reference(services: ServiceDetail[], q: ServiceListQuery): string[] {
    const compare: Record<string, (a: ServiceDetail, b: ServiceDetail) => number> = {
      id: () => 0,
      application: (a, b) => a.application.localeCompare(b.application),
      namespace: (a, b) => a.namespace.localeCompare(b.namespace),
      instances: (a, b) => a.instances.total - b.instances.total || a.instances.ready - b.instances.ready,
    };
    const by = compare[q.sort ?? 'id'] as (a: ServiceDetail, b: ServiceDetail) => number;
    return services
      .filter((s) => (!q.namespace || s.namespace === q.namespace) && (!q.q || s.id.includes(q.q)))
      .sort((a, b) => {
        const c = by(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
        return q.order === 'desc' ? -c : c;
      })
      .slice((q.page - 1) * q.pageSize, q.page * q.pageSize)
      .map((s) => s.id);
  }

  it('is the page a full sort of the matching services would give', () => {
    const svc = fc
      .record({
        n: fc.nat(40),
        ns: fc.constantFrom('a', 'b', 'z'),
        app: fc.constantFrom('x', 'X', 'y', 'é'),
        total: fc.nat(3),
        ready: fc.nat(3),
      })
      .map((r) => ({
        ...service(`s${r.n}.${r.ns}`, r.ns, 'http', r.app),
        instances: { total: r.total, ready: Math.min(r.ready, r.total) },
      }));
    const query = fc.record({
      page: fc.integer({ min: 1, max: 4 }),
      pageSize: fc.integer({ min: 1, max: 10 }),
      sort: fc.constantFrom('id', 'application', 'namespace', 'instances'),
      order: fc.constantFrom('asc', 'desc'),
      namespace: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
      q: fc.option(fc.constantFrom('s1', '.a'), { nil: undefined }),
    }) as fc.Arbitrary<ServiceListQuery>;
    fc.assert(
      fc.property(
        fc.uniqueArray(svc, { selector: (s) => s.id, maxLength: 30 }),
        fc.array(query, { maxLength: 6 }),
        (list, queries) => {
          const services = list.sort((a, b) => a.id.localeCompare(b.id));
          const v = indexCatalog(services);
          for (const q of queries) {
            const page = queryCatalog(v, q);
            expect(page.items.map((s) => s.id)).toEqual(reference(services, q));
            expect(page.total).toBe(reference(services, { ...q, page: 1, pageSize: 1000 }).length);
          }
        },
      ),
    );
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { Instance } from '../contract/catalog';
import { checkMeshConfig } from './config-checks';
import type { CheckedObject, CheckedService, MeshConfigInput } from './config-checks';
import type { MeshObject } from './istio-types';

const here = path.dirname(fileURLToPath(import.meta.url));
const SAMPLES = path.resolve(here, '../testing/istio-samples/bookinfo/networking');

function sample(file: string, namespace = 'bookinfo'): MeshObject[] {
  return (yaml.loadAll(fs.readFileSync(path.join(SAMPLES, file), 'utf8')) as unknown[])
    .filter((d): d is MeshObject => typeof d === 'object' && d !== null)
    .map((d) => ({ ...d, metadata: { ...d.metadata, namespace: d.metadata.namespace ?? namespace } }));
}

function instance(
  ns: string,
  app: string,
  version: string,
  ready = true,
  extra: Record<string, string> = {},
): Instance {
  return {
    name: `${app}-${version}-0`,
    namespace: ns,
    kind: 'Pod',
    address: '10.0.0.1',
    port: 9080,
    version,
    labels: { app, version, ...extra },
    platform: 'kubernetes',
    ready,
  };
}

function service(name: string, versions: string[], ns = 'bookinfo', ready = true): CheckedService {
  const host = `${name}.${ns}.svc.cluster.local`;
  return {
    id: host,
    name,
    namespace: ns,
    host,
    providers: versions.map((v) => instance(ns, name, v, ready)),
  };
}

const CATALOG: CheckedService[] = [
  service('productpage', ['v1']),
  service('reviews', ['v1', 'v2', 'v3']),
  service('ratings', ['v1', 'v2']),
  service('details', ['v1']),
];

let second = 0;
function obj(kind: string, namespace: string, name: string, spec: Record<string, unknown>): MeshObject {
  second += 1;
  const creationTimestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString().replace('.000Z', 'Z');
  return {
    apiVersion: 'networking.istio.io/v1',
    kind,
    metadata: { name, namespace, creationTimestamp },
    spec,
  };
}
const to = (host: string, subset?: string, weight?: number) => ({
  destination: { host, ...(subset ? { subset } : {}) },
  ...(weight !== undefined ? { weight } : {}),
});

function input(objects: MeshObject[]): MeshConfigInput {
  return {
    virtualServices: objects.filter((o) => o.kind === 'VirtualService'),
    destinationRules: objects.filter((o) => o.kind === 'DestinationRule'),
    gateways: objects.filter((o) => o.kind === 'Gateway'),
    serviceEntries: objects.filter((o) => o.kind === 'ServiceEntry'),
    envoyFilters: objects.filter((o) => o.kind === 'EnvoyFilter'),
  };
}

function find(results: CheckedObject[], kind: string, name: string): CheckedObject {
  const found = results.find((r) => r.object.kind === kind && r.object.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} not in the results`);
  return found;
}
const codes = (r: CheckedObject) =>
  r.checks.map((c) => `${c.severity} ${c.code}${c.path ? ` @${c.path}` : ''}`);

describe('checks over Istio’s Bookinfo rules', () => {
  const results = checkMeshConfig(
    input([
      ...sample('destination-rule-all.yaml'),
      ...sample('virtual-service-all-v1.yaml'),
      ...sample('bookinfo-gateway.yaml'),
    ]),
    CATALOG,
  );

  it('finds nothing wrong with the routes, the gateway or the subsets that exist', () => {
    for (const name of ['productpage', 'reviews', 'ratings', 'details', 'bookinfo'])
      expect(codes(find(results, 'VirtualService', name)), name).toEqual([]);
    expect(codes(find(results, 'DestinationRule', 'reviews'))).toEqual([]);
    expect(codes(find(results, 'Gateway', 'bookinfo-gateway'))).toEqual([]);
  });

  it('flags subsets that select no instance of the catalog’s service', () => {
    expect(codes(find(results, 'DestinationRule', 'ratings'))).toEqual([
      'warning subset-selects-no-instance @spec.subsets[2]',
      'warning subset-selects-no-instance @spec.subsets[3]',
    ]);
    expect(find(results, 'DestinationRule', 'details').checks[0]?.message).toBe(
      'Subset v2 selects no instance of details.bookinfo.svc.cluster.local',
    );
  });

  it('says which services each object applies to', () => {
    const names = (r: CheckedObject) => r.services.map((s) => s.name);
    expect(names(find(results, 'VirtualService', 'reviews'))).toEqual(['reviews']);
    expect(names(find(results, 'DestinationRule', 'ratings'))).toEqual(['ratings']);
    expect(names(find(results, 'VirtualService', 'bookinfo'))).toEqual(['productpage']);
    expect(names(find(results, 'Gateway', 'bookinfo-gateway'))).toEqual(['productpage']);
  });
});

describe('checks of broken rules', () => {
  const drAll = sample('destination-rule-all.yaml');

  it('a subset that does not exist, weights of 60/30 and a gateway that does not exist', () => {
    const broken = obj('VirtualService', 'bookinfo', 'reviews', {
      hosts: ['reviews'],
      gateways: ['mesh', 'no-such-gateway'],
      http: [{ route: [to('reviews', 'v1', 60), to('reviews', 'v9', 30)] }],
    });
    const r = find(checkMeshConfig(input([...drAll, broken]), CATALOG), 'VirtualService', 'reviews');
    expect(codes(r)).toEqual([
      'error gateway-not-found @spec.gateways[1]',
      'error subset-not-found @spec.http[0].route[1]',
      'error weights-not-100 @spec.http[0]',
    ]);
    expect(r.checks.map((c) => c.message)).toEqual([
      'Gateway bookinfo/no-such-gateway does not exist; the rule does nothing there',
      'Subset v9 is not defined in any DestinationRule for reviews.bookinfo.svc.cluster.local; requests routed to it fail (503)',
      "spec.http[0]: the destinations' weights total 90, not 100; Envoy splits in proportion to them",
    ]);
  });

  it('accepts one destination without a weight, and several that total 100', () => {
    const ok = obj('VirtualService', 'bookinfo', 'reviews', {
      hosts: ['reviews'],
      http: [
        { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [to('reviews', 'v2')] },
        { route: [to('reviews', 'v1', 50), to('reviews', 'v3', 50)] },
      ],
      tcp: [{ route: [to('ratings', 'v1', 100)] }],
    });
    expect(codes(find(checkMeshConfig(input([...drAll, ok]), CATALOG), 'VirtualService', 'reviews'))).toEqual(
      [],
    );
  });

  it('a route after a catch-all is unreachable (http and tcp)', () => {
    const vs = obj('VirtualService', 'bookinfo', 'reviews', {
      hosts: ['reviews'],
      http: [
        { match: [{ uri: { prefix: '/' } }], route: [to('reviews', 'v1')] },
        { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [to('reviews', 'v2')] },
      ],
      tcp: [{ route: [to('reviews', 'v1')] }, { match: [{ port: 9080 }], route: [to('reviews', 'v2')] }],
    });
    const r = find(checkMeshConfig(input([...drAll, vs]), CATALOG), 'VirtualService', 'reviews');
    expect(codes(r)).toEqual([
      'warning unreachable-route @spec.http[1]',
      'warning unreachable-route @spec.tcp[1]',
    ]);
    expect(r.checks[0]?.message).toBe(
      'spec.http[1] is never reached: spec.http[0] before it matches every request',
    );
  });

  it('two VirtualServices on one mesh host: the newer is ignored, the older is in effect', () => {
    const older = obj('VirtualService', 'bookinfo', 'reviews', {
      hosts: ['reviews'],
      http: [{ route: [to('reviews', 'v1')] }],
    });
    const newer = obj('VirtualService', 'frontend', 'reviews-canary', {
      hosts: ['reviews.bookinfo.svc.cluster.local'],
      http: [{ route: [to('reviews.bookinfo.svc.cluster.local', 'v2')] }],
    });
    const results = checkMeshConfig(input([...drAll, newer, older]), CATALOG);
    expect(find(results, 'VirtualService', 'reviews-canary').checks).toEqual([
      {
        code: 'host-claimed-twice',
        severity: 'warning',
        message:
          'Ignored for reviews.bookinfo.svc.cluster.local in the mesh: bookinfo/reviews names the same host and is older',
      },
    ]);
    expect(find(results, 'VirtualService', 'reviews').checks).toEqual([
      {
        code: 'host-claimed-twice',
        severity: 'info',
        message:
          'In effect for reviews.bookinfo.svc.cluster.local in the mesh; frontend/reviews-canary on the same host is ignored',
      },
    ]);
  });

  it('a wildcard under an exact name is not a second claim; gateway-bound rules never compete', () => {
    const results = checkMeshConfig(
      input([
        ...drAll,
        obj('VirtualService', 'bookinfo', 'reviews', {
          hosts: ['reviews'],
          http: [{ route: [to('reviews', 'v1')] }],
        }),
        obj('VirtualService', 'bookinfo', 'all', {
          hosts: ['*.bookinfo.svc.cluster.local'],
          http: [{ route: [to('reviews')] }],
        }),
        obj('Gateway', 'bookinfo', 'edge', {}),
        obj('VirtualService', 'bookinfo', 'edge-reviews', {
          hosts: ['reviews'],
          gateways: ['edge'],
          http: [{ route: [to('reviews', 'v2')] }],
        }),
      ]),
      CATALOG,
    );
    for (const name of ['reviews', 'all', 'edge-reviews'])
      expect(codes(find(results, 'VirtualService', name)), name).toEqual([]);
  });

  it('destinations that are no service, and names Istio takes as written', () => {
    const vs = obj('VirtualService', 'frontend', 'shop', {
      hosts: ['reviews.bookinfo'],
      http: [{ route: [to('nowhere', undefined, 50), to('reviews.bookinfo', 'v1', 50)] }],
    });
    const dr = obj('DestinationRule', 'frontend', 'dotted', {
      host: 'reviews.bookinfo',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }],
    });
    const results = checkMeshConfig(input([...drAll, vs, dr]), CATALOG);
    expect(find(results, 'VirtualService', 'shop').checks.map((c) => c.message)).toEqual([
      'Istio takes reviews.bookinfo as written (it qualifies only names without a dot): the rule applies only to requests addressed to reviews.bookinfo, not to reviews.bookinfo.svc.cluster.local',
      'spec.http[0].route[0]: routes to nowhere, which is no service of the mesh and no ServiceEntry host',
      'spec.http[0].route[1]: Istio takes reviews.bookinfo as written, not as reviews.bookinfo.svc.cluster.local: no such service; write reviews or the full name',
    ]);
    expect(codes(find(results, 'DestinationRule', 'dotted'))).toEqual(['warning host-not-found @spec.host']);
  });

  it('ServiceEntry hosts are known hosts', () => {
    const results = checkMeshConfig(input(sample('egress-rule-google-apis.yaml')), CATALOG);
    for (const r of results) expect(codes(r), r.object.metadata.name).toEqual([]);
  });

  it('exportTo hiding a rule from the service’s namespace and its known callers', () => {
    const vs = obj('VirtualService', 'frontend', 'reviews-frontend', {
      hosts: ['reviews.bookinfo.svc.cluster.local'],
      exportTo: ['.'],
      http: [{ route: [to('reviews.bookinfo.svc.cluster.local', 'v1')] }],
    });
    const results = checkMeshConfig(input([...drAll, vs]), CATALOG, {
      callers: new Map([['reviews.bookinfo.svc.cluster.local', ['frontend', 'batch']]]),
    });
    expect(find(results, 'VirtualService', 'reviews-frontend').checks).toEqual([
      {
        code: 'export-hides-from-callers',
        severity: 'warning',
        message:
          'Not exported to bookinfo, batch, where callers of reviews.bookinfo.svc.cluster.local are: their requests do not use this rule',
        path: 'spec.exportTo',
      },
    ]);
  });

  it('a subset defined only where the rule’s namespace does not look', () => {
    const privateDr = obj('DestinationRule', 'bookinfo', 'reviews-private', {
      host: 'reviews',
      exportTo: ['.'],
      subsets: [{ name: 'v3', labels: { version: 'v3' } }],
    });
    const vs = obj('VirtualService', 'frontend', 'reviews-frontend', {
      hosts: ['reviews.bookinfo.svc.cluster.local'],
      http: [{ route: [to('reviews.bookinfo.svc.cluster.local', 'v3')] }],
    });
    const r = find(checkMeshConfig(input([privateDr, vs]), CATALOG), 'VirtualService', 'reviews-frontend');
    expect(r.checks.map((c) => c.message)).toEqual([
      'Subset v3 of reviews.bookinfo.svc.cluster.local is defined only in DestinationRules that sidecars in frontend do not use; requests routed to it fail (503)',
    ]);
  });

  it('a route to a subset whose instances are none ready', () => {
    const catalog = [
      ...CATALOG.filter((s) => s.name !== 'reviews'),
      service('reviews', ['v1', 'v3'], 'bookinfo', false),
    ];
    const vs = obj('VirtualService', 'bookinfo', 'reviews', {
      hosts: ['reviews'],
      http: [{ route: [to('reviews', 'v3')] }],
    });
    const results = checkMeshConfig(input([...drAll, vs]), catalog);
    expect(codes(find(results, 'VirtualService', 'reviews'))).toEqual([
      'error subset-selects-no-instance @spec.http[0].route[0]',
    ]);
    expect(codes(find(results, 'DestinationRule', 'reviews'))).toEqual([
      'warning subset-selects-no-instance @spec.subsets[0]',
      'warning subset-selects-no-instance @spec.subsets[1]',
      'warning subset-selects-no-instance @spec.subsets[2]',
    ]);
  });

  it('a subset defined twice: the later rule’s definition is ignored', () => {
    const extra = obj('DestinationRule', 'bookinfo', 'reviews-extra', {
      host: 'reviews.bookinfo.svc.cluster.local',
      subsets: [
        { name: 'v4', labels: { version: 'v3' } },
        { name: 'v1', labels: { version: 'v1', track: 'stable' } },
      ],
    });
    const results = checkMeshConfig(input([...drAll, extra]), CATALOG);
    expect(find(results, 'DestinationRule', 'reviews-extra').checks).toEqual([
      {
        code: 'duplicate-subset',
        severity: 'warning',
        message:
          'Subset v1 is also defined by bookinfo/reviews, whose definition is used (it was created first)',
        path: 'spec.subsets[1]',
      },
    ]);
    expect(codes(find(results, 'DestinationRule', 'reviews'))).toEqual([]);
  });

  it('an EnvoyFilter applies to the services whose instances its selector picks', () => {
    const ef = obj('EnvoyFilter', 'bookinfo', 'reviews-limit', {
      workloadSelector: { labels: { app: 'reviews' } },
    });
    const rootEf = obj('EnvoyFilter', 'istio-system', 'all-v1', {
      workloadSelector: { labels: { version: 'v1' } },
    });
    const results = checkMeshConfig(input([ef, rootEf]), CATALOG);
    expect(find(results, 'EnvoyFilter', 'reviews-limit').services.map((s) => s.name)).toEqual(['reviews']);
    expect(find(results, 'EnvoyFilter', 'all-v1').services.map((s) => s.name)).toEqual([
      'productpage',
      'reviews',
      'ratings',
      'details',
    ]);
  });
});

/**
 * Test support: Bookinfo's registry as Istio's platform/kube/bookinfo.yaml (plus the versions file)
 * deploys it, Istio's sample manifests, and request builders.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import type { MeshConfig, MeshEndpoint, MeshService, RawObject, RequestContext } from './types';

/** The project's committed copy of Istio's samples, kept identical to ../shared (api/istio-samples.test.ts). */
const SAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../testing/istio-samples/bookinfo/networking',
);

const endpoint = (app: string, version: string, i = 0): MeshEndpoint => ({
  name: `${app}-${version}-${i}`,
  labels: { app, version },
  ready: true,
});

export function service(
  name: string,
  namespace: string,
  versions: string[],
  extra: Partial<MeshService> = {},
): MeshService {
  return {
    host: `${name}.${namespace}.svc.cluster.local`,
    namespace,
    name,
    ports: [{ port: 9080, name: 'http', protocol: 'http' }],
    endpoints: versions.map((v) => endpoint(name, v)),
    ...extra,
  };
}

/** productpage v1, details v1, reviews v1–v3, ratings v1 in `default` (bookinfo.yaml). */
export const bookinfoServices = (namespace = 'default'): MeshService[] => [
  service('productpage', namespace, ['v1']),
  service('details', namespace, ['v1']),
  service('reviews', namespace, ['v1', 'v2', 'v3']),
  service('ratings', namespace, ['v1']),
];

let clock = Date.parse('2026-01-01T00:00:00Z');

/** Objects of a YAML file, in `namespace` unless they name one, each a second younger than the last. */
export function objectsOf(text: string, namespace = 'default'): RawObject[] {
  return yaml
    .loadAll(text)
    .filter((d): d is RawObject => typeof d === 'object' && d !== null && 'kind' in d)
    .map((o) => {
      clock += 1000;
      return {
        ...o,
        metadata: {
          ...o.metadata,
          namespace: o.metadata.namespace ?? namespace,
          creationTimestamp: o.metadata.creationTimestamp ?? new Date(clock).toISOString(),
        },
      };
    });
}

export const sample = (file: string, namespace = 'default') =>
  objectsOf(readFileSync(`${SAMPLES}/${file}`, 'utf8'), namespace);

export function config(objects: RawObject[], services: MeshService[] = bookinfoServices()): MeshConfig {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    virtualServices: of('VirtualService'),
    destinationRules: of('DestinationRule'),
    gateways: of('Gateway'),
    httpRoutes: of('HTTPRoute'),
    services,
    rootNamespace: 'istio-system',
  };
}

/** A request from a sidecar: productpage v1 in `default` unless told otherwise. */
export function meshRequest(host: string, over: Partial<RequestContext> = {}): RequestContext {
  return {
    at: { kind: 'mesh' },
    sourceNamespace: 'default',
    sourceLabels: { app: 'productpage', version: 'v1' },
    host,
    port: 9080,
    protocol: 'http',
    method: 'GET',
    path: '/',
    headers: {},
    ...over,
  };
}

/** A request entering at Istio's default ingress gateway (istio-system, istio=ingressgateway, port 8080). */
export function ingressRequest(
  host: string,
  path: string,
  over: Partial<RequestContext> = {},
): RequestContext {
  return {
    at: {
      kind: 'gateway',
      workloadNamespace: 'istio-system',
      workloadLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    },
    sourceNamespace: 'istio-system',
    sourceLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    host,
    port: 8080,
    protocol: 'http',
    method: 'GET',
    path,
    headers: {},
    ...over,
  };
}

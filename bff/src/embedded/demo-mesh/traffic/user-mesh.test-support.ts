import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { staticCatalog } from '../../../features/catalog/catalog';
import type { CatalogSource } from '../../../features/catalog/catalog';
import type { V1Pod, V1Service } from '../../../features/catalog/kube-types';
import { buildCatalog } from '../../../features/catalog/registry';
import { ISTIO_METRICS } from '../../../features/monitoring/istio-metrics';
import type { RawObject } from './istio/types';
import type { RuleSnapshot } from './rules';
import { parseExposition } from './testing';
import type { ExportedSample } from './testing';

/**
 * A cluster as a user makes it by following Istio's tasks: `kubectl apply -f` of Istio's sample
 * manifests (Bookinfo from the project's committed copy of Istio's samples, kept identical to
 * ../shared by api/istio-samples.test.ts; httpbin, sleep and fortio as the tasks write them), their
 * Deployments' Pods running and ready, and the ingress gateway of the demo seed.
 */
export const SAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../testing/istio-samples',
);
export const BOOKINFO_NETWORKING = path.join(SAMPLES, 'bookinfo/networking');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** The documents of a YAML text (kubectl apply's input), in `namespace` when they name none. */
export function manifests(text: string, namespace = 'default'): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((d): d is Manifest => d !== null && typeof d === 'object')
    .map((d) => ({ ...d, metadata: { ...d.metadata, namespace: d.metadata.namespace ?? namespace } }));
}

export const sampleFile = (file: string, namespace = 'default') =>
  manifests(fs.readFileSync(file, 'utf8'), namespace);

/**
 * The Istio objects of some manifests as the control plane lists them after `kubectl apply` of each in
 * turn: a later object of the same kind, namespace and name replaces the earlier one's spec (and keeps
 * its creation time, as an update does).
 */
export function rulesOf(objects: Manifest[]): RuleSnapshot {
  const applied = new Map<string, RawObject>();
  objects.forEach((o, i) => {
    const key = `${o.kind}/${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
    const created =
      applied.get(key)?.metadata.creationTimestamp ?? new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    applied.set(key, { ...o, metadata: { ...o.metadata, creationTimestamp: created } } as RawObject);
  });
  const of = (kind: string) => [...applied.values()].filter((o) => o.kind === kind);
  return {
    virtualServices: of('VirtualService'),
    destinationRules: of('DestinationRule'),
    gateways: of('Gateway'),
    httpRoutes: of('HTTPRoute'),
  };
}

/** The Pods a Deployment's controller would run: named `<deployment>-<hash>-<id>`, ready, with addresses. */
function podsOf(d: Manifest, notReady: (pod: Record<string, string>) => boolean, index: number): V1Pod[] {
  const spec = d.spec as { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } };
  const hash = `${(index * 7919 + 1000003).toString(36).slice(-6)}d9f`;
  const labels = { ...(spec.template?.metadata?.labels ?? {}), 'pod-template-hash': hash };
  return Array.from({ length: spec.replicas ?? 1 }, (_, i) => ({
    metadata: {
      name: `${d.metadata.name}-${hash}-x${i}q7z`,
      namespace: d.metadata.namespace ?? 'default',
      labels,
    },
    spec: { containers: [{ name: 'app', image: 'sample' }] },
    status: {
      phase: 'Running',
      podIP: `10.1.${index}.${i + 1}`,
      conditions: [{ type: 'Ready', status: notReady(labels) ? 'False' : 'True' }],
    },
  }));
}

/** The ingress gateway the demo seed runs in istio-system. */
const INGRESS_GATEWAY = `
apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
  labels: { app: istio-ingressgateway, istio: ingressgateway }
spec:
  selector: { app: istio-ingressgateway, istio: ingressgateway }
  ports: [{ name: http2, port: 80, targetPort: 8080 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: istio-ingressgateway, namespace: istio-system }
spec:
  template:
    metadata:
      labels: { app: istio-ingressgateway, istio: ingressgateway }
`;

/** httpbin v1 and v2, as the mirroring task deploys them. */
export const HTTPBIN_V1_V2 = `
apiVersion: v1
kind: Service
metadata: { name: httpbin, labels: { app: httpbin } }
spec:
  ports: [{ name: http, port: 8000, targetPort: 80 }]
  selector: { app: httpbin }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: httpbin-v1 }
spec:
  replicas: 1
  template:
    metadata:
      labels: { app: httpbin, version: v1 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: httpbin-v2 }
spec:
  replicas: 1
  template:
    metadata:
      labels: { app: httpbin, version: v2 }
`;

/** The sleep client of the tasks (samples/sleep/sleep.yaml). */
export const SLEEP = `
apiVersion: v1
kind: Service
metadata: { name: sleep, labels: { app: sleep, service: sleep } }
spec:
  ports: [{ name: http, port: 80 }]
  selector: { app: sleep }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: sleep }
spec:
  replicas: 1
  template:
    metadata:
      labels: { app: sleep }
`;

/** The circuit-breaking task's fortio client (samples/httpbin/sample-client/fortio-deploy.yaml). */
export const FORTIO = `
apiVersion: v1
kind: Service
metadata: { name: fortio, labels: { app: fortio, service: fortio } }
spec:
  ports: [{ name: http, port: 8080 }]
  selector: { app: fortio }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: fortio-deploy }
spec:
  replicas: 1
  template:
    metadata:
      labels: { app: fortio }
`;

/** tcp-echo v1 and v2, as the TCP traffic-shifting task deploys them (samples/tcp-echo/tcp-echo-services.yaml). */
export const TCP_ECHO = `
apiVersion: v1
kind: Service
metadata: { name: tcp-echo, labels: { app: tcp-echo, service: tcp-echo } }
spec:
  ports: [{ name: tcp, port: 9000 }, { name: tcp-other, port: 9001 }]
  selector: { app: tcp-echo }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: tcp-echo-v1 }
spec:
  template:
    metadata:
      labels: { app: tcp-echo, version: v1 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: tcp-echo-v2 }
spec:
  template:
    metadata:
      labels: { app: tcp-echo, version: v2 }
`;

/** A catalog of the user's objects plus the demo's ingress gateway; `notReady` picks Pods that are not ready. */
export function userCatalog(
  objects: Manifest[],
  notReady: (labels: Record<string, string>) => boolean = () => false,
): CatalogSource {
  const all = [...objects, ...manifests(INGRESS_GATEWAY, 'istio-system')];
  const services = all.filter((o) => o.kind === 'Service') as unknown as V1Service[];
  const pods = all.filter((o) => o.kind === 'Deployment').flatMap((d, i) => podsOf(d, notReady, i + 1));
  return staticCatalog(buildCatalog({ services, pods, serviceEntries: [], workloadEntries: [] }));
}

/** Istio's request counter, summed over the series that match every given label. */
export function requests(samples: readonly ExportedSample[], labels: Record<string, string>): number {
  return sum(samples, ISTIO_METRICS.requests, labels);
}

export function sum(
  samples: readonly ExportedSample[],
  name: string,
  labels: Record<string, string>,
): number {
  let total = 0;
  for (const x of samples) {
    if (x.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => x.labels[k] === v)) total += x.value;
  }
  return total;
}

/** A scrape of the exporter, parsed. */
export async function scrape(
  exporter: { metrics(): Promise<{ body: string }> } | null,
): Promise<ExportedSample[]> {
  return parseExposition((await exporter?.metrics())?.body ?? '');
}

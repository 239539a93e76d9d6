import type { RouteFormInput } from '../../../contract/routing';
import { RouteForm } from '../../../contract/routing';
import { staticCatalog } from '../../../features/catalog/catalog';
import type { CatalogSource } from '../../../features/catalog/catalog';
import type { ServiceEntry, V1Pod, V1Service, WorkloadEntry } from '../../../features/catalog/kube-types';
import { buildCatalog } from '../../../features/catalog/registry';
import { routeTarget } from '../../../features/routing/target';
import type { MeshObject } from '../../../mesh/istio-types';
import type { RpcDialect } from '../../../mesh/model';
import { planRoute } from '../../../mesh/plan';
import { DEMO_APPS } from '../mesh';
import type { DemoApp } from '../mesh';
import { demoObjects } from '../seed';
import { IstioExporter } from './exporter';
import type { RawObject } from './istio/types';
import type { AdmissionPolicy } from './pipeline';
import { StaticRules } from './rules';
import type { RuleSnapshot } from './rules';
import { TrafficSimulator } from './simulator';
import type { SimulatorOptions } from './simulator';
import { TrafficStore } from './store';
import type { Tier } from './store';

/** The demo mesh's catalog, built from the objects the seed writes (no control plane needed). */
export function demoCatalog(): CatalogSource {
  const objects = demoObjects(new Date(0));
  const of = <T>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
  return staticCatalog(
    buildCatalog({
      services: of<V1Service>('Service'),
      pods: of<V1Pod>('Pod'),
      serviceEntries: of<ServiceEntry>('ServiceEntry'),
      workloadEntries: of<WorkloadEntry>('WorkloadEntry'),
    }),
  );
}

/**
 * The objects the console itself writes for a routing form (planRoute, the production translation),
 * so tests route the simulated traffic with exactly what an operator's apply would produce.
 */
export function rulesFor(
  catalog: CatalogSource,
  serviceId: string,
  form: RouteFormInput,
  dialect: RpcDialect = 'istio',
): RuleSnapshot {
  const service = catalog.get(serviceId);
  if (!service) throw new Error(`no service ${serviceId}`);
  const plan = planRoute(
    RouteForm.parse(form),
    routeTarget(service),
    { otherRoutes: [] },
    { dialect, istioVersion: 'v1' },
  );
  const objects = plan.writes.map((w, i) => ({
    ...w.object,
    metadata: { ...w.object.metadata, creationTimestamp: new Date(i * 1000).toISOString() },
  })) as MeshObject[] as RawObject[];
  return {
    virtualServices: objects.filter((o) => o.kind === 'VirtualService'),
    destinationRules: objects.filter((o) => o.kind === 'DestinationRule'),
    gateways: [],
    httpRoutes: [],
  };
}

/**
 * What the simulator's rule source lists for the demo mesh as seeded: its Namespaces and Services
 * (their ambient labels), the waypoint Gateway and catalog's HTTPRoute, its Pods and WorkloadEntries
 * (their service accounts); no PeerAuthentication or AuthorizationPolicy. Tests that build their own
 * StaticRules spread it in to have the demo's ambient corner behave as it does live.
 */
export function demoRuleSnapshot(): RuleSnapshot {
  const objects = demoObjects(new Date(0)).map((o, i) => ({
    ...o,
    metadata: { ...o.metadata, creationTimestamp: new Date(i * 1000).toISOString() },
  })) as RawObject[];
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    virtualServices: [],
    destinationRules: [],
    gateways: of('Gateway'),
    httpRoutes: of('HTTPRoute'),
    namespaces: of('Namespace'),
    services: of('Service'),
    // The workloads' identities: the Pods' and WorkloadEntries' service accounts.
    pods: of('Pod'),
    workloadEntries: of('WorkloadEntry'),
    // The Deployments and, as the control plane's Deployment controller makes them, their ReplicaSets
    // (`<deployment>-<pod-template-hash>`, owned by the Deployment): a Pod's way to its Deployment.
    deployments: of('Deployment'),
    replicaSets: replicaSetsOf(of('Deployment'), of('Pod')),
  };
}

function replicaSetsOf(deployments: readonly RawObject[], pods: readonly RawObject[]): RawObject[] {
  const out = new Map<string, RawObject>();
  for (const pod of pods) {
    const hash = pod.metadata.labels?.['pod-template-hash'];
    if (hash === undefined) continue;
    const d = deployments.find(
      (x) =>
        x.metadata.namespace === pod.metadata.namespace &&
        pod.metadata.name.startsWith(`${x.metadata.name}-${hash}-`),
    );
    if (!d) continue;
    const name = `${d.metadata.name}-${hash}`;
    out.set(`${pod.metadata.namespace}/${name}`, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels: pod.metadata.labels,
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, controller: true },
        ],
      } as RawObject['metadata'],
    });
  }
  return [...out.values()];
}

const T0 = Date.UTC(2019, 10, 15, 14, 52, 48);

/** A simulator on the demo catalog with a fake clock: `advance(seconds)` ticks once per second. */
export function simulation(
  options: {
    dialect?: RpcDialect;
    seed?: number;
    exporter?: boolean;
    admission?: AdmissionPolicy;
    apps?: readonly DemoApp[];
    catalog?: CatalogSource;
    tiers?: readonly Tier[];
    characters?: SimulatorOptions['characters'];
    decide?: SimulatorOptions['decide'];
    log?: SimulatorOptions['log'];
  } = {},
) {
  const catalog = options.catalog ?? demoCatalog();
  const store = new TrafficStore(options.tiers);
  const rules = new StaticRules(demoRuleSnapshot());
  const exporter = options.exporter ? new IstioExporter() : null;
  let now = T0;
  const sim = new TrafficSimulator({
    apps: options.apps ?? DEMO_APPS,
    catalog,
    rules,
    dialect: options.dialect ?? 'istio',
    store,
    exporter,
    seed: options.seed ?? 7,
    clock: () => now,
    ...(options.admission ? { admission: options.admission } : {}),
    ...(options.characters ? { characters: options.characters } : {}),
    ...(options.decide ? { decide: options.decide } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  sim.tick(now);
  return {
    catalog,
    store,
    rules,
    exporter,
    sim,
    now: () => now,
    advance(seconds: number) {
      for (let i = 0; i < seconds; i++) {
        now += 1000;
        sim.tick(now);
      }
    },
  };
}

export interface ExportedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus's text format (what a scrape reads) into samples. */
export function parseExposition(text: string): ExportedSample[] {
  const out: ExportedSample[] = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const l of text.split('\n')) {
    if (l === '' || l.startsWith('#')) continue;
    const m = line.exec(l);
    if (!m) throw new Error(`not an exposition line: ${l}`);
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? '').matchAll(label)) {
      labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

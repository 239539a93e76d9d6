import type { Protocol, ServiceDetail } from '../../../contract/catalog';
import type { MeshConfig, MeshEndpoint, MeshService, RawObject } from './istio/types';
import type { RuleSnapshot } from './rules';

/** The mesh's root namespace: its rules are the fallbacks of every namespace. */
export const ROOT_NAMESPACE = 'istio-system';

const ISTIO_GROUP = 'networking.istio.io/';

/**
 * How a port's protocol reaches the routing engine. The demo's RPC ports (Dubbo, SOFARPC) are
 * routed by HTTP-style rules, as a protocol-aware proxy (Aeraki, MOSN) does for them; plain TCP
 * ports take TCP routes.
 */
const PORT_PROTOCOL: Record<Protocol, MeshService['ports'][number]['protocol']> = {
  http: 'http',
  http2: 'http',
  springcloud: 'http',
  grpc: 'grpc',
  dubbo: 'http',
  sofarpc: 'http',
  tcp: 'tcp',
};

/**
 * The registry the engine routes over, from the catalog: one MeshService per host (RPC interfaces
 * of one application share its host), its ports, and its endpoints (Pods and WorkloadEntries, with
 * their labels and readiness).
 */
function meshServices(services: readonly ServiceDetail[]): MeshService[] {
  const byHost = new Map<string, { service: MeshService; endpoints: Map<string, MeshEndpoint> }>();
  for (const svc of services) {
    let entry = byHost.get(svc.host);
    if (!entry) {
      const k8s = svc.sources.find((s) => s.kind === 'Service');
      entry = {
        service: {
          host: svc.host,
          namespace: k8s?.namespace ?? svc.namespace,
          name: k8s?.name ?? svc.host.split('.')[0] ?? svc.host,
          ports: [],
          endpoints: [],
        },
        endpoints: new Map(),
      };
      byHost.set(svc.host, entry);
    }
    for (const p of svc.ports) {
      if (!entry.service.ports.some((q) => q.port === p.port))
        entry.service.ports.push({ port: p.port, name: p.name, protocol: PORT_PROTOCOL[p.protocol] });
    }
    for (const inst of svc.providers) {
      if (!entry.endpoints.has(inst.name))
        entry.endpoints.set(inst.name, { name: inst.name, labels: inst.labels, ready: inst.ready });
    }
  }
  return [...byHost.values()].map(({ service, endpoints }) => ({
    ...service,
    endpoints: [...endpoints.values()],
  }));
}

/** Everything the engine decides from: Istio's own kinds (not Dubbo's rules), Gateway API routes, the registry. */
export function meshConfig(rules: RuleSnapshot, services: readonly ServiceDetail[]): MeshConfig {
  const istio = (list: readonly RawObject[]) => list.filter((o) => o.apiVersion.startsWith(ISTIO_GROUP));
  return {
    virtualServices: istio(rules.virtualServices),
    destinationRules: istio(rules.destinationRules),
    gateways: istio(rules.gateways),
    httpRoutes: rules.httpRoutes,
    services: meshServices(services),
    rootNamespace: ROOT_NAMESPACE,
  };
}

const SECURITY_GROUP = 'security.istio.io/';

/** What the zero-trust judge (istio/security.ts) reads, from the same snapshot. */
export interface SecurityConfig {
  peerAuthentications: readonly RawObject[];
  authorizationPolicies: readonly RawObject[];
  rootNamespace: string;
  /** The service account of each Pod and WorkloadEntry, by `namespace/name`. */
  serviceAccounts: ReadonlyMap<string, string>;
}

/** Kubernetes' own: a Pod that names no service account runs as its namespace's `default`. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

export function securityConfig(rules: RuleSnapshot): SecurityConfig {
  const security = (list: readonly RawObject[] | undefined) =>
    (list ?? []).filter((o) => o.apiVersion.startsWith(SECURITY_GROUP));
  const serviceAccounts = new Map<string, string>();
  const add = (o: RawObject, sa: unknown) =>
    serviceAccounts.set(
      `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`,
      typeof sa === 'string' && sa !== '' ? sa : DEFAULT_SERVICE_ACCOUNT,
    );
  for (const pod of rules.pods ?? []) {
    const spec = (pod.spec ?? {}) as { serviceAccountName?: unknown; serviceAccount?: unknown };
    add(pod, spec.serviceAccountName ?? spec.serviceAccount);
  }
  for (const we of rules.workloadEntries ?? [])
    add(we, ((we.spec ?? {}) as { serviceAccount?: unknown }).serviceAccount);
  return {
    peerAuthentications: security(rules.peerAuthentications),
    authorizationPolicies: security(rules.authorizationPolicies),
    rootNamespace: ROOT_NAMESPACE,
    serviceAccounts,
  };
}

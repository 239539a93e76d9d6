import { z } from 'zod';
import { MAX_PAGE_SIZE, SERVICE_SORT_KEYS } from './catalog-values';

/**
 * The console's service type. Wire protocols as Istio names them (http, http2, grpc, tcp), the RPC
 * protocols the mesh proxies (dubbo, sofarpc), and Spring Cloud, which is HTTP on the wire but is
 * governed by application, as its registry does.
 */
export const Protocol = z.enum(['http', 'http2', 'grpc', 'dubbo', 'sofarpc', 'springcloud', 'tcp']);
export type Protocol = z.infer<typeof Protocol>;

export const Platform = z.enum(['kubernetes', 'vm']);
export type Platform = z.infer<typeof Platform>;

/**
 * How a workload is in the mesh (Istio's data plane modes): an Envoy sidecar in the Pod (or on the
 * VM), ambient (the node's ztunnel, `istio.io/dataplane-mode=ambient` on the Pod or its Namespace),
 * or neither. A Pod with a sidecar is sidecar even in an ambient namespace: the sidecar takes
 * precedence over ztunnel.
 */
export const DataPlaneMode = z.enum(['sidecar', 'ambient', 'none']);
export type DataPlaneMode = z.infer<typeof DataPlaneMode>;

export const WaypointRef = z
  .object({ namespace: z.string(), name: z.string() })
  .describe('A waypoint: a Gateway API Gateway of class istio-waypoint')
  .meta({ id: 'WaypointRef' });
export type WaypointRef = z.infer<typeof WaypointRef>;

export const ServiceDataPlane = z
  .object({
    modes: z
      .array(DataPlaneMode)
      .describe("The data planes of the service's instances, each once, in alphabetical order"),
    waypoint: WaypointRef.nullable().describe(
      "The waypoint the service's traffic goes through: `istio.io/use-waypoint` on the Service (or ServiceEntry), else on its Namespace (`istio.io/use-waypoint-namespace` for another namespace's); null without one or when the Service opts out with `none`",
    ),
    waypointMissing: z
      .boolean()
      .optional()
      .describe(
        'Set when a waypoint is named and the control plane was read: true when no such waypoint Gateway exists',
      ),
  })
  .meta({ id: 'ServiceDataPlane' });
export type ServiceDataPlane = z.infer<typeof ServiceDataPlane>;

export const NamespaceDataPlane = z
  .object({
    name: z.string(),
    dataPlane: DataPlaneMode.describe(
      'ambient when labelled istio.io/dataplane-mode=ambient; sidecar when labelled istio-injection=enabled or istio.io/rev; none otherwise',
    ),
    waypoint: WaypointRef.nullable().describe(
      "The namespace's waypoint (`istio.io/use-waypoint` on the Namespace)",
    ),
    waypointMissing: z.boolean().optional().describe('True when the waypoint named has no Gateway'),
  })
  .meta({ id: 'NamespaceDataPlane' });
export type NamespaceDataPlane = z.infer<typeof NamespaceDataPlane>;

export const Instance = z
  .object({
    name: z.string().describe('Pod or WorkloadEntry name (for inline ServiceEntry endpoints, the address)'),
    namespace: z.string(),
    kind: z.enum(['Pod', 'WorkloadEntry', 'ServiceEntryEndpoint']),
    address: z.string().describe('IP address or host name; empty while a Pod has none yet'),
    port: z.number().int().nullable(),
    version: z
      .string()
      .nullable()
      .describe('From the version, app.kubernetes.io/version or canonical-revision label'),
    labels: z.record(z.string(), z.string()),
    platform: Platform,
    ready: z.boolean(),
    dataPlane: DataPlaneMode.optional().describe(
      "The Pod's data plane (a VM's is its sidecar; an endpoint of a MESH_EXTERNAL ServiceEntry has none); the BFF always sends it",
    ),
  })
  .meta({ id: 'Instance' });
export type Instance = z.infer<typeof Instance>;

export const ServicePort = z.object({
  name: z.string(),
  port: z.number().int(),
  protocol: Protocol,
});
export type ServicePort = z.infer<typeof ServicePort>;

export const ServiceSource = z.object({
  kind: z.enum(['Service', 'ServiceEntry']),
  namespace: z.string(),
  name: z.string(),
});
export type ServiceSource = z.infer<typeof ServiceSource>;

const ServiceConflict = z
  .object({
    namespaces: z
      .array(z.string())
      .describe('The namespaces whose objects define this service ID (two or more), sorted'),
  })
  .describe(
    'The service ID (an RPC interface or a VM host) is defined in several namespaces: it belongs to none of them until the conflict is resolved, and only an admin may change it',
  )
  .meta({ id: 'ServiceConflict' });
type ServiceConflict = z.infer<typeof ServiceConflict>;

export const ServiceSummary = z
  .object({
    id: z
      .string()
      .describe(
        'The service ID: `interface@protocol` for RPC services (com.alibaba.dubbo.samples.echo.api.EchoService@dubbo), the mesh host for HTTP/gRPC ones (reviews.bookinfo.svc.cluster.local)',
      ),
    name: z
      .string()
      .describe('The interface for RPC services, the Kubernetes or ServiceEntry name otherwise'),
    application: z.string(),
    namespace: z
      .string()
      .describe(
        "The namespace that owns the service: the one a Kubernetes Service's host names, else the one namespace defining it; empty while in conflict",
      ),
    conflict: ServiceConflict.nullable()
      .optional()
      .describe(
        'Set when the service ID is claimed by several namespaces; null (the BFF always sends it) when not',
      ),
    protocol: Protocol,
    host: z.string().describe('The mesh host that routing rules name'),
    platforms: z.array(Platform),
    versions: z.array(z.string()),
    instances: z.object({ total: z.number().int(), ready: z.number().int() }),
    dataPlane: ServiceDataPlane.optional().describe(
      'The data planes of its instances and its waypoint; the BFF always sends it',
    ),
  })
  .meta({ id: 'ServiceSummary' });
export type ServiceSummary = z.infer<typeof ServiceSummary>;

export const VersionSummary = z.object({
  version: z.string().nullable(),
  label: z
    .string()
    .nullable()
    .optional()
    .describe(
      'The label the version is read from: version, app.kubernetes.io/version, … or, for pods without one, pod-template-hash (the pods of one rollout)',
    ),
  instances: z.number().int(),
  ready: z.number().int(),
  platforms: z.array(Platform),
});
export type VersionSummary = z.infer<typeof VersionSummary>;

export const ServiceDetail = ServiceSummary.extend({
  ports: z.array(ServicePort),
  versionDetails: z.array(VersionSummary),
  providers: z.array(Instance),
  sources: z.array(ServiceSource).describe('The Kubernetes objects this service is read from'),
}).meta({ id: 'ServiceDetail' });
export type ServiceDetail = z.infer<typeof ServiceDetail>;

/** A service's health from its instances: all ready, some ready, none ready (or none at all). */
const SERVICE_HEALTH = ['healthy', 'degraded', 'down'] as const;
export type ServiceHealth = (typeof SERVICE_HEALTH)[number];

export type ServiceSortKey = (typeof SERVICE_SORT_KEYS)[number];

/** The health of a service, from the readiness of its instances. */
export function serviceHealth(instances: { ready: number; total: number }): ServiceHealth {
  if (instances.total > 0 && instances.ready === instances.total) return 'healthy';
  return instances.ready > 0 ? 'degraded' : 'down';
}

export const ServiceListQuery = z.object({
  q: z
    .string()
    .trim()
    .max(253)
    .optional()
    .describe('Matches service ID, name or application, case-insensitively'),
  namespace: z
    .string()
    .max(63)
    .optional()
    .describe('Services owned by this namespace, or in conflict with this namespace among the claimants'),
  protocol: Protocol.optional(),
  platform: Platform.optional().describe('Services with instances on this platform (Kubernetes Pods or VMs)'),
  health: z
    .enum(SERVICE_HEALTH)
    .optional()
    .describe('Services of this health: every instance ready, some, none (or no instances)'),
  dataPlane: DataPlaneMode.optional().describe(
    'Services with an instance of this data plane (sidecar, ambient, or none: outside the mesh)',
  ),
  sort: z
    .enum(SERVICE_SORT_KEYS)
    .optional()
    .describe('The column the list is ordered by, then by ID (default: ID)'),
  order: z.enum(['asc', 'desc']).optional().describe('Ascending (the default) or descending'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
});
export type ServiceListQuery = z.infer<typeof ServiceListQuery>;

export const ServiceListResponse = z
  .object({
    items: z.array(ServiceSummary),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
    facets: z
      .object({
        namespaces: z.array(z.string()),
        protocols: z.array(Protocol),
        namespaceDataPlanes: z
          .array(NamespaceDataPlane)
          .optional()
          .describe(
            'The data plane and waypoint of each of those namespaces the control plane has a Namespace for; the BFF always sends it',
          ),
      })
      .describe('Every namespace and protocol in the catalog, for filter controls'),
  })
  .meta({ id: 'ServiceList' });
export type ServiceListResponse = z.infer<typeof ServiceListResponse>;

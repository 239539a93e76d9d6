import { z } from 'zod';
import { Platform, Protocol } from './catalog';
import { MonitoringWindow, TelemetrySourceKind } from './monitoring';

/**
 * The service topology (查看服务拓扑关系): who calls whom, built from Istio's standard metrics
 * (measured where requests arrive) joined with the catalog, which knows every service, its protocol,
 * platforms and versions, whether or not it has traffic.
 *
 * Graph types, as Kiali names them:
 *  - `app`: a node per application (all its versions and services together);
 *  - `versionedApp`: a node per version of an application, grouped under the application, with the
 *    services they provide in between: caller → service → version, the last edge carrying the share of
 *    the service's traffic that version got;
 *  - `service`: a node per service; a caller is shown as its application.
 */
export const GRAPH_TYPES = ['versionedApp', 'app', 'service'] as const;
export const GraphType = z
  .enum(GRAPH_TYPES)
  .describe('How nodes are drawn: per application, per version, per service');
export type GraphType = z.infer<typeof GraphType>;

export const TopologyQuery = z.object({
  namespace: z
    .string()
    .max(63)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'Not a namespace name')
    .optional()
    .describe('Only nodes in this namespace and the nodes they exchange traffic with'),
  graphType: GraphType.default('versionedApp'),
  window: MonitoringWindow.default('5m'),
});
export type TopologyQuery = z.infer<typeof TopologyQuery>;

/**
 * Health by error rate, with Kiali's default thresholds: any 5xx (or a request that got no response)
 * makes a node or edge degraded and 10% failing; 4xx count from 10% (degraded) and 20% (failing).
 * `none`: no requests to judge by.
 */
export const Health = z.enum(['healthy', 'degraded', 'failing', 'none']);
export type Health = z.infer<typeof Health>;

const nullableNumber = z.number().nullable();

export const LinkTraffic = z
  .object({
    requestsPerMinute: z.number(),
    errorRate: nullableNumber.describe(
      'Share answered with 4xx, 5xx or no response, 0..1; null without requests',
    ),
    serverErrorRate: nullableNumber.describe('Share answered with 5xx or no response, 0..1'),
    clientErrorRate: nullableNumber.describe('Share answered with 4xx, 0..1'),
  })
  .meta({ id: 'LinkTraffic' });
export type LinkTraffic = z.infer<typeof LinkTraffic>;

export const TcpTraffic = z
  .object({
    sentBytesPerSecond: z.number().describe('Bytes the destination sent back (istio_tcp_sent_bytes_total)'),
    receivedBytesPerSecond: z
      .number()
      .describe('Bytes the destination received (istio_tcp_received_bytes_total)'),
    connectionsOpenedPerSecond: z.number().describe('istio_tcp_connections_opened_total, per second'),
  })
  .describe(
    "L4 (TCP) traffic, counted where connections arrive: the destination's sidecar or, in ambient mode, ztunnel on its node",
  )
  .meta({ id: 'TcpTraffic' });
export type TcpTraffic = z.infer<typeof TcpTraffic>;

/**
 * What an edge's traffic was seen as: `l7` requests (counted by the destination's sidecar or, in
 * ambient mode, its waypoint; it may carry L4 figures too), `l4` connections only (a TCP service, or an
 * ambient service without a waypoint, which ztunnel sees only as connections and bytes).
 */
const EDGE_LAYERS = ['l7', 'l4'] as const;
const EdgeLayer = z.enum(EDGE_LAYERS);

/**
 * How an edge's requests reached their destination, from Istio's `connection_security_policy` where
 * they arrived: `mutual_tls` (at least 99% of the requests over mutual TLS), `none` (plaintext: under 1%),
 * `mixed` (both seen: a PERMISSIVE port taking some callers in plaintext, or a change under way). The
 * 1% on either side absorbs the few requests a caller's own sidecar answered (a fault, an overflow),
 * which arrived nowhere and so were secured by nothing. Null where nothing says: no requests in the
 * window, an `l4` edge (connections alone carry no request labels here), or a service → version edge
 * (the same requests as its callers' edges, which carry the lock).
 */
const EDGE_SECURITIES = ['mutual_tls', 'none', 'mixed'] as const;
export const EdgeSecurity = z.enum(EDGE_SECURITIES);
export type EdgeSecurity = z.infer<typeof EdgeSecurity>;
/** Of an edge's requests, the share over mutual TLS at or above which it is `mutual_tls` (below 1 − this: `none`). */
export const MTLS_EDGE_THRESHOLD = 0.99;

const NODE_KINDS = ['app', 'version', 'service'] as const;

export const TopologyNode = z
  .object({
    id: z.string(),
    kind: z.enum(NODE_KINDS),
    name: z.string().describe('What the graph labels the node with'),
    namespace: z.string(),
    application: z.string(),
    version: z.string().nullable(),
    parent: z.string().nullable().describe('For a version node: the group of its application'),
    services: z.array(z.string()).describe('Catalog IDs of the services the node provides or is'),
    protocol: Protocol.nullable().describe('The protocol of its services, when they share one'),
    platforms: z
      .array(Platform)
      .describe('Kubernetes, VM or both; empty for a node the catalog does not know'),
    inCatalog: z
      .boolean()
      .describe('False for callers only telemetry knows (the ingress gateway, outside callers)'),
    inbound: LinkTraffic.describe('Requests the node received'),
    inboundTcp: TcpTraffic.nullable().describe('L4 traffic the node received; null without connections'),
    outboundRequestsPerMinute: z.number(),
    p95Ms: nullableNumber.describe('95th percentile of the response time of requests to the node, ms'),
    health: Health,
  })
  .meta({ id: 'TopologyNode' });
export type TopologyNode = z.infer<typeof TopologyNode>;

export const TopologyEdge = z
  .object({
    id: z.string(),
    source: z.string(),
    target: z.string(),
    traffic: LinkTraffic,
    layer: EdgeLayer.describe(
      '`l7`: requests (from a sidecar or a waypoint); `l4`: connections only (a TCP service, or ambient without a waypoint)',
    ),
    tcp: TcpTraffic.nullable().describe('L4 traffic along the edge; null without connections'),
    p95Ms: nullableNumber.describe('95th percentile of the response time, ms'),
    share: nullableNumber.describe(
      "From a service to one of its versions: that version's share of the service's requests (of its connections, for an `l4` edge), 0..1",
    ),
    health: Health,
    security: EdgeSecurity.nullable().describe(
      '`mutual_tls`: the requests arrived over mutual TLS (at least 99% of them); `none`: in plaintext (under 1% over mTLS); `mixed`: both. Null without requests, on `l4` edges and on service → version edges',
    ),
  })
  .meta({ id: 'TopologyEdge' });
export type TopologyEdge = z.infer<typeof TopologyEdge>;

export const TopologyGroup = z
  .object({
    id: z.string(),
    namespace: z.string(),
    application: z.string(),
  })
  .describe('An application whose versions are drawn inside it (versionedApp)')
  .meta({ id: 'TopologyGroup' });
export type TopologyGroup = z.infer<typeof TopologyGroup>;

export const TopologyGraph = z
  .object({
    graphType: GraphType,
    window: MonitoringWindow,
    namespace: z.string().nullable(),
    updatedAt: z.iso.datetime(),
    source: TelemetrySourceKind,
    namespaces: z.array(z.string()).describe('Every namespace with a node, for the filter'),
    groups: z.array(TopologyGroup),
    nodes: z.array(TopologyNode),
    edges: z.array(TopologyEdge),
  })
  .meta({ id: 'TopologyGraph' });
export type TopologyGraph = z.infer<typeof TopologyGraph>;

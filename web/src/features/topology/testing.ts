import { ECHO_ID } from '../../test/fixtures';
import type { TopologyGraph, TopologyNode } from './contract';

/** An application node of dubbo-demo with `rpm` requests a minute, `errorRate` of them failing. */
function topologyNode(application: string, services: string[], rpm: number, errorRate = 0): TopologyNode {
  return {
    id: `app:dubbo-demo/${application}`,
    kind: 'app',
    name: application,
    namespace: 'dubbo-demo',
    application,
    version: null,
    parent: null,
    services,
    protocol: 'dubbo',
    platforms: ['vm', 'kubernetes'],
    inCatalog: true,
    inbound: {
      requestsPerMinute: rpm,
      errorRate,
      serverErrorRate: errorRate / 2,
      clientErrorRate: errorRate / 2,
    },
    inboundTcp: null,
    outboundRequestsPerMinute: 0,
    p95Ms: 12,
    health: rpm === 0 ? 'none' : errorRate > 0 ? 'degraded' : 'healthy',
  };
}

/** echo-consumer calling echo-provider at 120 requests a minute (`errorRate` of them failing). */
export function echoGraph(errorRate = 0): TopologyGraph {
  return {
    graphType: 'versionedApp',
    window: '5m',
    namespace: null,
    updatedAt: '2024-01-01T00:00:00.000Z',
    source: 'embedded',
    namespaces: ['dubbo-demo'],
    groups: [],
    nodes: [topologyNode('echo-consumer', [], 0), topologyNode('echo-provider', [ECHO_ID], 120, errorRate)],
    edges: [
      {
        id: 'app:dubbo-demo/echo-consumer>app:dubbo-demo/echo-provider',
        source: 'app:dubbo-demo/echo-consumer',
        target: 'app:dubbo-demo/echo-provider',
        traffic: {
          requestsPerMinute: 120,
          errorRate,
          serverErrorRate: errorRate / 2,
          clientErrorRate: errorRate / 2,
        },
        layer: 'l7',
        tcp: null,
        p95Ms: 12,
        share: 1,
        health: errorRate > 0 ? 'degraded' : 'healthy',
        // Its requests arrived over mutual TLS: the graph draws a lock on it.
        security: 'mutual_tls',
      },
    ],
  };
}

/**
 * echoGraph plus a database in data that echo-consumer talks to over TCP: an L4 node and edge
 * (connections and bytes, no requests), as ztunnel or a sidecar's TCP proxy reports them.
 */
export function echoGraphWithDatabase(): TopologyGraph {
  const g = echoGraph();
  const tcp = { sentBytesPerSecond: 9000, receivedBytesPerSecond: 500, connectionsOpenedPerSecond: 2 };
  const mysql: TopologyNode = {
    ...topologyNode('mysql', ['mysql.data.svc.cluster.local'], 0),
    id: 'app:data/mysql',
    namespace: 'data',
    protocol: 'tcp',
    inboundTcp: tcp,
  };
  return {
    ...g,
    namespaces: ['data', 'dubbo-demo'],
    nodes: [...g.nodes, mysql],
    edges: [
      ...g.edges,
      {
        id: 'app:dubbo-demo/echo-consumer>app:data/mysql',
        source: 'app:dubbo-demo/echo-consumer',
        target: 'app:data/mysql',
        traffic: { requestsPerMinute: 0, errorRate: null, serverErrorRate: null, clientErrorRate: null },
        layer: 'l4',
        tcp,
        p95Ms: null,
        share: null,
        health: 'none',
        // Connections alone: nothing says how they were secured.
        security: null,
      },
    ],
  };
}

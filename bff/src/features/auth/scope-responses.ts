import type { MonitoringOverview } from '../../contract/monitoring';
import { STREAM_EVENTS } from '../../contract/monitoring';
import type { TopologyGraph } from '../../contract/topology';
import { coversNamespace } from './principal';
import type { Principal } from './principal';

/**
 * Answers that span namespaces (the monitoring overview, the topology, the stream's overview
 * events), cut down to what a user limited to some namespaces may see. The features compute them
 * once for everyone; the cut is made on the way out. A Top 5 keeps the entries the user may see
 * (so it may list fewer than five).
 */
type Allowed = (namespace: string) => boolean;

export function scopeOverview(o: MonitoringOverview, allowed: Allowed): MonitoringOverview {
  return {
    ...o,
    top: {
      requests: o.top.requests.filter((e) => allowed(e.namespace)),
      latency: o.top.latency.filter((e) => allowed(e.namespace)),
      errorRate: o.top.errorRate.filter((e) => allowed(e.namespace)),
    },
    applications: o.applications.filter((a) => allowed(a.namespace)),
  };
}

export function scopeTopology(g: TopologyGraph, allowed: Allowed): TopologyGraph {
  const nodes = g.nodes.filter((n) => allowed(n.namespace));
  const kept = new Set(nodes.map((n) => n.id));
  return {
    ...g,
    namespaces: g.namespaces.filter(allowed),
    groups: g.groups.filter((group) => allowed(group.namespace)),
    nodes,
    edges: g.edges.filter((e) => kept.has(e.source) && kept.has(e.target)),
  };
}

const OVERVIEW_FRAME = `event: ${STREAM_EVENTS.overview}\ndata: `;

/** An event-stream chunk with its overview events cut down; other events pass as they are. */
export function scopeStreamChunk(chunk: string, allowed: Allowed): string {
  if (!chunk.startsWith(OVERVIEW_FRAME)) return chunk;
  const end = chunk.indexOf('\n\n');
  const json = chunk.slice(OVERVIEW_FRAME.length, end < 0 ? undefined : end);
  try {
    const scoped = scopeOverview(JSON.parse(json) as MonitoringOverview, allowed);
    return `${OVERVIEW_FRAME}${JSON.stringify(scoped)}\n\n${end < 0 ? '' : chunk.slice(end + 2)}`;
  } catch {
    return chunk;
  }
}

/** Which responses are cut, by the request's path (relative to /api/v1); null: none. */
export function responseScope(
  principal: Principal | null,
  method: string,
  path: string,
): { kind: 'overview' | 'topology' | 'stream'; allowed: Allowed } | null {
  if (!principal || principal.role === 'admin' || principal.namespaces.includes('*')) return null;
  if (method !== 'GET' && method !== 'HEAD') return null;
  const allowed: Allowed = (ns) => coversNamespace(principal, ns);
  if (path === '/monitoring/overview') return { kind: 'overview', allowed };
  if (path === '/topology') return { kind: 'topology', allowed };
  if (path === '/stream') return { kind: 'stream', allowed };
  return null;
}

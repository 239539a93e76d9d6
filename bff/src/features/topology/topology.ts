import type { TopologyGraph, TopologyQuery } from '../../contract/topology';
import { ALL_NAMESPACES, scopeKey, scopeNamespaces } from '../auth/scope';
import type { NamespaceScope } from '../auth/scope';
import { catalogIn } from '../catalog/catalog';
import type { CatalogSource } from '../catalog/catalog';
import type { TelemetrySource } from '../monitoring/telemetry';
import { resolveWindow } from '../monitoring/window';
import { buildGraph } from './graph';

export interface TopologyDeps {
  catalog: CatalogSource;
  telemetry: TelemetrySource;
  clock?: () => number;
}

/**
 * The topology page's answers: every link from telemetry (one round of queries for the whole mesh),
 * drawn as the asked graph type over the catalog. The same question asked while its answer is being
 * computed (several tabs refreshing on the same stream event) waits for that answer; nothing is kept
 * afterwards. A graph is drawn for a scope (the caller's namespaces, features/auth/scope.ts): the
 * catalog and the links of those namespaces only, so a node or link elsewhere is never computed.
 */
export class TopologyService {
  private readonly clock: () => number;
  private readonly inFlight = new Map<string, Promise<TopologyGraph>>();

  constructor(private readonly deps: TopologyDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  graph(query: TopologyQuery, scope: NamespaceScope = ALL_NAMESPACES): Promise<TopologyGraph> {
    const key = `${query.graphType}/${query.window}/${query.namespace ?? ''}/${scopeKey(scope)}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const answer = this.compute(query, scope).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, answer);
    return answer;
  }

  private async compute(query: TopologyQuery, scope: NamespaceScope): Promise<TopologyGraph> {
    const t = this.deps.telemetry;
    const q = resolveWindow(query.window, t.scrapeIntervalSeconds);
    const at = t.kind === 'prometheus' ? this.clock() : undefined;
    const links = await t.edges(q, at, scopeNamespaces(scope));
    const built = buildGraph({
      links,
      catalog: catalogIn(this.deps.catalog, scope),
      graphType: query.graphType,
      namespace: query.namespace ?? null,
    });
    return {
      graphType: query.graphType,
      window: query.window,
      namespace: query.namespace ?? null,
      updatedAt: new Date(at ?? this.clock()).toISOString(),
      source: t.kind,
      ...built,
    };
  }
}

import { GRAPH_TYPES } from '../../contract/topology';
import type { GraphType, TopologyGraph, TopologyQuery } from '../../contract/topology';
import type { MonitoringWindow } from '../../contract/monitoring';
import { ALL_NAMESPACES, scopeKey, scopeNamespaces } from '../auth/scope';
import type { NamespaceScope } from '../auth/scope';
import { catalogIn } from '../catalog/catalog';
import type { CatalogSource } from '../catalog/catalog';
import type { CatalogView } from '../catalog/query';
import type { TelemetrySource } from '../monitoring/telemetry';
import { Reused, Unchanged, evaluationTime, keptMsFor, reuseMsFor, staleMsFor } from '../monitoring/reuse';
import { resolveWindow } from '../monitoring/window';
import { encodeAs } from '../../lib/shared-encoding';
import { graphParts, renderGraph, renderGraphJson } from './graph';
import type { BuiltGraph, GraphParts } from './graph';

export interface TopologyDeps {
  catalog: CatalogSource;
  telemetry: TelemetrySource;
  clock?: () => number;
  /** At most how long telemetry's links are reused (see MonitoringDeps.maxReuseMs); 0 or absent: in flight only. */
  maxReuseMs?: number;
}

/**
 * A graph whose nodes and edges are rendered only if something reads them. The API sends the JSON
 * its build wrote (renderGraphJson), so the whole graph as objects is never made there; a caller
 * that reads the object (a test) gets the same graph. Enumerable, so JSON.stringify sees them.
 */
function drawnWhenRead(head: Omit<TopologyGraph, keyof BuiltGraph>, render: () => BuiltGraph): TopologyGraph {
  let drawn: BuiltGraph | undefined;
  const graph = { ...head } as TopologyGraph;
  for (const key of ['groups', 'nodes', 'edges', 'namespaces'] as const)
    Object.defineProperty(graph, key, { enumerable: true, get: () => (drawn ??= render())[key] });
  return graph;
}

/** Telemetry's links within a scope, and when they were asked. */
interface Links {
  at: number;
  links: Awaited<ReturnType<TelemetrySource['edges']>>;
}

/**
 * The topology page's answers: every link from telemetry (one round of queries for the whole mesh),
 * drawn as the asked graph type over the catalog. The links of a scope and window are shared by every
 * caller asking while they are being computed, and while the telemetry cannot have changed
 * (monitoring/reuse.ts), whatever graph type or namespace each asks; each graph is drawn once per
 * catalog view from them. A graph is drawn for a scope (the caller's namespaces,
 * features/auth/scope.ts): the catalog and the links of those namespaces only, so a node or link
 * elsewhere is never computed.
 */
export class TopologyService {
  private readonly clock: () => number;
  private readonly links: Reused<Links>;
  /** By the links' content (`Unchanged`), so that a graph is drawn again only when the links or catalog moved. */
  private readonly parts = new WeakMap<Links['links'], WeakMap<CatalogView, Map<GraphType, GraphParts>>>();
  private readonly unchangedLinks: Unchanged<Links['links']>;

  constructor(private readonly deps: TopologyDeps) {
    this.clock = deps.clock ?? Date.now;
    this.links = new Reused({
      clock: this.clock,
      reuseMs: reuseMsFor(deps.telemetry, deps.maxReuseMs ?? 0),
      // The last graphs drawn stand in for the next scrape's while those are asked and drawn.
      staleMs: staleMsFor(deps.telemetry, deps.maxReuseMs ?? 0),
    });
    this.unchangedLinks = new Unchanged(this.clock, { maxIdleMs: keptMsFor(deps.telemetry) });
  }

  graph(query: TopologyQuery, scope: NamespaceScope = ALL_NAMESPACES): Promise<TopologyGraph> {
    const view = catalogIn(this.deps.catalog, scope);
    const key = scopeKey(scope);
    const links = this.question(query.window, scope);
    return this.links.derive({
      key: links.key,
      family: links.family,
      compute: links.fetch,
      view,
      derivedKey: JSON.stringify([query.graphType, query.namespace ?? null, key]),
      derive: (fetched) => {
        const parts = this.partsOf(fetched, view, query.graphType);
        const namespace = query.namespace ?? null;
        const head = {
          graphType: query.graphType,
          window: query.window,
          namespace,
          updatedAt: new Date(fetched.at).toISOString(),
          source: this.deps.telemetry.kind,
        };
        const graph = drawnWhenRead(head, () => renderGraph(parts, namespace));
        // Serialized as part of the build, which takes its turn with the requests (reuse.ts), rather
        // than by the first request to send it (a namespace's graph is hundreds of kB at 20,000
        // services: the first requests after a scrape each serialized one while others waited).
        encodeAs(graph, renderGraphJson(parts, namespace, head));
        return graph;
      },
    });
  }

  /** A graph type's nodes and edges over these links and this view: shared by every namespace's graph. */
  private partsOf(fetched: Links, view: CatalogView, graphType: GraphType): GraphParts {
    let byView = this.parts.get(fetched.links);
    if (!byView) this.parts.set(fetched.links, (byView = new WeakMap()));
    let byType = byView.get(view);
    if (!byType) byView.set(view, (byType = new Map()));
    let parts = byType.get(graphType);
    if (!parts)
      byType.set(graphType, (parts = graphParts({ links: fetched.links, catalog: view, graphType })));
    return parts;
  }

  /**
   * The question of a scope's links in a window: its key (the evaluation time included: on
   * Prometheus's scrape grid, reuse.ts) and how it is asked.
   */
  private question(
    window: MonitoringWindow,
    scope: NamespaceScope,
  ): { key: string; family: string; fetch: () => Promise<Links> } {
    const t = this.deps.telemetry;
    const scoped = JSON.stringify([window, scopeKey(scope)]);
    const at = evaluationTime(t, this.clock());
    return {
      key: JSON.stringify([window, scopeKey(scope), at ?? null]),
      family: scoped,
      fetch: async () => {
        const q = resolveWindow(window, t.scrapeIntervalSeconds);
        const links = await t.edges(q, at, scopeNamespaces(scope));
        return { at: at ?? this.clock(), links: this.unchangedLinks.same(scoped, links) };
      },
    };
  }

  /**
   * A warm start: the links of `window` and each graph type's nodes and edges over the whole catalog,
   * which the first graph asked would otherwise wait for (and which stay while neither the links nor
   * the catalog move). One graph type per turn of the event loop, so requests are served between.
   */
  async prepare(window: MonitoringWindow, scope: NamespaceScope = ALL_NAMESPACES): Promise<void> {
    const links = this.question(window, scope);
    const fetched = await this.links.get(links.key, links.fetch, links.family);
    for (const graphType of GRAPH_TYPES) {
      await new Promise((resolve) => setImmediate(resolve));
      this.partsOf(fetched, catalogIn(this.deps.catalog, scope), graphType);
    }
  }
}

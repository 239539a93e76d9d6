import type { KubernetesObject } from '@kubernetes/client-node';
import type { NamespaceDataPlane, Protocol, ServiceDetail, ServiceSummary } from '../../contract/catalog';
import { namespaceDataPlanes } from './dataplane';
import type { DataPlaneContext } from './dataplane';
import type { Gateway, ServiceEntry, V1Namespace, V1Pod, V1Service, WorkloadEntry } from './kube-types';
import { compareText, selectorMatches } from './labels';
import { haystackOf, toSummary } from './query';
import type { CatalogView } from './query';
import { serviceDrafts, serviceEntryDrafts, serviceOf } from './registry';
import type { Draft, LabelSelection, RegistrySnapshot } from './registry';
import { WAYPOINT_CLASS } from '../../mesh/ambient';

export type CatalogKind = 'service' | 'pod' | 'serviceEntry' | 'workloadEntry' | 'namespace' | 'gateway';
export type CatalogEvent = 'add' | 'update' | 'delete';

/**
 * An object as the catalog holds it. `seq` is the order the object was first added in: an update
 * keeps it, as an informer's cache keeps an updated object in its place. Lists are in that order,
 * so the catalog is the one buildCatalog makes of the objects listed in it.
 */
interface Entry<T> {
  readonly key: string;
  readonly seq: number;
  obj: T;
}

type Labels = Record<string, string> | undefined;

const namespaceOf = (o: KubernetesObject) => o.metadata?.namespace ?? 'default';
const pair = (namespace: string, k: string, v: string) => `${namespace}\u0000${k}\u0000${v}`;
const firstPair = (selector: Labels): [string, string] | undefined => {
  for (const k in selector) return [k, selector[k] as string];
  return undefined;
};

/** Objects in the order they were first added, by `namespace/name`. */
class Store<T extends KubernetesObject> {
  readonly entries = new Map<string, Entry<T>>();
  private seq = 0;

  static keyOf(o: KubernetesObject): string {
    return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  }

  /** Sets the object; returns the previous one. */
  set(obj: T): { entry: Entry<T>; old: T | undefined } {
    const key = Store.keyOf(obj);
    const entry = this.entries.get(key);
    if (entry) {
      const old = entry.obj;
      entry.obj = obj;
      return { entry, old };
    }
    const created = { key, seq: this.seq++, obj };
    this.entries.set(key, created);
    return { entry: created, old: undefined };
  }

  delete(obj: KubernetesObject): Entry<T> | undefined {
    const key = Store.keyOf(obj);
    const entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    return entry;
  }

  list(): T[] {
    return [...this.entries.values()].map((e) => e.obj);
  }
}

/** A relist sends every object again: one the catalog holds at the same resourceVersion changes nothing. */
const unchanged = (old: KubernetesObject | undefined, obj: KubernetesObject) => {
  const rv = obj.metadata?.resourceVersion;
  return old !== undefined && rv !== undefined && rv !== '' && old.metadata?.resourceVersion === rv;
};

const bySeq = (a: Entry<unknown>, b: Entry<unknown>) => a.seq - b.seq;

/**
 * The registry's label index, kept as objects come and go: entries by (namespace, label, value). A
 * selection is in list order (by seq), as the registry's index built from a list gives it.
 */
class LiveLabelIndex<T extends KubernetesObject> implements LabelSelection<T> {
  private readonly byPair = new Map<string, Set<Entry<T>>>();

  constructor(private readonly labelsOf: (o: T) => Labels) {}

  add(entry: Entry<T>): void {
    const labels = this.labelsOf(entry.obj);
    const ns = namespaceOf(entry.obj);
    for (const k in labels) {
      const key = pair(ns, k, labels[k] as string);
      const set = this.byPair.get(key);
      if (set) set.add(entry);
      else this.byPair.set(key, new Set([entry]));
    }
  }

  remove(entry: Entry<T>, obj: T): void {
    const labels = this.labelsOf(obj);
    const ns = namespaceOf(obj);
    for (const k in labels) {
      const key = pair(ns, k, labels[k] as string);
      const set = this.byPair.get(key);
      if (!set) continue;
      set.delete(entry);
      if (set.size === 0) this.byPair.delete(key);
    }
  }

  select(namespace: string, selector: Labels): T[] {
    const first = firstPair(selector);
    if (!first) return [];
    const candidates = this.byPair.get(pair(namespace, first[0], first[1]));
    if (!candidates) return [];
    const out: Entry<T>[] = [];
    for (const e of candidates) if (selectorMatches(selector ?? {}, this.labelsOf(e.obj))) out.push(e);
    return out.sort(bySeq).map((e) => e.obj);
  }
}

/** Sources (Services, ServiceEntries) by the first pair of their selector: who may select a set of labels. */
class SelectorIndex {
  private readonly byPair = new Map<string, Set<string>>();

  add(source: string, namespace: string, selector: Labels): void {
    const first = firstPair(selector);
    if (!first) return;
    const key = pair(namespace, first[0], first[1]);
    const set = this.byPair.get(key);
    if (set) set.add(source);
    else this.byPair.set(key, new Set([source]));
  }

  remove(source: string, namespace: string, selector: Labels): void {
    const first = firstPair(selector);
    if (!first) return;
    const key = pair(namespace, first[0], first[1]);
    const set = this.byPair.get(key);
    if (!set) return;
    set.delete(source);
    if (set.size === 0) this.byPair.delete(key);
  }

  /** Adds to `out` the sources of a namespace whose selector matches the labels. */
  matching(
    namespace: string,
    labels: Labels,
    selectorOf: (source: string) => Labels,
    out: Set<string>,
  ): void {
    for (const k in labels) {
      const set = this.byPair.get(pair(namespace, k, labels[k] as string));
      if (!set) continue;
      for (const source of set) if (selectorMatches(selectorOf(source) ?? {}, labels)) out.add(source);
    }
  }
}

/** A Service's or ServiceEntry's drafts, as last computed. */
interface Source {
  readonly kind: 'service' | 'serviceEntry';
  readonly entry: Entry<V1Service> | Entry<ServiceEntry>;
  drafts: Draft[];
}

const sourceKey = (kind: 'service' | 'serviceEntry', key: string) =>
  `${kind === 'service' ? 'S' : 'E'}${key}`;

/** Services' parts before ServiceEntries', each in list order: buildCatalog's order. */
const sourceOrder = (a: Source, b: Source) =>
  a.kind === b.kind ? a.entry.seq - b.entry.seq : a.kind === 'service' ? -1 : 1;

/** The catalog's order, which buildCatalog sorts by. */
const compareIds = compareText;

/**
 * A view's services by ID without copying a map of every service per view: a map shared by views
 * (never changed once shared) and this view's own changes since. Iterates in ID order, as
 * indexCatalog's map does.
 */
class PatchedIds implements ReadonlyMap<string, ServiceDetail> {
  constructor(
    private readonly base: ReadonlyMap<string, ServiceDetail>,
    private readonly changes: ReadonlyMap<string, ServiceDetail | null>,
    private readonly list: readonly ServiceDetail[],
  ) {}

  get(id: string): ServiceDetail | undefined {
    const changed = this.changes.get(id);
    if (changed !== undefined) return changed ?? undefined;
    return this.base.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  get size(): number {
    return this.list.length;
  }

  *entries(): MapIterator<[string, ServiceDetail]> {
    for (const s of this.list) yield [s.id, s];
  }

  *keys(): MapIterator<string> {
    for (const s of this.list) yield s.id;
  }

  *values(): MapIterator<ServiceDetail> {
    yield* this.list;
  }

  [Symbol.iterator](): MapIterator<[string, ServiceDetail]> {
    return this.entries();
  }

  forEach(fn: (value: ServiceDetail, key: string, map: ReadonlyMap<string, ServiceDetail>) => void): void {
    for (const s of this.list) fn(s, s.id, this);
  }
}

const addCount = <K>(m: Map<K, number>, k: K, by: number): boolean => {
  const n = (m.get(k) ?? 0) + by;
  if (n === 0) m.delete(k);
  else m.set(k, n);
  return n === 0 || n === by; // the key appeared or went
};

/**
 * The catalog kept up to date one watch event at a time. An event marks what it can change: a
 * Pod, the Services of its namespace whose selector matches its old or new labels; a WorkloadEntry,
 * those and the ServiceEntries that select it; a Service or ServiceEntry, itself; a Namespace, the
 * Services and ServiceEntries in it; a Gateway, those that name it as their waypoint. `view()` then
 * recomputes those, the service IDs they define or defined (with every other object defining the
 * same ID, which settles ownership and conflicts), and patches the previous view. The result is
 * buildCatalog + indexCatalog of the objects held (the property test says so).
 */
export class LiveCatalog {
  private readonly services = new Store<V1Service>();
  private readonly pods = new Store<V1Pod>();
  private readonly serviceEntries = new Store<ServiceEntry>();
  private readonly workloadEntries = new Store<WorkloadEntry>();
  private readonly namespaces = new Store<V1Namespace>();
  private readonly gateways = new Store<Gateway>();

  private readonly podIndex = new LiveLabelIndex<V1Pod>((p) => p.metadata?.labels);
  private readonly weIndex = new LiveLabelIndex<WorkloadEntry>((w) => w.spec?.labels);
  /** Services by their selector (they select Pods and WorkloadEntries), ServiceEntries by workloadSelector. */
  private readonly serviceSelectors = new SelectorIndex();
  private readonly entrySelectors = new SelectorIndex();

  private readonly sources = new Map<string, Source>();
  private readonly sourcesByNamespace = new Map<string, Set<string>>();
  /** The sources with a draft for an ID. */
  private readonly sourcesById = new Map<string, Set<string>>();
  /** The sources whose drafts name a waypoint, by `namespace/name`. */
  private readonly sourcesByWaypoint = new Map<string, Set<string>>();

  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private readonly waypoints = new Set<string>();
  private readonly ctx: DataPlaneContext = {
    namespaceLabels: this.namespaceLabels,
    waypoints: this.waypoints,
  };

  private readonly dirtySources = new Set<string>();
  private readonly dirtyIds = new Set<string>();
  private dataPlanesDirty = true;

  // The view, patched in place between snapshots (see view()).
  private list: ServiceDetail[] = [];
  private summaries: ServiceSummary[] = [];
  private haystacks: string[] = [];
  private readonly byId = new Map<string, ServiceDetail>();
  /** What views share of byId, and the changes since (see PatchedIds); folded in past sqrt(2N) changes. */
  private sharedIds: ReadonlyMap<string, ServiceDetail> = new Map();
  private idChanges = new Map<string, ServiceDetail | null>();
  private readonly namespaceCount = new Map<string, number>();
  private readonly protocolCount = new Map<Protocol, number>();
  private facetNamespaces: string[] = [];
  private facetProtocols: Protocol[] = [];
  private dataPlanes: NamespaceDataPlane[] = [];
  private current: CatalogView | null = null;

  /** Whether events came that the view does not show yet. */
  get dirty(): boolean {
    return (
      this.current === null || this.dirtySources.size > 0 || this.dirtyIds.size > 0 || this.dataPlanesDirty
    );
  }

  apply(kind: CatalogKind, event: CatalogEvent, obj: KubernetesObject): void {
    switch (kind) {
      case 'pod':
        return this.onPod(event, obj as V1Pod);
      case 'workloadEntry':
        return this.onWorkloadEntry(event, obj as WorkloadEntry);
      case 'service':
      case 'serviceEntry':
        return this.onSource(kind, event, obj);
      case 'namespace':
        return this.onNamespace(event, obj as V1Namespace);
      case 'gateway':
        return this.onGateway(event, obj as Gateway);
    }
  }

  /** The objects held, in list order: what buildCatalog would be given. */
  snapshot(): Required<RegistrySnapshot> {
    return {
      services: this.services.list(),
      pods: this.pods.list(),
      serviceEntries: this.serviceEntries.list(),
      workloadEntries: this.workloadEntries.list(),
      namespaces: this.namespaces.list(),
      gateways: this.gateways.list(),
    };
  }

  private serviceSelector = (source: string): Labels =>
    (this.sources.get(source)?.entry.obj as V1Service | undefined)?.spec?.selector;
  private entrySelector = (source: string): Labels =>
    (this.sources.get(source)?.entry.obj as ServiceEntry | undefined)?.spec?.workloadSelector?.labels;

  private onPod(event: CatalogEvent, pod: V1Pod): void {
    let old: V1Pod | undefined;
    if (event === 'delete') {
      const entry = this.pods.delete(pod);
      if (!entry) return;
      old = entry.obj;
      this.podIndex.remove(entry, old);
    } else {
      const { entry, old: previous } = this.pods.set(pod);
      old = previous;
      if (unchanged(old, pod)) return;
      if (old) this.podIndex.remove(entry, old);
      this.podIndex.add(entry);
    }
    if (old)
      this.serviceSelectors.matching(
        namespaceOf(old),
        old.metadata?.labels,
        this.serviceSelector,
        this.dirtySources,
      );
    if (event !== 'delete')
      this.serviceSelectors.matching(
        namespaceOf(pod),
        pod.metadata?.labels,
        this.serviceSelector,
        this.dirtySources,
      );
  }

  private onWorkloadEntry(event: CatalogEvent, we: WorkloadEntry): void {
    let old: WorkloadEntry | undefined;
    if (event === 'delete') {
      const entry = this.workloadEntries.delete(we);
      if (!entry) return;
      old = entry.obj;
      this.weIndex.remove(entry, old);
    } else {
      const { entry, old: previous } = this.workloadEntries.set(we);
      old = previous;
      if (unchanged(old, we)) return;
      if (old) this.weIndex.remove(entry, old);
      this.weIndex.add(entry);
    }
    for (const w of event === 'delete' ? [old] : [old, we]) {
      if (!w) continue;
      this.serviceSelectors.matching(namespaceOf(w), w.spec?.labels, this.serviceSelector, this.dirtySources);
      this.entrySelectors.matching(namespaceOf(w), w.spec?.labels, this.entrySelector, this.dirtySources);
    }
  }

  private onSource(kind: 'service' | 'serviceEntry', event: CatalogEvent, obj: KubernetesObject): void {
    const store = (kind === 'service' ? this.services : this.serviceEntries) as Store<KubernetesObject>;
    const selectors = kind === 'service' ? this.serviceSelectors : this.entrySelectors;
    const selectorOf = (o: KubernetesObject): Labels =>
      kind === 'service'
        ? (o as V1Service).spec?.selector
        : (o as ServiceEntry).spec?.workloadSelector?.labels;
    const ns = namespaceOf(obj);
    const key = sourceKey(kind, Store.keyOf(obj));
    if (event === 'delete') {
      const entry = store.delete(obj);
      if (!entry) return;
      selectors.remove(key, ns, selectorOf(entry.obj));
      const source = this.sources.get(key);
      if (source) this.setDrafts(key, source, []);
      this.sources.delete(key);
      this.sourcesByNamespace.get(ns)?.delete(key);
      this.dirtySources.delete(key);
      return;
    }
    const { entry, old } = store.set(obj);
    if (unchanged(old, obj)) return;
    if (old) selectors.remove(key, ns, selectorOf(old));
    selectors.add(key, ns, selectorOf(obj));
    if (!this.sources.has(key)) {
      this.sources.set(key, { kind, entry: entry as Source['entry'], drafts: [] });
      let inNs = this.sourcesByNamespace.get(ns);
      if (!inNs) this.sourcesByNamespace.set(ns, (inNs = new Set()));
      inNs.add(key);
    }
    this.dirtySources.add(key);
  }

  private onNamespace(event: CatalogEvent, ns: V1Namespace): void {
    const name = ns.metadata?.name ?? '';
    if (event === 'delete') {
      if (!this.namespaces.delete(ns)) return;
      this.namespaceLabels.delete(name);
    } else {
      if (unchanged(this.namespaces.set(ns).old, ns)) return;
      this.namespaceLabels.set(name, ns.metadata?.labels ?? {});
    }
    // The namespace's labels enrol its Pods in ambient mode and name its waypoint.
    for (const source of this.sourcesByNamespace.get(name) ?? []) this.dirtySources.add(source);
    this.dataPlanesDirty = true;
  }

  private onGateway(event: CatalogEvent, gw: Gateway): void {
    const waypointKey = (g: Gateway | undefined) =>
      g?.spec?.gatewayClassName === WAYPOINT_CLASS ? `${namespaceOf(g)}/${g.metadata?.name ?? ''}` : null;
    const old = event === 'delete' ? this.gateways.delete(gw)?.obj : this.gateways.set(gw).old;
    const before = waypointKey(old);
    const after = event === 'delete' ? null : waypointKey(gw);
    if (before === after) return;
    if (before) this.waypoints.delete(before);
    if (after) this.waypoints.add(after);
    for (const k of [before, after])
      if (k) for (const source of this.sourcesByWaypoint.get(k) ?? []) this.dirtySources.add(source);
    this.dataPlanesDirty = true;
  }

  /** Replaces a source's drafts, marking the IDs it defined and defines. */
  private setDrafts(key: string, source: Source, drafts: Draft[]): void {
    for (const d of source.drafts) {
      this.dirtyIds.add(d.id);
      const set = this.sourcesById.get(d.id);
      set?.delete(key);
      if (set?.size === 0) this.sourcesById.delete(d.id);
      const w = d.waypoint.waypoint;
      if (w) {
        const users = this.sourcesByWaypoint.get(`${w.namespace}/${w.name}`);
        users?.delete(key);
        if (users?.size === 0) this.sourcesByWaypoint.delete(`${w.namespace}/${w.name}`);
      }
    }
    source.drafts = drafts;
    for (const d of drafts) {
      this.dirtyIds.add(d.id);
      let set = this.sourcesById.get(d.id);
      if (!set) this.sourcesById.set(d.id, (set = new Set()));
      set.add(key);
      const w = d.waypoint.waypoint;
      if (w) {
        const k = `${w.namespace}/${w.name}`;
        let users = this.sourcesByWaypoint.get(k);
        if (!users) this.sourcesByWaypoint.set(k, (users = new Set()));
        users.add(key);
      }
    }
  }

  /**
   * The catalog of the objects held. A view is never changed once returned (the scoped views are
   * cached per view): after events, the next call copies the lists and patches the copy.
   */
  view(): CatalogView {
    if (!this.dirty && this.current) return this.current;
    for (const key of this.dirtySources) {
      const source = this.sources.get(key);
      if (!source) continue;
      const drafts =
        source.kind === 'service'
          ? serviceDrafts(source.entry.obj as V1Service, this.podIndex, this.weIndex, this.ctx)
          : serviceEntryDrafts(source.entry.obj as ServiceEntry, this.weIndex, this.ctx);
      this.setDrafts(key, source, drafts);
    }
    this.dirtySources.clear();

    const changed = new Map<string, ServiceDetail | null>();
    for (const id of this.dirtyIds) {
      const parts: Draft[] = [];
      const sources = [...(this.sourcesById.get(id) ?? [])].map((k) => this.sources.get(k) as Source);
      for (const s of sources.sort(sourceOrder)) for (const d of s.drafts) if (d.id === id) parts.push(d);
      changed.set(id, parts.length > 0 ? serviceOf(id, parts) : null);
    }
    this.dirtyIds.clear();
    const facetsChanged = this.patch(changed);

    if (this.dataPlanesDirty) this.dataPlanes = namespaceDataPlanes(this.ctx);
    if (facetsChanged || this.dataPlanesDirty || !this.current) {
      this.facetNamespaces = [...this.namespaceCount.keys()].sort();
      this.facetProtocols = [...this.protocolCount.keys()].sort();
    }
    this.dataPlanesDirty = false;
    const listed = new Set(this.facetNamespaces);
    this.current = {
      services: this.list,
      byId: new PatchedIds(this.sharedIds, this.idChanges, this.list),
      summaries: this.summaries,
      haystacks: this.haystacks,
      facets: {
        namespaces: this.facetNamespaces,
        protocols: this.facetProtocols,
        namespaceDataPlanes: this.dataPlanes.filter((n) => listed.has(n.name)),
      },
      namespaceDataPlanes: this.dataPlanes,
    };
    return this.current;
  }

  /** Applies changed services to the sorted lists (copies: the last view keeps its own); whether a facet changed. */
  private patch(changed: Map<string, ServiceDetail | null>): boolean {
    let facets = false;
    const count = (s: ServiceDetail, by: 1 | -1) => {
      for (const ns of s.conflict ? s.conflict.namespaces : [s.namespace])
        facets = addCount(this.namespaceCount, ns, by) || facets;
      facets = addCount(this.protocolCount, s.protocol, by) || facets;
    };
    for (const [id, s] of changed) {
      const before = this.byId.get(id);
      if (before) count(before, -1);
      if (s) {
        count(s, 1);
        this.byId.set(id, s);
      } else this.byId.delete(id);
    }
    // Past sqrt(2N) changes, copying byId once costs less than copying the changes into each view.
    if (this.idChanges.size + changed.size > Math.max(64, Math.sqrt(2 * this.byId.size))) {
      this.idChanges = new Map();
      this.sharedIds = new Map(this.byId);
    } else {
      this.idChanges = new Map(this.idChanges);
      for (const [id, s] of changed) this.idChanges.set(id, s);
    }
    // Splicing costs a shift of the list per change; past a few hundred changes, sorting anew is cheaper.
    if (changed.size > 256) {
      this.list = [...this.byId.values()].sort((a, b) => compareIds(a.id, b.id));
      this.summaries = this.list.map(toSummary);
      this.haystacks = this.list.map(haystackOf);
      return facets;
    }
    const list = this.list.slice();
    const summaries = this.summaries.slice();
    const haystacks = this.haystacks.slice();
    for (const [id, s] of changed) {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareIds((list[mid] as ServiceDetail).id, id) < 0) lo = mid + 1;
        else hi = mid;
      }
      const present = lo < list.length && (list[lo] as ServiceDetail).id === id;
      if (s && present) {
        list[lo] = s;
        summaries[lo] = toSummary(s);
        haystacks[lo] = haystackOf(s);
      } else if (s) {
        list.splice(lo, 0, s);
        summaries.splice(lo, 0, toSummary(s));
        haystacks.splice(lo, 0, haystackOf(s));
      } else if (present) {
        list.splice(lo, 1);
        summaries.splice(lo, 1);
        haystacks.splice(lo, 1);
      }
    }
    this.list = list;
    this.summaries = summaries;
    this.haystacks = haystacks;
    return facets;
  }
}

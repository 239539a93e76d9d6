import type { KubernetesObject, Watch } from '@kubernetes/client-node';
import type { ConsoleMetrics } from '../lib/metrics';
import type { Logger } from '../lib/logger';

/** One page of a list: `continue` is `_continue` in client-node's typed lists, `continue` in raw JSON. */
export interface ListPage {
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
  items: KubernetesObject[];
}

export type ListPageFn = (limit: number, continueToken: string | undefined) => Promise<ListPage>;

type InformerEvent = 'add' | 'update' | 'delete' | 'connect' | 'error';

export interface InformerOptions<T> {
  /** What is kept of each object (list and watch alike); the object as sent by default. */
  transform?: (obj: KubernetesObject) => T;
  /** Objects per page of a list (500 by default). */
  pageSize?: number;
  /**
   * The first list tells each object (`add`) as its page arrives, not once the last page is in: a
   * handler indexes 100,000 Pods while the next pages are on their way instead of after them. Only
   * for handlers that do not read this informer while it lists (it holds the objects at the end).
   */
  tellWhileListing?: boolean;
}

interface InformerSetup<T> extends InformerOptions<T> {
  /** The collection's path across all namespaces, to watch. */
  path: string;
  /** The metrics label and the name in logs (`pods`, `virtualservices.networking.istio.io`). */
  resource: string;
  listPage: ListPageFn;
  watch: Watch;
  /** Only objects with these labels, listed and watched (the list function applies it too). */
  labelSelector?: string;
  log?: Logger;
  metrics?: ConsoleMetrics;
  /** Wait before watching again after an error. */
  retryMs?: number;
}

interface Entry<T> {
  value: T;
  rv: string;
}

/** How long a deleted object's last resourceVersion is remembered against late events. */
const TOMBSTONE_MS = 60_000;

/**
 * True when resourceVersion `a` is older than `b`. Kubernetes calls them opaque, but etcd's and
 * the embedded control plane's are integers in practice: compared as such when both are, and
 * otherwise never older (the event is taken).
 */
export function olderThan(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  return x.length !== y.length ? x.length < y.length : x < y;
}

const statusCodeOf = (err: unknown): number | undefined => {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
};

/**
 * A list-then-watch cache of one resource in all namespaces, what client-node's ListWatch does
 * with what it cannot: it lists in pages (`limit`/`continue`, a whole list of 100,000 pods is
 * hundreds of megabytes of JSON at once), keeps `transform(obj)` instead of the object (a slim
 * pod is a tenth of one), resumes a watch from the last resourceVersion it saw (bookmarks
 * included) and lists again only on 410 Gone. Objects are held by namespace, so a namespace's
 * share is read without going through all. An event older than what is held is ignored, and
 * a deletion this replica made leaves a tombstone, so a late event cannot bring an object back.
 */
export class Informer<T = KubernetesObject> {
  private byNamespace = new Map<string, Map<string, Entry<T>>>();
  /** listShared's array; dropped on any change. */
  private shared: readonly T[] | null = null;
  /** listSharedIn's arrays by namespace; a namespace's is dropped when one of its objects changes. */
  private sharedIn = new Map<string, readonly T[]>();
  private count = 0;
  private tombstones = new Map<string, { rv: string; until: number }>();
  private readonly handlers = new Map<InformerEvent, Set<(arg: never) => void>>();
  private readonly transform: (obj: KubernetesObject) => T;
  private readonly pageSize: number;
  private resourceVersion = '';
  private lastHeard = Date.now();
  private stopped = false;
  private started: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private relisting = false;
  private failures = 0;
  private listedOnce = false;

  constructor(private readonly setup: InformerSetup<T>) {
    this.transform = setup.transform ?? ((obj) => obj as T);
    this.pageSize = setup.pageSize ?? 500;
  }

  on(event: 'add' | 'update' | 'delete', fn: (obj: T) => void): void;
  on(event: 'connect', fn: () => void): void;
  on(event: 'error', fn: (err: unknown) => void): void;
  on(event: InformerEvent, fn: (arg: never) => void): void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(fn);
  }

  off(event: InformerEvent, fn: (arg: never) => void): void {
    this.handlers.get(event)?.delete(fn);
  }

  private emit(event: InformerEvent, arg?: unknown): void {
    for (const fn of this.handlers.get(event) ?? []) {
      try {
        (fn as (a: unknown) => void)(arg);
      } catch (err) {
        this.setup.log?.warn(
          { resource: this.setup.resource, err: err instanceof Error ? err.message : String(err) },
          'informer handler failed',
        );
      }
    }
  }

  /**
   * Every object held, as one frozen array that stays the same (===) until something changes: a
   * reader can key what it derives from the whole kind (an index) on it, instead of walking
   * thousands of objects on every request.
   */
  listShared(): readonly T[] {
    return (this.shared ??= Object.freeze(this.list()));
  }

  /** Every object held. */
  list(): T[] {
    const out: T[] = [];
    for (const objects of this.byNamespace.values()) for (const e of objects.values()) out.push(e.value);
    return out;
  }

  /** listShared for one namespace: read on every preview, not copied for each. */
  listSharedIn(namespace: string): readonly T[] {
    let found = this.sharedIn.get(namespace);
    if (!found) this.sharedIn.set(namespace, (found = Object.freeze(this.listIn(namespace))));
    return found;
  }

  /** The objects of one namespace (`''` for cluster-scoped objects). */
  listIn(namespace: string): T[] {
    const objects = this.byNamespace.get(namespace);
    return objects ? Array.from(objects.values(), (e) => e.value) : [];
  }

  get(name: string, namespace = ''): T | undefined {
    return this.byNamespace.get(namespace)?.get(name)?.value;
  }

  size(): number {
    return this.count;
  }

  /** The resourceVersion of the last list, event or bookmark. */
  latestResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Resolves once the first full list is held; rejects when that list fails. */
  start(): Promise<void> {
    this.stopped = false;
    if (!this.started) {
      this.started = this.relist().then(() => {
        this.startLagTimer();
        void this.watch();
      });
      this.started.catch(() => {
        this.started = null;
      });
    }
    return this.started;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.started = null;
    this.abort?.abort();
    this.abort = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.retryTimer = this.lagTimer = null;
  }

  /**
   * What this replica just wrote (the API server's answer to a create, replace or patch): held at
   * once, so the next read sees it before the watch event comes, unless something newer is held.
   */
  upsert(raw: KubernetesObject): void {
    this.apply('MODIFIED', raw);
  }

  /** What this replica just deleted: gone now, and its tombstone turns away late events. */
  remove(namespace: string, name: string, resourceVersion?: string): void {
    const key = `${namespace}/${name}`;
    const held = this.byNamespace.get(namespace)?.get(name);
    const rv = [resourceVersion, held?.rv].reduce<string>(
      (a, b) => (b && (!a || olderThan(a, b)) ? b : a),
      '',
    );
    this.tombstones.set(key, { rv, until: Date.now() + TOMBSTONE_MS });
    if (held) this.drop(namespace, name, held);
  }

  private buried(namespace: string, name: string, rv: string): boolean {
    const key = `${namespace}/${name}`;
    const stone = this.tombstones.get(key);
    if (!stone) return false;
    if (stone.until < Date.now()) {
      this.tombstones.delete(key);
      return false;
    }
    // A later resourceVersion is a new object of the same name (created again).
    if (stone.rv && olderThan(stone.rv, rv)) {
      this.tombstones.delete(key);
      return false;
    }
    return true;
  }

  private drop(namespace: string, name: string, held: Entry<T>): void {
    const objects = this.byNamespace.get(namespace);
    if (!objects?.delete(name)) return;
    this.shared = null;
    this.sharedIn.delete(namespace);
    if (objects.size === 0) this.byNamespace.delete(namespace);
    this.count--;
    this.setObjects();
    this.emit('delete', held.value);
  }

  private apply(type: string, raw: KubernetesObject): void {
    const namespace = raw.metadata?.namespace ?? '';
    const name = raw.metadata?.name;
    if (!name) return;
    const rv = raw.metadata?.resourceVersion ?? '';
    const held = this.byNamespace.get(namespace)?.get(name);
    if (held && olderThan(rv, held.rv)) return;
    if (type === 'DELETED') {
      if (held) this.drop(namespace, name, held);
      return;
    }
    if (this.buried(namespace, name, rv)) return;
    const entry = { value: this.transform(raw), rv };
    let objects = this.byNamespace.get(namespace);
    if (!objects) this.byNamespace.set(namespace, (objects = new Map()));
    objects.set(name, entry);
    this.shared = null;
    this.sharedIn.delete(namespace);
    if (!held) {
      this.count++;
      this.setObjects();
    }
    this.emit(held ? 'update' : 'add', entry.value);
  }

  private setObjects(): void {
    this.setup.metrics?.informerObjects.set({ resource: this.setup.resource }, this.count);
  }

  private startLagTimer(): void {
    const metrics = this.setup.metrics;
    if (!metrics || this.lagTimer) return;
    const update = () =>
      metrics.informerLag.set({ resource: this.setup.resource }, (Date.now() - this.lastHeard) / 1000);
    update();
    this.lagTimer = setInterval(update, 1000);
    this.lagTimer.unref();
  }

  private heard(rv: string | undefined): void {
    this.lastHeard = Date.now();
    this.failures = 0;
    if (rv) this.resourceVersion = rv;
  }

  /**
   * Lists in pages and replaces what is held, telling the handlers what changed. A continue
   * token that expired (410) starts the list over. What this replica wrote while the list was
   * under way, newer than the list, is kept.
   */
  private async relist(): Promise<void> {
    let fresh = new Map<string, Map<string, Entry<T>>>();
    // What was told while listing (tellWhileListing, first list only): the end tells the rest.
    const told =
      this.setup.tellWhileListing && !this.listedOnce ? new Map<string, Map<string, Entry<T>>>() : null;
    let count = 0;
    let token: string | undefined;
    let listRv = '';
    // The next page is asked for as soon as this one's continue token is known, so the server
    // prepares it while this side turns this page's objects into what it holds.
    let prefetched: Promise<ListPage> | null = null;
    const ask = (from: string | undefined) => {
      let page: Promise<ListPage>;
      try {
        page = this.setup.listPage(this.pageSize, from);
      } catch (err) {
        page = Promise.reject(err as Error);
      }
      // Handled where it is awaited; a page left unread (stopped, or the list failed) fails quietly.
      page.catch(() => undefined);
      return page;
    };
    for (;;) {
      let page: ListPage;
      try {
        page = await (prefetched ?? ask(token));
      } catch (err) {
        prefetched = null;
        if (token !== undefined && statusCodeOf(err) === 410) {
          fresh = new Map();
          count = 0;
          token = undefined;
          continue;
        }
        throw err;
      }
      prefetched = null;
      if (this.stopped) return;
      const nextToken = page.metadata?._continue ?? page.metadata?.continue ?? undefined;
      if (nextToken) prefetched = ask(nextToken);
      for (const raw of page.items) {
        const namespace = raw.metadata?.namespace ?? '';
        const name = raw.metadata?.name;
        if (!name) continue;
        const rv = raw.metadata?.resourceVersion ?? '';
        if (this.buried(namespace, name, rv)) continue;
        let objects = fresh.get(namespace);
        if (!objects) fresh.set(namespace, (objects = new Map()));
        if (!objects.has(name)) count++;
        // Unchanged since it was held, or told (same resourceVersion): kept as is, and not told again.
        const held = this.byNamespace.get(namespace)?.get(name) ?? told?.get(namespace)?.get(name);
        if (held && rv && held.rv === rv) {
          objects.set(name, held);
          continue;
        }
        const entry = { value: this.transform(raw), rv };
        objects.set(name, entry);
        if (told) {
          let saidHere = told.get(namespace);
          if (!saidHere) told.set(namespace, (saidHere = new Map()));
          const said = saidHere.has(name);
          saidHere.set(name, entry);
          this.emit(said ? 'update' : 'add', entry.value);
        }
      }
      listRv = page.metadata?.resourceVersion ?? listRv;
      token = nextToken;
      if (!token) break;
    }
    const old = this.byNamespace;
    for (const [namespace, objects] of old) {
      for (const [name, held] of objects) {
        const now = fresh.get(namespace)?.get(name);
        if (now && !olderThan(now.rv, held.rv)) continue;
        if (!now && !(listRv && olderThan(listRv, held.rv))) continue;
        // Held is newer than the list: a write this replica made while listing.
        let target = fresh.get(namespace);
        if (!target) fresh.set(namespace, (target = new Map()));
        if (!now) count++;
        target.set(name, held);
      }
    }
    this.byNamespace = fresh;
    this.shared = null;
    this.sharedIn.clear();
    this.count = count;
    this.heard(listRv);
    this.setObjects();
    this.listedOnce = true;
    for (const [namespace, objects] of fresh) {
      const before = old.get(namespace);
      const said = told?.get(namespace);
      for (const [name, e] of objects) {
        const was = said?.get(name) ?? before?.get(name);
        if (!was) this.emit('add', e.value);
        else if (was !== e) this.emit('update', e.value);
      }
    }
    const kept = (namespace: string, name: string) => fresh.get(namespace)?.has(name) === true;
    for (const [namespace, objects] of old)
      for (const [name, e] of objects)
        if (!kept(namespace, name) && !told?.get(namespace)?.has(name)) this.emit('delete', e.value);
    // Told during a list that started over (410) and not in the one that finished.
    for (const [namespace, objects] of told ?? [])
      for (const [name, e] of objects) if (!kept(namespace, name)) this.emit('delete', e.value);
  }

  /** Watches from the last resourceVersion; on its end, watches again, or lists again on 410. */
  private async watch(): Promise<void> {
    if (this.stopped) return;
    const began = Date.now();
    let gone = false;
    const done = (err: unknown) => {
      if (this.stopped) return;
      if (gone || statusCodeOf(err) === 410) {
        void this.recover(true);
        return;
      }
      if (err) {
        this.emit('error', err);
        this.setup.log?.warn(
          { resource: this.setup.resource, err: err instanceof Error ? err.message : String(err) },
          'watch failed; restarting',
        );
        this.retry(false);
        return;
      }
      // The server ended the watch (its timeout): resume at once, unless it keeps ending at once.
      if (Date.now() - began < 1000) this.retry(false);
      else void this.watch();
    };
    try {
      const controller = await this.setup.watch.watch(
        this.setup.path,
        {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          ...(this.setup.labelSelector ? { labelSelector: this.setup.labelSelector } : {}),
        },
        (type: string, obj: KubernetesObject & { code?: number }) => {
          if (this.stopped) return;
          if (type === 'ERROR') {
            // A Status: 410 when the resourceVersion is too old to resume from.
            gone = obj.code === 410;
            if (!gone) this.setup.log?.warn({ resource: this.setup.resource }, 'watch error event');
            this.abort?.abort();
            return;
          }
          if (type === 'BOOKMARK') {
            this.heard(obj.metadata?.resourceVersion);
            return;
          }
          this.apply(type, obj);
          this.heard(obj.metadata?.resourceVersion);
        },
        done,
      );
      if (this.stopped) controller.abort();
      else this.abort = controller;
      this.emit('connect');
    } catch (err) {
      done(err);
    }
  }

  private retry(relist: boolean): void {
    if (this.stopped || this.retryTimer) return;
    // Backing off to 30 s: a control plane that is gone for good costs a request now and then.
    const wait = Math.min(30_000, (this.setup.retryMs ?? 2000) * 2 ** Math.min(this.failures, 10));
    this.failures++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.recover(relist);
    }, wait);
    this.retryTimer.unref();
  }

  private async recover(relist: boolean): Promise<void> {
    if (this.stopped) return;
    if (!relist) {
      void this.watch();
      return;
    }
    if (this.relisting) return;
    this.relisting = true;
    try {
      await this.relist();
      void this.watch();
    } catch (err) {
      this.emit('error', err);
      this.setup.log?.warn(
        { resource: this.setup.resource, err: err instanceof Error ? err.message : String(err) },
        'list failed; retrying',
      );
      this.retry(true);
    } finally {
      this.relisting = false;
    }
  }
}

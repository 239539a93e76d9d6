import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ResolvedResource, ResourceRegistry } from '../registry/registry';
import type { ResourceType } from '../registry/resource-type';
import {
  StatusError,
  alreadyExists,
  badRequest,
  expired,
  forbidden,
  invalid,
  notFound,
  resourceNotFound,
  staleResourceVersion,
  unsupportedMediaType,
} from '../status-error';
import type {
  DeleteOptions,
  KubeResource,
  KubeObject,
  ListOptions,
  ListResult,
  ObjectMeta,
  PatchType,
  UpdateOptions,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from '../types';
import { apiVersionOf, isRecord, resourceKey } from '../types';
import type { DecodedObject } from '../validation/decode';
import { admitBody, checkPreconditions, decodeFor, validateObject } from './admission';
import type { Database, ObjectRow } from './database';
import { jsonEqual } from '../../../lib/json';
import { ClusterIpAllocator, applyKindDefaults, serviceClusterIp } from './kind-defaults';
import { composeObject, generatedName, specPart, timestamp, updatedMeta } from './object-meta';
import type { ChunkOptions } from './list-chunk';
import { continueExpired, decodeContinue, encodeContinue } from './list-chunk';
import type { ContinueToken } from './list-chunk';
import type { FieldManagerOptions, ManagedFieldsEntry } from './managed-fields';
import { entriesOf, recordUpdate, rootCursor, serverSideApply, setEntries } from './managed-fields';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { ObjectFilter } from './selectors';
import type { ChangeEvent } from './watch-hub';
import { WatchHub } from './watch-hub';

export interface ResourceStoreOptions {
  db: Database;
  registry: ResourceRegistry;
  logger: Logger;
  /** How many events the log keeps for watch replay; older resourceVersions answer 410 Expired. */
  eventRetention?: number;
}

const NAMESPACES: KubeResource = { group: '', version: 'v1', plural: 'namespaces' };
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
const COMPACTION_INTERVAL = 1000;

const PATCH_KINDS: Record<PatchType, 'merge' | 'json' | 'strategic' | 'apply'> = {
  merge: 'merge',
  json: 'json',
  strategic: 'strategic',
  apply: 'apply',
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

const versionOf = (gvr: KubeResource) => apiVersionOf(gvr.group, gvr.version);

/** The stored object as the version asked for (all served versions share one schema and one stored object). */
function present(stored: KubeObject, apiVersion: string): KubeObject {
  const { apiVersion: _, ...rest } = stored;
  return { apiVersion, ...rest };
}

function parseRow(row: { body: string | Buffer }): KubeObject {
  return JSON.parse(typeof row.body === 'string' ? row.body : row.body.toString('utf8')) as KubeObject;
}

/** A row of a list: its key, and its stored JSON (as text, or as the UTF-8 bytes SQLite holds). */
type ListRow = Pick<ObjectRow, 'namespace' | 'name'> & { body: string | Buffer };

const COMMA = Buffer.from(',');

/**
 * The system of record: Kubernetes objects with Kubernetes semantics (resourceVersion,
 * generation, optimistic concurrency, validation, watch), persisted in SQLite. The HTTP server is a
 * thin layer over it, so calling it directly behaves exactly as the API does.
 *
 * All methods are synchronous: a write has been committed to disk and delivered to watches when it
 * returns. Objects returned and delivered must be treated as read-only.
 */
/** Where a page of a list ends: the continue token and how many remain, when more remain. */
interface ListPageMeta {
  continue?: string;
  remainingItemCount?: number;
}

export class ResourceStore {
  private rv: number;
  private compactedRv: number;
  private readonly retention: number;
  private writesSinceCompaction = 0;
  /** Events of the open transaction; published only once the outermost transaction commits. */
  private pending: ChangeEvent[] = [];
  private committed: ChangeEvent[] = [];
  private depth = 0;
  private publishing = false;
  private readonly hub: WatchHub;
  private readonly ips: ClusterIpAllocator;
  private readonly db: Database;
  private readonly log: Logger;
  readonly registry: ResourceRegistry;

  constructor(options: ResourceStoreOptions) {
    this.db = options.db;
    this.registry = options.registry;
    this.log = options.logger;
    this.retention = options.eventRetention ?? 50_000;
    this.compactedRv = Number(this.db.getMeta('compactedRv') ?? '0');
    // The event log's newest entry is never compacted, so the counter resumes where it stopped.
    this.rv = Math.max(this.db.maxEventRv(), this.compactedRv);
    this.hub = new WatchHub((err) => this.log.error({ err }, 'a watch listener failed'));
    this.ips = new ClusterIpAllocator(() =>
      this.db
        .listObjects('services', undefined)
        .map((row) => serviceClusterIp(parseRow(row)))
        .filter((ip): ip is string => ip !== undefined),
    );
  }

  /** The newest resourceVersion, as a list returns it. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Creates the namespaces a cluster starts with, on the first start. */
  ensureNamespaces(names: string[]): void {
    for (const name of names) {
      if (!this.db.getObject('namespaces', '', name))
        this.create(NAMESPACES, undefined, { metadata: { name } });
    }
  }

  // ---- reads --------------------------------------------------------------------------------

  get(gvr: KubeResource, namespace: string | undefined, name: string): KubeObject {
    const { type } = this.registry.resolve(gvr);
    const row = this.db.getObject(resourceKey(type), this.scope(type, namespace), name);
    if (!row) throw notFound(type, name);
    return present(parseRow(row), versionOf(gvr));
  }

  /**
   * Lists objects in (namespace, name) order. With `limit`, a page: `continue` is set when more
   * remain, and `remainingItemCount` too unless selectors filter the list (as kube-apiserver).
   * A page costs the rows it reads (an index range from its continue key), not the whole kind.
   */
  list(
    gvr: KubeResource,
    namespace: string | undefined,
    options: ListOptions & ChunkOptions = {},
  ): ListResult & ListPageMeta {
    const apiVersion = versionOf(gvr);
    const { rows, meta } = this.listRows(gvr, namespace, options);
    return { ...meta, items: rows.map(({ row, object }) => present(object ?? parseRow(row), apiVersion)) };
  }

  /**
   * `list` as the JSON text of a List, for a list answered as JSON: an object stored with the asked
   * apiVersion first (as `commit` writes them) is sent as the bytes SQLite holds, never decoded,
   * parsed and serialized again. Parsing 100,000 stored Pods only to serialize them again was most
   * of a paged list's time on this side; decoding their UTF-8 into strings and encoding it back,
   * most of the rest. `head` is the List's fields before its items, as JSON (an object).
   */
  listJson(
    gvr: KubeResource,
    namespace: string | undefined,
    options: ListOptions & ChunkOptions,
    head: (meta: { resourceVersion: string } & ListPageMeta) => Record<string, unknown>,
  ): Buffer {
    const apiVersion = versionOf(gvr);
    const prefix = Buffer.from(`{"apiVersion":${JSON.stringify(apiVersion)},`);
    const { rows, meta } = this.listRows(gvr, namespace, options, (key, ns, after, limit) =>
      this.db.pageObjectBytes(key, ns, after, limit),
    );
    const opening = JSON.stringify(head(meta));
    const parts: Buffer[] = [Buffer.from(`${opening.slice(0, -1)},"items":[`)];
    for (const { row, object } of rows) {
      if (parts.length > 1) parts.push(COMMA);
      const body = row.body;
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      parts.push(
        !object && bytes.subarray(0, prefix.length).equals(prefix)
          ? bytes
          : Buffer.from(JSON.stringify(present(object ?? parseRow(row), apiVersion))),
      );
    }
    parts.push(Buffer.from(']}'));
    return Buffer.concat(parts);
  }

  /**
   * The rows of a list in (namespace, name) order. With `limit`, a page: `continue` is set when
   * more remain, and `remainingItemCount` too unless selectors filter the list (as kube-apiserver).
   * A page costs the rows it reads (an index range from its continue key), not the whole kind.
   * Rows are parsed only when a selector must look at them (`object` is then set).
   */
  private listRows<R extends ListRow = ObjectRow>(
    gvr: KubeResource,
    namespace: string | undefined,
    options: ListOptions & ChunkOptions,
    read: (
      resource: string,
      namespace: string | undefined,
      after: readonly [string, string] | undefined,
      limit: number,
    ) => R[] = (...args) => this.db.pageObjects(...args) as unknown as R[],
  ): { rows: { row: R; object?: KubeObject }[]; meta: { resourceVersion: string } & ListPageMeta } {
    const { type } = this.registry.resolve(gvr);
    const filter = ObjectFilter.from(options, type);
    const ns = type.namespaced && namespace ? namespace : undefined;
    let listRv = this.rv;
    let after: [string, string] | undefined;
    let token: ContinueToken | undefined;
    if (options.continue) {
      token = decodeContinue(options.continue);
      if (token.rv < this.oldestKeptRv) throw continueExpired();
      listRv = token.rv;
      const slash = token.start.indexOf('/');
      after = [token.start.slice(0, slash), token.start.slice(slash + 1)];
    }
    const meta: { resourceVersion: string } & ListPageMeta = { resourceVersion: String(listRv) };
    const rows: { row: R; object?: KubeObject }[] = [];
    const key = resourceKey(type);
    const selected = Boolean(options.labelSelector || options.fieldSelector);
    const take = (row: R): boolean => {
      if (!selected) {
        rows.push({ row });
        return true;
      }
      const object = parseRow(row);
      if (!filter.matches(object)) return false;
      rows.push({ row, object });
      return true;
    };
    if (options.limit === undefined || options.limit === 0) {
      // LIMIT -1: no limit (all objects after the continue key, if one is given).
      for (const row of read(key, ns, after, -1)) take(row);
      return { rows, meta };
    }
    // A page is read from SQL, starting after the last key returned: limit + 1 matches tell whether
    // more remain. Selectors filter in JS, so with one the rows are read in batches until the page
    // is full or the objects end.
    const limit = options.limit;
    const batch = selected ? Math.max(limit + 1, 500) : limit + 1;
    let cursor = after;
    let more = false;
    let lastKey: [string, string] | undefined;
    scan: for (;;) {
      const page = read(key, ns, cursor, batch);
      for (const row of page) {
        cursor = [row.namespace, row.name];
        if (rows.length === limit) {
          // One more that matches: the page is full and more remain.
          if (!selected || filter.matches(parseRow(row))) {
            more = true;
            break scan;
          }
          continue;
        }
        if (take(row)) lastKey = cursor;
      }
      if (page.length < batch) break;
    }
    if (more && lastKey) {
      // Counted on a list's first page; a later page's is the count its token carries less what it
      // returns (at least the one seen beyond it). With selectors there is none, as kube-apiserver.
      let remaining: number | undefined;
      if (!selected)
        remaining =
          token?.remaining !== undefined
            ? Math.max(1, token.remaining - rows.length)
            : this.db.countObjectsAfter(key, ns, lastKey);
      meta.continue = encodeContinue({ rv: listRv, start: `${lastKey[0]}/${lastKey[1]}`, remaining });
      if (remaining !== undefined) meta.remainingItemCount = remaining;
    }
    return { rows, meta };
  }

  // ---- writes -------------------------------------------------------------------------------

  create(
    gvr: KubeResource,
    namespace: string | undefined,
    input: unknown,
    options: WriteOptions & FieldManagerOptions = {},
  ): KubeObject {
    return this.createObject(gvr, namespace, input, options, undefined);
  }

  /** A create; `applied` holds the managed fields of a server-side apply that creates the object. */
  private createObject(
    gvr: KubeResource,
    namespace: string | undefined,
    input: unknown,
    options: WriteOptions & FieldManagerOptions,
    applied: ManagedFieldsEntry[] | undefined,
  ): KubeObject {
    const resolved = this.registry.resolve(gvr);
    const { type } = resolved;
    const decoded = decodeFor(resolved, input);
    if (decoded.meta.namespace && namespace && type.namespaced && decoded.meta.namespace !== namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    const ns = this.scope(type, namespace ?? decoded.meta.namespace);
    if (decoded.meta.resourceVersion)
      throw new StatusError(
        500,
        'InternalError',
        'resourceVersion should not be set on objects to be created',
      );
    const body = admitBody(resolved, decoded, options);
    if (type.statusSubresource) delete body.status;
    if (type.namespaced) this.requireNamespace(ns);

    let name = decoded.meta.name;
    if (!name && decoded.meta.generateName) {
      const prefix = decoded.meta.generateName;
      for (
        let attempt = 0;
        attempt < 8 && (!name || this.db.getObject(resourceKey(type), ns, name));
        attempt++
      )
        name = generatedName(prefix);
    }
    const meta: ObjectMeta = {
      name,
      generateName: decoded.meta.generateName,
      namespace: type.namespaced ? ns : undefined,
      uid: randomUUID(),
      generation: 1,
      creationTimestamp: timestamp(),
      labels: decoded.meta.labels,
      annotations: decoded.meta.annotations,
      ownerReferences: decoded.meta.ownerReferences,
      finalizers: decoded.meta.finalizers,
    };
    const object = composeObject(apiVersionOf(type.group, this.storageVersion(type)), type.kind, meta, body);
    applyKindDefaults(type, object, undefined, this.ips);
    if (applied) setEntries(object, applied);
    else if (options.fieldManager)
      setEntries(
        object,
        recordUpdate([], undefined, object, {
          manager: options.fieldManager,
          apiVersion: versionOf(gvr),
          scope: 'main',
          statusSeparate: type.statusSubresource,
          cursor: rootCursor(resolved),
        }),
      );
    validateObject(resolved, object);
    if (name && this.db.getObject(resourceKey(type), ns, name)) throw alreadyExists(type, name);
    if (options.dryRun) return present(object, versionOf(gvr));
    return present(this.commit(type, 'ADDED', object, undefined), versionOf(gvr));
  }

  /** Creates many objects in one transaction (one fsync): how a seed of thousands stays fast. */
  createMany(
    gvr: KubeResource,
    namespace: string | undefined,
    inputs: unknown[],
    options: WriteOptions & FieldManagerOptions = {},
  ): KubeObject[] {
    return this.transaction(() => inputs.map((input) => this.create(gvr, namespace, input, options)));
  }

  update(
    gvr: KubeResource,
    namespace: string | undefined,
    name: string,
    input: unknown,
    options: UpdateOptions & FieldManagerOptions = {},
  ): KubeObject {
    const resolved = this.registry.resolve(gvr);
    const { type } = resolved;
    const ns = this.scope(type, namespace);
    const decoded = decodeFor(resolved, input);
    decoded.meta.name ??= name;
    if (decoded.meta.name !== name)
      throw badRequest(
        `the name of the object (${decoded.meta.name}) does not match the name on the URL (${name})`,
      );
    if (type.namespaced && decoded.meta.namespace && decoded.meta.namespace !== ns)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    const row = this.db.getObject(resourceKey(type), ns, name);
    if (!row) {
      if (type.allowCreateOnUpdate && !options.subresource) return this.create(gvr, ns, input, options);
      throw notFound(type, name);
    }
    return this.applyUpdate(resolved, gvr, parseRow(row), decoded, options, false);
  }

  patch(
    gvr: KubeResource,
    namespace: string | undefined,
    name: string,
    requestedType: PatchType,
    patch: unknown,
    options: UpdateOptions & FieldManagerOptions = {},
  ): KubeObject {
    const resolved = this.registry.resolve(gvr);
    const { type } = resolved;
    const patchType = PATCH_KINDS[requestedType];
    if (patchType === 'apply') return this.applyConfiguration(resolved, gvr, namespace, name, patch, options);
    const accepted = type.custom
      ? ['application/json-patch+json', 'application/merge-patch+json']
      : [
          'application/json-patch+json',
          'application/merge-patch+json',
          'application/strategic-merge-patch+json',
        ];
    if (patchType === 'strategic' && type.custom)
      throw unsupportedMediaType('application/strategic-merge-patch+json', accepted);
    const ns = this.scope(type, namespace);
    const row = this.db.getObject(resourceKey(type), ns, name);
    if (!row) throw notFound(type, name);
    const stored = parseRow(row);
    const current = present(stored, versionOf(gvr));
    if (patchType !== 'json' && !isRecord(patch))
      throw badRequest('json: cannot unmarshal into Go value of type map[string]interface {}');
    const patched =
      patchType === 'json'
        ? jsonPatch(current, patch)
        : patchType === 'merge'
          ? mergePatch(current, patch)
          : strategicMergePatch(current, patch);
    const decoded = decodeFor(resolved, patched);
    if (decoded.meta.name !== name)
      throw badRequest(
        `the name of the object (${decoded.meta.name ?? ''}) does not match the name on the URL (${name})`,
      );
    return this.applyUpdate(resolved, gvr, stored, decoded, options, true);
  }

  /**
   * Server-side apply (PATCH application/apply-patch+yaml): creates the object when it is missing,
   * else merges the configuration into it under its field manager (see managed-fields.ts).
   */
  private applyConfiguration(
    resolved: ResolvedResource,
    gvr: KubeResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options: UpdateOptions & FieldManagerOptions,
  ): KubeObject {
    const { type } = resolved;
    const manager = options.fieldManager;
    if (!manager)
      throw invalid('PatchOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueRequired',
          field: 'fieldManager',
          message: 'Required value: is required for apply patch',
        },
      ]);
    if (!isRecord(patch)) throw badRequest('error decoding YAML: the apply configuration must be an object');
    if (
      typeof patch.apiVersion !== 'string' ||
      typeof patch.kind !== 'string' ||
      !patch.apiVersion ||
      !patch.kind
    )
      throw badRequest(
        `invalid object type: ${String(patch.apiVersion ?? '')}, Kind=${String(patch.kind ?? '')}`,
      );
    const decoded = decodeFor(resolved, patch);
    if (decoded.meta.name !== undefined && decoded.meta.name !== name)
      throw badRequest(
        `the name of the object (${decoded.meta.name}) does not match the name on the URL (${name})`,
      );
    const ns = this.scope(type, namespace);
    const scope = options.subresource === 'status' ? 'status' : 'main';
    const request = {
      manager,
      apiVersion: versionOf(gvr),
      force: options.force ?? false,
      scope,
      statusSeparate: type.statusSubresource,
      cursor: rootCursor(resolved),
    } as const;
    const row = this.db.getObject(resourceKey(type), ns, name);
    if (!row) {
      if (scope === 'status') throw notFound(type, name);
      const configuration = {
        ...patch,
        metadata: { ...(isRecord(patch.metadata) ? patch.metadata : {}), name },
      };
      const { object, entries } = serverSideApply(undefined, configuration, request);
      return this.createObject(gvr, ns, object, options, entries);
    }
    const current = parseRow(row);
    if (decoded.meta.resourceVersion && decoded.meta.resourceVersion !== current.metadata.resourceVersion)
      throw staleResourceVersion(type, name);
    const { object, entries } = serverSideApply(present(current, versionOf(gvr)), patch, request);
    return this.applyUpdate(resolved, gvr, current, decodeFor(resolved, object), options, true, entries);
  }

  delete(
    gvr: KubeResource,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject {
    const { type } = this.registry.resolve(gvr);
    const ns = this.scope(type, namespace);
    const row = this.db.getObject(resourceKey(type), ns, name);
    if (!row) throw notFound(type, name);
    const current = parseRow(row);
    checkPreconditions(type, current, options);
    if (resourceKey(type) === 'namespaces' && PROTECTED_NAMESPACES.has(name))
      throw forbidden(type, name, 'this namespace may not be deleted');
    if (!options.dryRun) {
      this.transaction(() => {
        // Namespace deletion is immediate here: its objects go first, each with its DELETED event.
        if (resourceKey(type) === 'namespaces') {
          for (const child of this.db.objectsInNamespace(name)) this.remove(child.resource, parseRow(child));
        } else if (options.propagationPolicy === 'Orphan' || options.propagationPolicy === 'Foreground') {
          this.propagate(current, options.propagationPolicy);
        }
        this.remove(resourceKey(type), current);
      });
    }
    return present(current, versionOf(gvr));
  }

  deleteCollection(
    gvr: KubeResource,
    namespace: string | undefined,
    listOptions: ListOptions = {},
    options: DeleteOptions = {},
  ): ListResult {
    const { type } = this.registry.resolve(gvr);
    const matching = this.list(gvr, namespace, listOptions).items;
    if (options.dryRun) return { items: matching, resourceVersion: this.resourceVersion };
    const deleted = this.transaction(() =>
      matching.map((object) =>
        this.delete(
          gvr,
          type.namespaced ? object.metadata.namespace : undefined,
          object.metadata.name ?? '',
          {
            propagationPolicy: options.propagationPolicy,
          },
        ),
      ),
    );
    return { items: deleted, resourceVersion: this.resourceVersion };
  }

  /**
   * Runs fn in one SQLite transaction: all its writes commit together (or none, if it throws) and
   * watches see them only after the commit. fn must be synchronous.
   */
  transaction<T>(fn: () => T): T {
    const rvBefore = this.rv;
    const pendingBefore = this.pending.length;
    this.depth++;
    let result: T;
    try {
      result = this.db.transaction(fn);
    } catch (err) {
      this.rv = rvBefore;
      this.pending.length = pendingBefore;
      throw err;
    } finally {
      this.depth--;
    }
    if (this.depth === 0) {
      this.committed.push(...this.pending);
      this.pending = [];
      this.drain();
    }
    return result;
  }

  // ---- watch --------------------------------------------------------------------------------

  /**
   * Starts a watch. Without a resourceVersion (or "0") it first reports every current object as
   * ADDED; with one it replays every change after it from the event log, then continues live, with
   * no gap and no duplicate. A resourceVersion older than the log throws 410 Expired.
   */
  watch(
    gvr: KubeResource,
    namespace: string | undefined,
    fromResourceVersion: string | undefined,
    onEvent: (event: WatchEvent) => void,
    options: WatchOptions = {},
  ): () => void {
    const { type } = this.registry.resolve(gvr);
    const filter = ObjectFilter.from(options, type);
    const ns = type.namespaced && namespace ? namespace : undefined;
    const key = resourceKey(type);
    const apiVersion = versionOf(gvr);
    const deliver = (change: ChangeEvent) => {
      if (ns !== undefined && change.namespace !== ns) return;
      const event = filter.eventType(change.type, change.object, change.prevLabels);
      if (event) onEvent({ type: event, object: present(change.object, apiVersion) });
    };

    if (fromResourceVersion === undefined || fromResourceVersion === '' || fromResourceVersion === '0') {
      for (const row of this.db.listObjects(key, ns)) {
        const object = parseRow(row);
        if (filter.matches(object)) onEvent({ type: 'ADDED', object: present(object, apiVersion) });
      }
      options.onInitialEventsEnd?.(this.resourceVersion);
    } else {
      const from = Number(fromResourceVersion);
      if (!/^\d+$/.test(fromResourceVersion) || !Number.isSafeInteger(from))
        throw badRequest(
          `resourceVersion: Invalid value: "${fromResourceVersion}": must be a non-negative integer`,
        );
      if (from < this.oldestKeptRv)
        throw expired(`too old resource version: ${from} (${this.oldestKeptRv + 1})`);
      for (const row of this.db.eventsAfter(from, key, ns)) {
        deliver({
          rv: row.rv,
          resource: row.resource,
          namespace: row.namespace,
          type: row.type,
          object: JSON.parse(row.body) as KubeObject,
          prevLabels:
            row.prev_labels === null ? undefined : (JSON.parse(row.prev_labels) as Record<string, string>),
        });
      }
    }
    return this.hub.subscribe(key, deliver);
  }

  /** Number of open watches, for diagnostics and tests. */
  get watchCount(): number {
    return this.hub.size;
  }

  // ---- internals ----------------------------------------------------------------------------

  /**
   * The oldest resourceVersion a watch may start from: the log keeps the last `retention` events.
   * Compaction deletes older ones in batches, but they are expired as soon as they fall out of the
   * window, so when a watch gets 410 does not depend on when the last batch ran.
   */
  private get oldestKeptRv(): number {
    return Math.max(this.compactedRv, this.rv - this.retention);
  }

  private storageVersion(type: ResourceType): string {
    return type.versions[0]?.name ?? 'v1';
  }

  /** The namespace column of a resource: '' for cluster-scoped kinds; required for namespaced ones. */
  private scope(type: ResourceType, namespace: string | undefined): string {
    if (!type.namespaced) return '';
    if (!namespace)
      throw badRequest('the server could not find the requested resource: a namespace is required');
    return namespace;
  }

  private requireNamespace(namespace: string): void {
    if (!this.db.getObject('namespaces', '', namespace))
      throw notFound({ group: '', plural: 'namespaces' }, namespace);
  }

  private applyUpdate(
    resolved: ResolvedResource,
    gvr: KubeResource,
    current: KubeObject,
    decoded: DecodedObject,
    options: UpdateOptions & FieldManagerOptions,
    fromPatch: boolean,
    applied?: ManagedFieldsEntry[],
  ): KubeObject {
    const { type } = resolved;
    const name = current.metadata.name ?? '';
    if (options.subresource === 'status' && !type.statusSubresource) throw resourceNotFound();
    const rvIn = decoded.meta.resourceVersion;
    if (rvIn) {
      if (rvIn !== current.metadata.resourceVersion) throw staleResourceVersion(type, name);
    } else if (!type.allowUnconditionalUpdate && !fromPatch) {
      throw invalid(type.kind, type.group, name, [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.resourceVersion',
          message: 'Invalid value: 0x0: must be specified for an update',
        },
      ]);
    }
    checkPreconditions(type, current, { uid: decoded.meta.uid });
    const body = admitBody(resolved, decoded, options);

    let next: KubeObject;
    if (options.subresource === 'status') {
      next = structuredClone(current);
      if (body.status === undefined) delete next.status;
      else next.status = body.status;
    } else {
      next = composeObject(current.apiVersion, type.kind, updatedMeta(current.metadata, decoded.meta), body);
      // With a status subresource the main resource cannot change status, as real.
      if (type.statusSubresource) {
        if (current.status === undefined) delete next.status;
        else next.status = current.status;
      }
      applyKindDefaults(type, next, current, this.ips);
    }
    if (applied) {
      setEntries(next, applied);
    } else if (options.fieldManager) {
      setEntries(
        next,
        recordUpdate(entriesOf(current), current, next, {
          manager: options.fieldManager,
          subresource: options.managedSubresource,
          apiVersion: versionOf(gvr),
          scope: options.subresource === 'status' ? 'status' : 'main',
          statusSeparate: type.statusSubresource,
          cursor: rootCursor(resolved),
        }),
      );
    }
    validateObject(resolved, next);
    const specChanged = !jsonEqual(specPart(current), specPart(next));
    next.metadata.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    // A write that changes nothing is not a write: no new resourceVersion and no event, as real.
    if (jsonEqual(current, next)) return present(current, versionOf(gvr));
    if (options.dryRun) return present(next, versionOf(gvr));
    return present(this.commit(type, 'MODIFIED', next, current.metadata.labels ?? {}), versionOf(gvr));
  }

  private commit(
    type: ResourceType,
    change: 'ADDED' | 'MODIFIED',
    object: KubeObject,
    prevLabels: Record<string, string> | undefined,
  ): KubeObject {
    return this.transaction(() => {
      const rv = ++this.rv;
      object.metadata.resourceVersion = String(rv);
      // apiVersion first, so a list can send the stored text as it is (listJson).
      const body = JSON.stringify(Object.assign({ apiVersion: object.apiVersion }, object));
      const resource = resourceKey(type);
      const namespace = object.metadata.namespace ?? '';
      const name = object.metadata.name ?? '';
      this.db.putObject({ resource, namespace, name, rv, body });
      this.db.appendEvent({
        rv,
        resource,
        namespace,
        type: change,
        body,
        prev_labels: prevLabels === undefined ? null : JSON.stringify(prevLabels),
      });
      const ip = resource === 'services' ? serviceClusterIp(object) : undefined;
      if (ip) this.ips.reserve(ip);
      this.pending.push({ rv, resource, namespace, type: change, object, prevLabels });
      return object;
    });
  }

  /**
   * The dependents of an object being deleted (objects of its namespace whose ownerReferences name
   * its uid), inside the caller's transaction: Orphan removes that reference from each, as the
   * orphan finalizer does; Foreground deletes them first, and theirs in turn (the garbage collector
   * does it after the owner is gone for Background, the default).
   */
  private propagate(owner: KubeObject, policy: 'Orphan' | 'Foreground'): void {
    const uid = owner.metadata.uid;
    if (!uid) return;
    const ns = owner.metadata.namespace;
    const rows = ns ? this.db.objectsInNamespace(ns) : [];
    for (const row of rows) {
      const dependent = parseRow(row);
      const raw: unknown = dependent.metadata.ownerReferences;
      const refs = Array.isArray(raw) ? (raw as { uid?: unknown }[]) : [];
      if (!refs.some((r) => r.uid === uid)) continue;
      const type = this.registry.typeOf(row.resource);
      if (!type) continue;
      if (policy === 'Foreground') {
        this.propagate(dependent, policy);
        this.remove(row.resource, dependent);
        continue;
      }
      const next: KubeObject = {
        ...dependent,
        metadata: { ...dependent.metadata, ownerReferences: refs.filter((r) => r.uid !== uid) },
      };
      if (refs.length === 1) delete next.metadata.ownerReferences;
      this.commit(type, 'MODIFIED', next, dependent.metadata.labels ?? {});
    }
  }

  /** Deletes one stored object and logs its DELETED event, inside the caller's transaction. */
  private remove(resource: string, current: KubeObject): void {
    const rv = ++this.rv;
    const namespace = current.metadata.namespace ?? '';
    const name = current.metadata.name ?? '';
    const tombstone: KubeObject = {
      ...current,
      metadata: { ...current.metadata, resourceVersion: String(rv) },
    };
    this.db.deleteObject(resource, namespace, name);
    this.db.appendEvent({
      rv,
      resource,
      namespace,
      type: 'DELETED',
      body: JSON.stringify(tombstone),
      prev_labels: null,
    });
    const ip = resource === 'services' ? serviceClusterIp(current) : undefined;
    if (ip) this.ips.release(ip);
    this.pending.push({ rv, resource, namespace, type: 'DELETED', object: tombstone, prevLabels: undefined });
  }

  /** Publishes committed events in commit order, even when a listener writes from its callback. */
  private drain(): void {
    if (this.publishing) return;
    this.publishing = true;
    try {
      while (this.committed.length > 0) {
        // Commits made by listeners land in a new batch, published after this one: still commit order.
        const batch = this.committed;
        this.committed = [];
        for (const event of batch) this.hub.publish(event);
        this.writesSinceCompaction += batch.length;
      }
    } finally {
      this.publishing = false;
    }
    if (this.writesSinceCompaction >= Math.min(COMPACTION_INTERVAL, this.retention)) this.compact();
  }

  private compact(): void {
    this.writesSinceCompaction = 0;
    const through = this.rv - this.retention;
    if (through <= this.compactedRv) return;
    this.db.transaction(() => {
      this.db.compactThrough(through);
      this.db.setMeta('compactedRv', String(through));
    });
    this.compactedRv = through;
    this.log.debug({ through }, 'event log compacted');
  }
}

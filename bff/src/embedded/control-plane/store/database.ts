import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { WatchEventType } from '../types';

export interface ObjectRow {
  resource: string;
  namespace: string;
  name: string;
  rv: number;
  body: string;
}

/** An object's key and its stored JSON as UTF-8 bytes: what a list answered as JSON sends as it is. */
export interface ObjectBytesRow {
  namespace: string;
  name: string;
  body: Buffer;
}

/** The statements of a chunked list's pages, for one choice of columns. */
interface PageStatements<R> {
  all: Statement<[string, number], R>;
  allAfter: Statement<[string, string, string, number], R>;
  namespace: Statement<[string, string, number], R>;
  namespaceAfter: Statement<[string, string, string, number], R>;
}

export interface EventRow {
  rv: number;
  resource: string;
  namespace: string;
  type: WatchEventType;
  body: string;
  /** For MODIFIED: the labels before the change, so a label-selected watch can turn it into ADDED or DELETED. */
  prev_labels: string | null;
}

const SCHEMA_VERSION = 1;

/**
 * Within one namespace, where the keys after `after` start: undefined for all of its names, a name
 * to start after, or null when `after` is past the whole namespace.
 */
function nameAfterIn(
  namespace: string,
  after: readonly [string, string] | undefined,
): string | undefined | null {
  if (!after || after[0] < namespace) return undefined;
  if (after[0] > namespace) return null;
  return after[1];
}

/**
 * The SQLite file behind the store. Objects are keyed by (resource, namespace, name), so a list of
 * one namespace is an index range scan; every write also appends to an event log that watches
 * replay from. resourceVersions are the event log's sequence: one per write, never reused.
 */
export class Database {
  private readonly db: SqliteDatabase;
  private readonly pages: PageStatements<ObjectRow>;
  private readonly bytePages: PageStatements<ObjectBytesRow>;
  private readonly stmt: {
    getObject: Statement<[string, string, string], ObjectRow>;
    listNamespace: Statement<[string, string], ObjectRow>;
    listAll: Statement<[string], ObjectRow>;
    countAllAfter: Statement<[string, string, string], { n: number }>;
    countNamespaceAfter: Statement<[string, string, string], { n: number }>;
    listInNamespace: Statement<[string], ObjectRow>;
    countInNamespace: Statement<[string], { n: number }>;
    upsertObject: Statement<[string, string, string, number, string]>;
    deleteObject: Statement<[string, string, string]>;
    appendEvent: Statement<[number, string, string, string, string, string | null]>;
    eventsAfter: Statement<[number, string], EventRow>;
    eventsAfterInNamespace: Statement<[number, string, string], EventRow>;
    maxEventRv: Statement<[], { rv: number | null }>;
    minEventRv: Statement<[], { rv: number | null }>;
    getMeta: Statement<[string], { value: string }>;
    setMeta: Statement<[string, string]>;
    compact: Statement<[number]>;
  };

  constructor(file: string) {
    this.db = new BetterSqlite3(file, { timeout: 1000 });
    try {
      // One process owns the file: a second control plane on the same data directory would hand out
      // the same resourceVersions. The lock is taken by the first write (the migration) and held.
      this.db.pragma('locking_mode = EXCLUSIVE');
      // WAL with synchronous=FULL: a commit returns only once it is on disk, so every acknowledged
      // write survives kill -9 and power loss.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.migrate();
    } catch (err) {
      this.db.close();
      if (err instanceof Error && /locked|busy/i.test(err.message))
        throw new Error(`${file} is in use by another control plane process`, { cause: err });
      throw err;
    }
    // The objects may hold what operators consider private (ConfigMaps); only the owner reads them.
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
    const db = this.db;
    // Pages of a chunked list: a range of the primary key's index after the last key returned,
    // so a page costs its own rows however many precede it (row values: SQLite 3.15+).
    const pages = <R>(columns: string): PageStatements<R> => ({
      all: db.prepare(`SELECT ${columns} FROM objects WHERE resource = ? ORDER BY namespace, name LIMIT ?`),
      allAfter: db.prepare(
        `SELECT ${columns} FROM objects WHERE resource = ? AND (namespace, name) > (?, ?) ORDER BY namespace, name LIMIT ?`,
      ),
      namespace: db.prepare(
        `SELECT ${columns} FROM objects WHERE resource = ? AND namespace = ? ORDER BY name LIMIT ?`,
      ),
      namespaceAfter: db.prepare(
        `SELECT ${columns} FROM objects WHERE resource = ? AND namespace = ? AND name > ? ORDER BY name LIMIT ?`,
      ),
    });
    this.pages = pages<ObjectRow>('*');
    // The body as a BLOB: its UTF-8 bytes as a Buffer, not decoded into a string.
    this.bytePages = pages<ObjectBytesRow>('namespace, name, CAST(body AS BLOB) AS body');
    this.stmt = {
      getObject: db.prepare('SELECT * FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      listNamespace: db.prepare('SELECT * FROM objects WHERE resource = ? AND namespace = ? ORDER BY name'),
      listAll: db.prepare('SELECT * FROM objects WHERE resource = ? ORDER BY namespace, name'),
      // Counted on the index alone (it holds the whole key): no object body is read.
      countAllAfter: db.prepare(
        'SELECT count(*) AS n FROM objects WHERE resource = ? AND (namespace, name) > (?, ?)',
      ),
      countNamespaceAfter: db.prepare(
        'SELECT count(*) AS n FROM objects WHERE resource = ? AND namespace = ? AND name > ?',
      ),
      listInNamespace: db.prepare('SELECT * FROM objects WHERE namespace = ? ORDER BY resource, name'),
      countInNamespace: db.prepare('SELECT count(*) AS n FROM objects WHERE namespace = ?'),
      upsertObject: db.prepare(
        `INSERT INTO objects (resource, namespace, name, rv, body) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (resource, namespace, name) DO UPDATE SET rv = excluded.rv, body = excluded.body`,
      ),
      deleteObject: db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      appendEvent: db.prepare(
        'INSERT INTO events (rv, resource, namespace, type, body, prev_labels) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      eventsAfter: db.prepare('SELECT * FROM events WHERE rv > ? AND resource = ? ORDER BY rv'),
      eventsAfterInNamespace: db.prepare(
        'SELECT * FROM events WHERE rv > ? AND resource = ? AND namespace = ? ORDER BY rv',
      ),
      maxEventRv: db.prepare('SELECT max(rv) AS rv FROM events'),
      minEventRv: db.prepare('SELECT min(rv) AS rv FROM events'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      compact: db.prepare('DELETE FROM events WHERE rv <= ?'),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true });
    if (typeof version === 'number' && version > SCHEMA_VERSION)
      throw new Error(`state.db was written by a newer version (schema ${version}); refusing to open it`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS objects (
        resource TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        rv INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (resource, namespace, name)
      );
      CREATE INDEX IF NOT EXISTS objects_by_namespace ON objects (namespace);
      CREATE TABLE IF NOT EXISTS events (
        rv INTEGER PRIMARY KEY,
        resource TEXT NOT NULL,
        namespace TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        prev_labels TEXT
      );
      CREATE INDEX IF NOT EXISTS events_by_resource ON events (resource, rv);
    `);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  getObject(resource: string, namespace: string, name: string): ObjectRow | undefined {
    return this.stmt.getObject.get(resource, namespace, name);
  }

  listObjects(resource: string, namespace: string | undefined): ObjectRow[] {
    return namespace === undefined
      ? this.stmt.listAll.all(resource)
      : this.stmt.listNamespace.all(resource, namespace);
  }

  /**
   * At most `limit` objects of one resource (of one namespace, if given) in (namespace, name) order,
   * after the key `after` ([namespace, name]) when given: one page of a chunked list (limit -1:
   * every object after the key).
   */
  pageObjects(
    resource: string,
    namespace: string | undefined,
    after: readonly [string, string] | undefined,
    limit: number,
  ): ObjectRow[] {
    return this.page(this.pages, resource, namespace, after, limit);
  }

  /** `pageObjects` with each body as its stored UTF-8 bytes (a list sent as JSON: never decoded here). */
  pageObjectBytes(
    resource: string,
    namespace: string | undefined,
    after: readonly [string, string] | undefined,
    limit: number,
  ): ObjectBytesRow[] {
    return this.page(this.bytePages, resource, namespace, after, limit);
  }

  private page<R>(
    statements: PageStatements<R>,
    resource: string,
    namespace: string | undefined,
    after: readonly [string, string] | undefined,
    limit: number,
  ): R[] {
    if (namespace === undefined)
      return after
        ? statements.allAfter.all(resource, after[0], after[1], limit)
        : statements.all.all(resource, limit);
    const from = nameAfterIn(namespace, after);
    if (from === null) return [];
    return from === undefined
      ? statements.namespace.all(resource, namespace, limit)
      : statements.namespaceAfter.all(resource, namespace, from, limit);
  }

  /** How many objects of one resource (of one namespace, if given) come after the key `after`. */
  countObjectsAfter(
    resource: string,
    namespace: string | undefined,
    after: readonly [string, string],
  ): number {
    if (namespace === undefined) return this.stmt.countAllAfter.get(resource, after[0], after[1])?.n ?? 0;
    const from = nameAfterIn(namespace, after);
    if (from === null) return 0;
    return (
      (from === undefined
        ? this.stmt.countNamespaceAfter.get(resource, namespace, '')?.n
        : this.stmt.countNamespaceAfter.get(resource, namespace, from)?.n) ?? 0
    );
  }

  objectsInNamespace(namespace: string): ObjectRow[] {
    return this.stmt.listInNamespace.all(namespace);
  }

  countInNamespace(namespace: string): number {
    return this.stmt.countInNamespace.get(namespace)?.n ?? 0;
  }

  putObject(row: ObjectRow): void {
    this.stmt.upsertObject.run(row.resource, row.namespace, row.name, row.rv, row.body);
  }

  deleteObject(resource: string, namespace: string, name: string): void {
    this.stmt.deleteObject.run(resource, namespace, name);
  }

  appendEvent(row: EventRow): void {
    this.stmt.appendEvent.run(row.rv, row.resource, row.namespace, row.type, row.body, row.prev_labels);
  }

  eventsAfter(rv: number, resource: string, namespace: string | undefined): EventRow[] {
    return namespace === undefined
      ? this.stmt.eventsAfter.all(rv, resource)
      : this.stmt.eventsAfterInNamespace.all(rv, resource, namespace);
  }

  maxEventRv(): number {
    return this.stmt.maxEventRv.get()?.rv ?? 0;
  }

  minEventRv(): number | undefined {
    return this.stmt.minEventRv.get()?.rv ?? undefined;
  }

  getMeta(key: string): string | undefined {
    return this.stmt.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt.setMeta.run(key, value);
  }

  /** Drops events up to and including `rv`; the caller records `rv` as the compaction point. */
  compactThrough(rv: number): void {
    this.stmt.compact.run(rv);
  }

  /** Runs fn in a transaction (a savepoint when nested); a throw rolls back and rethrows. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

import type { ResolvedResource } from '../registry/registry';
import { StatusError } from '../status-error';
import type { KubeObject } from '../types';
import { isRecord } from '../types';
import { jsonEqual } from '../../../lib/json';
import type { FieldsV1 } from './field-paths';
import {
  SchemaCursor,
  collectPaths,
  fromFieldsV1,
  isSelfPath,
  nodeOf,
  mergeApplied,
  printPath,
  removeAt,
  splitPath,
  toFieldsV1,
  valueAt,
  within,
} from './field-paths';
import { timestamp } from './object-meta';

/**
 * metadata.managedFields: which manager owns which fields, and server-side apply on top of it
 * (structured-merge-diff's rules, as kube-apiserver applies them):
 * - a regular write (Update) gives its manager the fields it changed and takes them from the others;
 * - an Apply gives its manager exactly the fields of its configuration; a field another manager owns
 *   with a different value is a conflict (409) unless forced, which moves the field to the applier;
 *   the same value is shared; a field the manager applied before and no longer applies is removed
 *   from the object when no other manager owns it.
 */

/** Query options of a write that records managed fields. */
export interface FieldManagerOptions {
  /** The `fieldManager` of the request; no entry is recorded without one. */
  fieldManager?: string;
  /** Apply's `force`: take conflicting fields from their managers. */
  force?: boolean;
  /** The subresource an Update entry names when the write came through one that is not `status` (`scale`). */
  managedSubresource?: string;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

interface Owner {
  entry: ManagedFieldsEntry;
  fields: Set<string>;
}

/** Metadata fields that are identity or server-set, owned by no one. */
const OWNED_METADATA = ['labels', 'annotations', 'ownerReferences', 'finalizers'];

type Scope = 'main' | 'status';

/** The part of an object a write of this scope owns fields in. */
function ownedPart(object: Record<string, unknown>, scope: Scope, statusSeparate: boolean) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (k === 'status' && statusSeparate) {
      if (scope === 'status') out.status = v;
      continue;
    }
    if (scope === 'status' && statusSeparate) continue;
    if (k === 'metadata') {
      if (!isRecord(v)) continue;
      const meta: Record<string, unknown> = {};
      for (const m of OWNED_METADATA) if (v[m] !== undefined) meta[m] = v[m];
      if (Object.keys(meta).length > 0) out.metadata = meta;
      continue;
    }
    out[k] = v;
  }
  return out;
}

const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
/** ObjectMeta's owned fields: labels and annotations are maps, owned key by key. */
const METADATA_SCHEMA = {
  type: 'object',
  properties: {
    labels: stringMap,
    annotations: stringMap,
    ownerReferences: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['uid'],
      items: { type: 'object' },
    },
    finalizers: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
  },
};

export function rootCursor({ type, version }: ResolvedResource): SchemaCursor {
  const schema = version.schema ?? { type: 'object' };
  const properties = isRecord(schema.properties) ? schema.properties : {};
  return new SchemaCursor(
    { ...schema, properties: { ...properties, metadata: METADATA_SCHEMA } },
    !type.custom,
  );
}

function fieldSetOf(part: Record<string, unknown>, cursor: SchemaCursor): Set<string> {
  const out = new Set<string>();
  collectPaths(part, cursor, out);
  return out;
}

export function entriesOf(object: KubeObject | undefined): ManagedFieldsEntry[] {
  const raw = (object?.metadata as Record<string, unknown> | undefined)?.managedFields;
  return Array.isArray(raw) ? (raw.filter(isRecord) as unknown as ManagedFieldsEntry[]) : [];
}

export function setEntries(object: KubeObject, entries: ManagedFieldsEntry[]): void {
  const meta = object.metadata as Record<string, unknown>;
  if (entries.length === 0) delete meta.managedFields;
  else meta.managedFields = entries;
}

const sameOwner = (
  e: ManagedFieldsEntry,
  manager: string,
  operation: string,
  subresource: string | undefined,
) => e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');

function owners(entries: ManagedFieldsEntry[]): Owner[] {
  return entries.map((entry) => ({ entry, fields: fromFieldsV1(entry.fieldsV1) }));
}

/** The entries with each owner's fields written back; owners left with no field are dropped. */
function rebuild(list: Owner[], changed: Set<Owner>): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const o of list) {
    if (o.fields.size === 0) continue;
    out.push(changed.has(o) ? { ...o.entry, fieldsV1: toFieldsV1(o.fields) } : o.entry);
  }
  return out;
}

function setEquals(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Paths whose value differs between two versions of the owned part (added, changed or removed). */
function changedPaths(before: Record<string, unknown>, after: Record<string, unknown>, cursor: SchemaCursor) {
  const beforeSet = fieldSetOf(before, cursor);
  const afterSet = fieldSetOf(after, cursor);
  const changed = new Set<string>();
  for (const p of afterSet) {
    if (!beforeSet.has(p)) changed.add(p);
    else if (!isSelfPath(p) && !jsonEqual(valueAt(before, splitPath(p)), valueAt(after, splitPath(p))))
      changed.add(p);
  }
  const removed = new Set([...beforeSet].filter((p) => !afterSet.has(p)));
  return { changed, removed };
}

export interface UpdateRecord {
  manager: string;
  /** Overrides the subresource the entry names (else `status` for status writes). */
  subresource?: string;
  apiVersion: string;
  scope: Scope;
  statusSeparate: boolean;
  cursor: SchemaCursor;
}

/** The managed fields after a regular write (create, update, patch) by `manager`. */
export function recordUpdate(
  entries: ManagedFieldsEntry[],
  before: KubeObject | undefined,
  after: KubeObject,
  r: UpdateRecord,
): ManagedFieldsEntry[] {
  const subresource = r.subresource ?? (r.scope === 'status' ? 'status' : undefined);
  const { changed, removed } = changedPaths(
    before ? ownedPart(before, r.scope, r.statusSeparate) : {},
    ownedPart(after, r.scope, r.statusSeparate),
    r.cursor,
  );
  if (changed.size === 0 && removed.size === 0) return entries;
  const list = owners(entries);
  const touched = new Set<Owner>();
  for (const o of list) {
    if (sameOwner(o.entry, r.manager, 'Update', subresource)) continue;
    for (const p of [...changed, ...removed]) if (o.fields.delete(p)) touched.add(o);
  }
  let mine = list.find((o) => sameOwner(o.entry, r.manager, 'Update', subresource));
  if (!mine) {
    mine = { entry: newEntry(r.manager, 'Update', r.apiVersion, subresource), fields: new Set() };
    list.push(mine);
  }
  for (const p of changed) mine.fields.add(p);
  for (const p of removed) mine.fields.delete(p);
  mine.entry = { ...mine.entry, apiVersion: r.apiVersion, time: timestamp() };
  touched.add(mine);
  return rebuild(list, touched);
}

function newEntry(
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  subresource: string | undefined,
): ManagedFieldsEntry {
  return {
    manager,
    operation,
    apiVersion,
    time: timestamp(),
    fieldsType: 'FieldsV1',
    fieldsV1: {},
    ...(subresource ? { subresource } : {}),
  };
}

/** How a conflicting manager is named: an Update's manager with its apiVersion, as kube-apiserver. */
function describeOwner(entry: ManagedFieldsEntry): string {
  let text = JSON.stringify(entry.manager);
  if (entry.subresource) text += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') text += ` using ${entry.apiVersion}`;
  return text;
}

interface Conflict {
  owner: Owner;
  path: string;
}

function conflictError(conflicts: Conflict[]): StatusError {
  const text = (c: Conflict) =>
    `conflict with ${describeOwner(c.owner.entry)}: ${printPath(splitPath(c.path))}`;
  let detail: string;
  if (conflicts.length === 1 && conflicts[0]) {
    detail = `Apply failed with 1 conflict: ${text(conflicts[0])}`;
  } else {
    const byOwner = new Map<string, string[]>();
    for (const c of conflicts) {
      const who = describeOwner(c.owner.entry);
      byOwner.set(who, [...(byOwner.get(who) ?? []), printPath(splitPath(c.path))]);
    }
    const lines: string[] = [];
    for (const who of [...byOwner.keys()].sort()) {
      lines.push(`conflicts with ${who}:`);
      for (const p of byOwner.get(who) ?? []) lines.push(`- ${p}`);
    }
    detail = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', detail, {
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${describeOwner(c.owner.entry)}`,
      field: printPath(splitPath(c.path)),
    })),
  });
}

const KUBECTL = 'kubectl';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The fields kubectl's client-side apply record (the last-applied annotation) names whose live
 * value is still the recorded one. kube-apiserver lets `kubectl apply --server-side` (manager
 * `kubectl`) take them without a conflict, so moving from client-side to server-side apply just works.
 */
function fieldsStillAsLastApplied(live: KubeObject, r: ApplyRequest): Set<string> {
  const annotations = live.metadata.annotations ?? {};
  const text = annotations[LAST_APPLIED];
  if (!text) return new Set();
  let recorded: unknown;
  try {
    recorded = JSON.parse(text);
  } catch {
    return new Set();
  }
  if (!isRecord(recorded)) return new Set();
  const recordedPart = ownedPart(recorded, r.scope, r.statusSeparate);
  const livePart = ownedPart(live, r.scope, r.statusSeparate);
  const out = new Set<string>();
  for (const p of fieldSetOf(recordedPart, r.cursor)) {
    const path = splitPath(p);
    if (jsonEqual(valueAt(recordedPart, path), valueAt(livePart, path))) out.add(p);
  }
  return out;
}

export interface ApplyRequest {
  manager: string;
  apiVersion: string;
  force: boolean;
  scope: Scope;
  statusSeparate: boolean;
  cursor: SchemaCursor;
}

/**
 * Server-side apply of `applied` (the configuration, a full object) onto `live` (undefined when the
 * object does not exist yet). Returns the merged object (metadata identity from live) and its
 * managed fields; throws the 409 Conflict kube-apiserver sends.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: Record<string, unknown>,
  r: ApplyRequest,
): { object: Record<string, unknown>; entries: ManagedFieldsEntry[] } {
  const subresource = r.scope === 'status' ? 'status' : undefined;
  const appliedPart = ownedPart(applied, r.scope, r.statusSeparate);
  const appliedSet = fieldSetOf(appliedPart, r.cursor);
  const livePart = live ? ownedPart(live, r.scope, r.statusSeparate) : {};
  const list = owners(entriesOf(live));
  // An object no manager is recorded for (written before managed fields were tracked, or by a
  // writer without a field manager) is owned by `before-first-apply`, as kube-apiserver does.
  if (live && list.length === 0 && Object.keys(livePart).length > 0)
    list.push({
      entry: newEntry('before-first-apply', 'Update', r.apiVersion, subresource),
      fields: fieldSetOf(livePart, r.cursor),
    });
  const mine = list.find((o) => sameOwner(o.entry, r.manager, 'Apply', subresource));
  const others = list.filter((o) => o !== mine);

  const conflicts: Conflict[] = [];
  for (const owner of others) {
    for (const p of appliedSet) {
      if (!owner.fields.has(p) || isSelfPath(p)) continue;
      const path = splitPath(p);
      if (!jsonEqual(valueAt(livePart, path), valueAt(appliedPart, path))) conflicts.push({ owner, path: p });
    }
  }
  const touched = new Set<Owner>();
  if (conflicts.length > 0) {
    const allowed = live && r.manager === KUBECTL ? fieldsStillAsLastApplied(live, r) : new Set<string>();
    const refused = conflicts.filter((c) => !allowed.has(c.path));
    if (!r.force && refused.length > 0) throw conflictError(refused);
    for (const c of conflicts) if (c.owner.fields.delete(c.path)) touched.add(c.owner);
  }

  const merged = mergeApplied(livePart, appliedPart, r.cursor) as Record<string, unknown>;
  // Fields this manager applied before and applies no more go, unless someone else owns them.
  const dropped = [...(mine?.fields ?? [])].filter((p) => !appliedSet.has(p));
  dropped.sort((a, b) => splitPath(b).length - splitPath(a).length);
  for (const p of dropped) {
    const node = nodeOf(p);
    const ownedElsewhere = others.some((o) => [...o.fields].some((f) => within(f, node)));
    const stillApplied = [...appliedSet].some((f) => within(f, node));
    if (!ownedElsewhere && !stillApplied) removeAt(merged, splitPath(p));
  }

  let entry = mine;
  if (!entry) {
    entry = { entry: newEntry(r.manager, 'Apply', r.apiVersion, subresource), fields: new Set() };
    list.push(entry);
  }
  // The entry's time moves when the apply changed something (not for a no-op apply, which writes nothing).
  const changedValues = [...appliedSet].some(
    (p) => !isSelfPath(p) && !jsonEqual(valueAt(livePart, splitPath(p)), valueAt(appliedPart, splitPath(p))),
  );
  if (
    !mine ||
    changedValues ||
    !setEquals(entry.fields, appliedSet) ||
    entry.entry.apiVersion !== r.apiVersion
  ) {
    entry.fields = appliedSet;
    entry.entry = { ...entry.entry, apiVersion: r.apiVersion, time: timestamp() };
    touched.add(entry);
  }

  const object: Record<string, unknown> = live ? structuredClone(live) : {};
  for (const k of Object.keys(livePart)) if (k !== 'metadata') Reflect.deleteProperty(object, k);
  for (const [k, v] of Object.entries(merged)) {
    if (k === 'metadata') continue;
    object[k] = v;
  }
  const meta: Record<string, unknown> = isRecord(object.metadata) ? { ...object.metadata } : {};
  if (!live && isRecord(applied.metadata)) Object.assign(meta, applied.metadata);
  for (const m of OWNED_METADATA) {
    const value = isRecord(merged.metadata) ? merged.metadata[m] : undefined;
    if (value === undefined) Reflect.deleteProperty(meta, m);
    else meta[m] = value;
  }
  // kubectl's server-side apply keeps a client-side apply record current, so either can follow.
  const annotations = isRecord(meta.annotations) ? meta.annotations : undefined;
  if (r.manager === KUBECTL && r.scope === 'main' && typeof annotations?.[LAST_APPLIED] === 'string') {
    const record = structuredClone(applied);
    if (isRecord(record.metadata) && isRecord(record.metadata.annotations)) {
      Reflect.deleteProperty(record.metadata.annotations, LAST_APPLIED);
      if (Object.keys(record.metadata.annotations).length === 0)
        Reflect.deleteProperty(record.metadata, 'annotations');
    }
    meta.annotations = { ...annotations, [LAST_APPLIED]: JSON.stringify(record) };
  }
  object.metadata = meta;
  object.apiVersion = applied.apiVersion ?? live?.apiVersion;
  object.kind = applied.kind ?? live?.kind;
  return { object, entries: rebuild(list, touched) };
}

import { z } from 'zod';
import type { KubeClient } from '../../clients/kube';
import type { KubeObject } from '../../clients/mesh-objects';
import { RecordConflict, RecordStore, jsonText } from '../../clients/record-store';
import type { StoredRecord } from '../../clients/record-store';
import type { Revision } from '../../contract/routing';
import { noteChange } from '../../lib/request-context';
import { silentLogger } from '../../lib/logger';
import type { Logger } from '../../lib/logger';
import { shortHash, toDnsLabel } from '../../mesh/hosts';
import { SERVICE_ANNOTATION } from '../../mesh/model';
import { cleanObject, toYaml } from './yaml';

const HISTORY_LABEL = 'mesh-console.io/history';
const RULE_LABEL = 'mesh-console.io/rule';
const SERVICE_HASH_LABEL = 'mesh-console.io/service-hash';
/**
 * Where a revision stands: `pending` from before the change is applied until it is done, then
 * `applied`; `interrupted` when the console stopped half-way and some of the change is live.
 */
const STATE_LABEL = 'mesh-console.io/state';
export type RevisionState = 'pending' | 'applied' | 'interrupted';

/** One write of a change as planned, kept with a pending revision so a restart can tell how far it got. */
export interface IntendedWrite {
  action: 'create' | 'update' | 'delete';
  /** The object as written (for a delete: as it was). */
  object: KubeObject;
  /** The object before the change (absent for a create). */
  before?: KubeObject;
}

/** Who made a change, kept with its revision so its audit record can be written even after a crash. */
export interface ChangeAuthor {
  user: string;
  role: string;
}

/** What a revision records of a change, besides its number and time. */
export interface RevisionInput {
  action: Revision['action'];
  user: string;
  comment?: string | undefined;
  fromRevision?: number | undefined;
  /** The rule's objects as they are after the change (empty when the rule was deleted). */
  objects: KubeObject[];
  diff: string;
}

const MAX_RECORD_CHARS = 1_000_000;
/** An object as a revision keeps it: any fields, but a kind and a name at least. */
const StoredObject = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }),
});
const Action = z.enum(['create', 'update', 'delete', 'rollback']);
const NumberText = z
  .string()
  .regex(/^\d{1,9}$/)
  .transform(Number);

/** What a revision's ConfigMap holds, checked as it is read back. */
const RevisionData = z.object({
  kind: z.string().min(1).optional(),
  rule: z.string().min(1).optional(),
  // Revisions of earlier versions may lack these.
  role: z.string().default('unknown'),
  revision: NumberText,
  action: Action.default('update'),
  user: z.string().default('unknown'),
  timestamp: z.string().optional(),
  objects: jsonText(z.array(StoredObject), MAX_RECORD_CHARS),
  diff: z.string().default(''),
  intent: jsonText(
    z.array(
      z.object({
        action: z.enum(['create', 'update', 'delete']),
        object: StoredObject,
        before: StoredObject.optional(),
      }),
    ),
    MAX_RECORD_CHARS,
  ).optional(),
  comment: z.string().optional(),
  fromRevision: NumberText.optional(),
});
type RevisionData = z.infer<typeof RevisionData>;

export interface StoredRevision extends Revision {
  /** The objects in full, for a rollback. */
  raw: KubeObject[];
  /** When the control plane created the record (ms since the epoch). */
  createdAt: number;
  state: RevisionState;
  /** The ConfigMap that holds the revision, and where it lives. */
  ref: { namespace: string; name: string; resourceVersion: string };
  serviceId: string;
  /** The kind of rule ("routes", "ratelimits") and its name. */
  ruleKind: string;
  rule: string;
  role: string;
  intent: IntendedWrite[];
}

/** A change recorded before it is applied; `complete` or `abandon` it once the writes are done. */
export interface PendingChange {
  revision: StoredRevision;
  input: RevisionInput;
}

/**
 * The change history of one kind of rule ("routes", "ratelimits"), kept in the control plane as
 * labelled ConfigMaps, one per revision, the way Helm keeps releases: the BFF stores nothing.
 */
export class RevisionHistory {
  private readonly store: RecordStore<RevisionData>;

  constructor(
    kube: KubeClient,
    private readonly kind: string,
    log: Logger = silentLogger(),
  ) {
    this.store = revisionStore(kube, kind, log);
  }

  private selector(serviceId: string, rule: string): string {
    return `${RULE_LABEL}=${rule},${SERVICE_HASH_LABEL}=${shortHash(serviceId)}`;
  }

  /** A rule's revisions, newest first; changes still being applied are not revisions yet. */
  async list(namespace: string, serviceId: string, rule: string): Promise<StoredRevision[]> {
    return (await this.listAll(namespace, serviceId, rule)).filter((r) => r.state !== 'pending');
  }

  private async listAll(namespace: string, serviceId: string, rule: string): Promise<StoredRevision[]> {
    const records = await this.store.list(namespace, this.selector(serviceId, rule));
    return records
      .filter((r) => r.annotations[SERVICE_ANNOTATION] === serviceId)
      .map(fromRecord)
      .sort((a, b) => b.revision - a.revision);
  }
  async get(
    namespace: string,
    serviceId: string,
    rule: string,
    revision: number,
  ): Promise<StoredRevision | undefined> {
    return (await this.list(namespace, serviceId, rule)).find((r) => r.revision === revision);
  }

  /**
   * Records a change before it is applied, as a pending revision numbered one past the newest (two
   * writers racing both get a number): if the console stops half-way, the record says what was
   * meant, who asked, and what the objects were before (features/changes/journal.ts settles it).
   */
  async begin(
    namespace: string,
    serviceId: string,
    rule: string,
    input: RevisionInput,
    author: ChangeAuthor,
    intent: IntendedWrite[],
  ): Promise<PendingChange> {
    for (let attempt = 0; ; attempt++) {
      const newest = (await this.listAll(namespace, serviceId, rule))[0]?.revision ?? 0;
      const revision = newest + 1;
      const write = this.toRecord(serviceId, rule, revision, input, { state: 'pending', author, intent });
      try {
        const stored = await this.store.create(namespace, this.nameOf(serviceId, rule, revision), write);
        return { revision: fromRecord(stored), input };
      } catch (err) {
        if (!(err instanceof RecordConflict) || attempt >= 4) throw err;
      }
    }
  }

  /** Marks a pending change as applied (or interrupted), with the objects as they were written. */
  async complete(
    pending: PendingChange,
    objects: KubeObject[],
    state: Exclude<RevisionState, 'pending'> = 'applied',
  ): Promise<StoredRevision> {
    const { revision: rev, input } = pending;
    const write = this.toRecord(
      rev.serviceId,
      rev.rule,
      rev.revision,
      { ...input, objects },
      { state, author: { user: rev.user, role: rev.role }, intent: [] },
    );
    // With the resourceVersion of the pending record: a second settler (another replica) conflicts.
    const stored = fromRecord(
      await this.store.replace(rev.ref.namespace, rev.ref.name, rev.ref.resourceVersion, write),
    );
    noteChange({
      kind: this.kind,
      name: rev.rule,
      diff: input.diff,
      revision: { namespace: rev.ref.namespace, name: rev.ref.name },
    });
    return stored;
  }

  /** Forgets a pending change that was not applied at all. */
  async abandon(pending: PendingChange): Promise<void> {
    const { ref } = pending.revision;
    await this.store.delete(ref.namespace, ref.name, {
      resourceVersion: ref.resourceVersion,
      mustExist: true,
    });
  }

  /** Records a change that is already applied (begin and complete in one). */
  async record(
    namespace: string,
    serviceId: string,
    rule: string,
    input: RevisionInput,
    author: ChangeAuthor,
  ): Promise<StoredRevision> {
    const pending = await this.begin(namespace, serviceId, rule, input, author, []);
    return this.complete(pending, input.objects);
  }

  private nameOf(serviceId: string, rule: string, revision: number): string {
    return `mesh-console.${this.kind}.${toDnsLabel(rule, 40)}.${shortHash(serviceId)}.v${revision}`;
  }

  private toRecord(
    serviceId: string,
    rule: string,
    revision: number,
    input: RevisionInput,
    extra: { state: RevisionState; author: ChangeAuthor; intent: IntendedWrite[] },
  ) {
    const data: Record<string, string> = {
      kind: this.kind,
      rule,
      role: extra.author.role,
      revision: String(revision),
      action: input.action,
      user: input.user,
      timestamp: new Date().toISOString(),
      objects: JSON.stringify(input.objects.map(cleanObject)),
      diff: input.diff,
    };
    if (extra.intent.length > 0)
      data.intent = JSON.stringify(
        extra.intent.map((w) => ({
          action: w.action,
          object: cleanObject(w.object),
          ...(w.before ? { before: cleanObject(w.before) } : {}),
        })),
      );
    if (input.comment) data.comment = input.comment;
    if (input.fromRevision !== undefined) data.fromRevision = String(input.fromRevision);
    return {
      data,
      labels: {
        [RULE_LABEL]: rule,
        [SERVICE_HASH_LABEL]: shortHash(serviceId),
        [STATE_LABEL]: extra.state,
      },
      annotations: { [SERVICE_ANNOTATION]: serviceId },
    };
  }
}

/** The revisions of one kind of rule (`kind`), or of every kind (null: read only, for the journal). */
function revisionStore(kube: KubeClient, kind: string | null, log: Logger): RecordStore<RevisionData> {
  return new RecordStore({
    kube,
    resource: { kind: 'ConfigMap' },
    label: kind === null ? { key: HISTORY_LABEL } : { key: HISTORY_LABEL, value: kind },
    schema: RevisionData,
    what: 'revision',
    log,
  });
}

/** Every revision of every kind of rule, in every namespace (journal.ts settles the pending ones). */
export async function allRevisions(
  kube: KubeClient,
  log: Logger = silentLogger(),
): Promise<StoredRevision[]> {
  return (await revisionStore(kube, null, log).list(null)).map(fromRecord);
}

function fromRecord(record: StoredRecord<RevisionData>): StoredRevision {
  const d = record.value;
  const raw = d.objects as KubeObject[];
  const state = record.labels[STATE_LABEL];
  const rev: StoredRevision = {
    revision: d.revision,
    action: d.action,
    user: d.user,
    timestamp: d.timestamp ?? new Date(record.createdAt).toISOString(),
    objects: raw.map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace ?? '',
      name: o.metadata.name,
      yaml: toYaml(o),
    })),
    diff: d.diff,
    raw,
    createdAt: record.createdAt || Date.parse(d.timestamp ?? '') || 0,
    // Revisions written before states existed were written after their change: applied.
    state: state === 'pending' || state === 'interrupted' ? state : 'applied',
    ref: { namespace: record.namespace, name: record.name, resourceVersion: record.resourceVersion },
    serviceId: record.annotations[SERVICE_ANNOTATION] ?? '',
    ruleKind: d.kind ?? record.labels[HISTORY_LABEL] ?? '',
    rule: d.rule ?? record.labels[RULE_LABEL] ?? '',
    role: d.role,
    intent: (d.intent ?? []) as IntendedWrite[],
  };
  if (d.comment) rev.comment = d.comment;
  if (d.fromRevision !== undefined) rev.fromRevision = d.fromRevision;
  return rev;
}

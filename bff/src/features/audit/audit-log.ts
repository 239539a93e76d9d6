import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { KubeClient } from '../../clients/kube';
import { RecordConflict, RecordStore, jsonText } from '../../clients/record-store';
import { AuditRecord } from '../../contract/audit';
import type { AuditDropped, AuditList, AuditQuery } from '../../contract/audit';
import type { LeaderTask } from '../../lib/leader-election';
import type { Logger } from '../../lib/logger';

export const AUDIT_LABEL = 'mesh-console.io/audit';
/** On the record of a change: which revision it records (a hash of its namespace and name). */
const AUDIT_REVISION_LABEL = 'mesh-console.io/audit-revision';
const DROPPED_NAME = 'mesh-console-audit-dropped';
const DROPPED_LABEL = 'mesh-console.io/audit-dropped';

/** A record's ConfigMap holds it as JSON under `record` (diffs can be long: up to 1 MB). */
const StoredAuditRecord = z.object({ record: jsonText(AuditRecord, 1_000_000) });
const StoredDropped = z.object({
  dropped: jsonText(z.object({ refusals: z.number().int().min(0), before: z.iso.datetime().nullable() })),
});

export interface AuditRetention {
  /** How long changes (succeeded requests) are kept. Refusals never push them out. */
  changeMs: number;
  /** How many refused requests (denied, invalid, failed) are kept; older ones are removed and counted. */
  refusals: number;
  /** On the replica that prunes (`AuditLog.pruning`): prune after this many records it stored. */
  pruneEvery: number;
  /** On the replica that prunes: prune this often, whoever stored the records. */
  pruneIntervalMs: number;
  /** Per user: refusals stored one by one within a minute; beyond that they are counted in one summary. */
  refusalsPerMinute: number;
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = {
  changeMs: 90 * 24 * 3600_000,
  refusals: 10_000,
  pruneEvery: 200,
  pruneIntervalMs: 60_000,
  refusalsPerMinute: 30,
};

type RecordInput = Omit<AuditRecord, 'id' | 'time'>;

export interface RecordOptions {
  /** false: the log only (nobody identified). */
  store?: boolean;
  /** The revision a change's record belongs to: it names the record, so it is written once. */
  revision?: { namespace: string; name: string } | undefined;
  /** The time of the record, when it is not now (a record written late, after a restart). */
  time?: Date;
}

/** The label value that ties a change's audit record to its revision. */
export function revisionKey(revision: { namespace: string; name: string }): string {
  return createHash('sha256').update(`${revision.namespace}/${revision.name}`).digest('hex').slice(0, 40);
}

interface RefusalWindow {
  start: number;
  stored: number;
  suppressed: number;
  last: RecordInput | null;
}

const isChange = (r: Pick<AuditRecord, 'outcome'>) => r.outcome === 'succeeded';

/**
 * The audit trail: every change and every refused change, as a structured log line and as a
 * labelled ConfigMap in the console's namespace (the BFF keeps nothing; any replica can answer
 * the Audit page). Records are written in the background, in order, so a slow control plane does
 * not slow the answer; a record that cannot be stored is still in the log.
 *
 * Changes and refusals are kept apart: changes for a time (90 days by default) whatever else
 * happens, refusals up to a number, and a user's refusals beyond a few a minute only as a count,
 * so a flood of refused requests can neither push changes out nor bury the other refusals. What was
 * removed is counted and shown. Every replica writes; one at a time removes (`pruning`, on the lease).
 */
export class AuditLog {
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private sincePrune = 0;
  /** Whether this replica prunes (it holds the lease: `pruning`). */
  private prunes = false;
  private readonly windows = new Map<string, RefusalWindow>();
  private readonly records: RecordStore<z.infer<typeof StoredAuditRecord>>;
  private readonly dropped: RecordStore<z.infer<typeof StoredDropped>>;

  constructor(
    kube: KubeClient,
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly retention: AuditRetention = DEFAULT_AUDIT_RETENTION,
  ) {
    this.records = new RecordStore({
      kube,
      resource: { kind: 'ConfigMap' },
      label: { key: AUDIT_LABEL, value: 'v1' },
      schema: StoredAuditRecord,
      what: 'audit',
      log,
    });
    this.dropped = new RecordStore({
      kube,
      resource: { kind: 'ConfigMap' },
      label: { key: DROPPED_LABEL, value: 'v1' },
      schema: StoredDropped,
      what: 'audit count',
      log,
    });
  }

  record(input: RecordInput, options: RecordOptions = {}): AuditRecord {
    const now = options.time ?? new Date();
    const record: AuditRecord = {
      // Sortable by time, unique across replicas.
      id: `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`,
      time: now.toISOString(),
      ...input,
    };
    this.log.info({ audit: record }, 'audit');
    if (options.store === false) return record;
    if (!isChange(record) && !this.admitRefusal(record, now.getTime())) return record;
    this.store(record, options.revision);
    return record;
  }

  /**
   * Whether a refusal is stored one by one. Past the per-minute allowance of its user, it is only
   * counted; the count is stored as one summary record when the user's minute is over.
   */
  private admitRefusal(record: AuditRecord, now: number): boolean {
    const key = record.user;
    let window = this.windows.get(key);
    if (window && now - window.start >= 60_000) {
      this.flushWindow(key, window);
      window = undefined;
    }
    if (!window) {
      window = { start: now, stored: 0, suppressed: 0, last: null };
      this.windows.set(key, window);
      // Windows are per user; a flood of made-up names must not grow this map without bound.
      if (this.windows.size > 10_000) this.flushAllWindows(now);
    }
    if (window.stored < this.retention.refusalsPerMinute) {
      window.stored++;
      return true;
    }
    window.suppressed++;
    const { id: _id, time: _time, ...rest } = record;
    window.last = rest;
    return false;
  }

  private flushWindow(key: string, window: RefusalWindow): void {
    this.windows.delete(key);
    if (window.suppressed === 0 || !window.last) return;
    const end = new Date(Math.min(Date.now(), window.start + 60_000));
    const summary: AuditRecord = {
      ...window.last,
      id: `${end.getTime().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`,
      time: end.toISOString(),
      action: 'audit.suppressed',
      outcome: window.last.outcome,
      message: `${window.suppressed} more refused requests by ${key} in the minute from ${new Date(window.start).toISOString()} were counted, not stored one by one (the last: ${window.last.action}, ${window.last.status})`,
      diff: null,
      repeated: window.suppressed,
    };
    this.log.info({ audit: summary }, 'audit');
    this.store(summary);
  }

  private flushAllWindows(now: number): void {
    for (const [key, window] of [...this.windows]) {
      if (now - window.start >= 60_000 || this.windows.size > 5_000) this.flushWindow(key, window);
    }
  }

  private store(record: AuditRecord, revision?: { namespace: string; name: string }): void {
    this.enqueue(
      async () => {
        await this.write(record, revision);
        if (++this.sincePrune >= this.retention.pruneEvery && this.prunes) {
          this.sincePrune = 0;
          await this.prune();
        }
      },
      'could not store an audit record in the control plane',
      { auditId: record.id },
    );
  }

  /** Work on the records, in order after what is queued; a failure is logged, and the queue goes on. */
  private enqueue(work: () => Promise<void>, failure: string, context: Record<string, unknown> = {}): void {
    this.pending++;
    this.queue = this.queue
      .then(work)
      .catch((err: unknown) =>
        this.log.error({ err: err instanceof Error ? err.message : String(err), ...context }, failure),
      )
      .finally(() => {
        this.pending--;
      });
  }

  private async write(record: AuditRecord, revision?: { namespace: string; name: string }): Promise<void> {
    const key = revision ? revisionKey(revision) : undefined;
    try {
      await this.records.create(
        this.namespace,
        key ? `mesh-console-audit-c-${key}` : `mesh-console-audit-${record.id}`,
        {
          data: { record: JSON.stringify(record) },
          labels: {
            [`${AUDIT_LABEL}-outcome`]: record.outcome,
            ...(key ? { [AUDIT_REVISION_LABEL]: key } : {}),
          },
        },
      );
    } catch (err) {
      // The record of a change is named after its revision: a second writer (the journal after a
      // restart, another replica) finds it there and leaves it.
      if (!(key && err instanceof RecordConflict)) throw err;
    }
  }

  /**
   * Cleanup of the records, background work for one replica at a time
   * (`leader.whileLeading(audit.pruning())`): while it runs, this replica prunes at once, every
   * `pruneIntervalMs` (records other replicas stored too) and after every `pruneEvery` records it
   * stored. Stopping it lets a pass under way finish, so no removal is half counted.
   */
  pruning(): LeaderTask {
    return () => {
      this.prunes = true;
      const pass = () => this.enqueue(() => this.prune(), 'could not prune the audit records');
      pass();
      const timer = setInterval(pass, this.retention.pruneIntervalMs);
      timer.unref();
      return async () => {
        this.prunes = false;
        clearInterval(timer);
        await this.queue;
      };
    };
  }

  /**
   * Removes changes older than their retention and the oldest refusals beyond theirs, and adds the
   * refusals removed to the count the Audit page shows.
   */
  private async prune(): Promise<void> {
    const all = (await this.records.list(this.namespace)).map((r) => ({
      name: r.name,
      record: r.value.record,
    }));
    const byTime = (a: { record: AuditRecord }, b: { record: AuditRecord }) =>
      a.record.time === b.record.time
        ? a.record.id.localeCompare(b.record.id)
        : a.record.time.localeCompare(b.record.time);
    const cutoff = new Date(Date.now() - this.retention.changeMs).toISOString();
    const oldChanges = all.filter((r) => isChange(r.record) && r.record.time < cutoff);
    const refusals = all.filter((r) => !isChange(r.record)).sort(byTime);
    const oldRefusals = refusals.slice(0, Math.max(0, refusals.length - this.retention.refusals));
    const remove = (name: string) => this.records.delete(this.namespace, name).catch(() => false);
    for (const { name } of oldChanges) await remove(name);
    // Only the refusals this replica removed are counted: another replica pruning at the same time
    // finds some already gone (a delete answers 404), and counts those it removed itself.
    let removed = 0;
    let newest: string | null = null;
    for (const { name, record } of oldRefusals) {
      if (!(await remove(name))) continue;
      removed += record.repeated ?? 1;
      newest = record.time;
    }
    if (removed === 0) return;
    await this.addDropped(removed, newest);
  }

  /** Adds to the count of removed refusals, with the resourceVersion it read (replicas prune too). */
  private async addDropped(refusals: number, before: string | null): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.dropped.get(this.namespace, DROPPED_NAME);
      const was = current?.value.dropped ?? { refusals: 0, before: null };
      const next: AuditDropped = {
        refusals: was.refusals + refusals,
        before: before && (!was.before || before > was.before) ? before : was.before,
      };
      const write = { data: { dropped: JSON.stringify(next) } };
      try {
        if (current) await this.dropped.replace(this.namespace, DROPPED_NAME, current.resourceVersion, write);
        else await this.dropped.create(this.namespace, DROPPED_NAME, write);
        return;
      } catch (err) {
        if (!(err instanceof RecordConflict)) throw err;
      }
    }
  }

  private async readDropped(): Promise<AuditDropped> {
    return (
      (await this.dropped.get(this.namespace, DROPPED_NAME))?.value.dropped ?? { refusals: 0, before: null }
    );
  }

  /** Resolves once every record so far is stored (tests, shutdown); pending refusal counts too. */
  async flush(): Promise<void> {
    this.flushAllWindows(Number.POSITIVE_INFINITY);
    while (this.pending > 0) await this.queue;
  }

  /** The revision keys that have an audit record (journal.ts writes the missing ones). */
  async recordedRevisions(): Promise<Set<string>> {
    await this.flush();
    const stored = await this.records.list(this.namespace, AUDIT_REVISION_LABEL);
    return new Set(stored.flatMap((r) => r.labels[AUDIT_REVISION_LABEL] ?? []));
  }

  async list(query: AuditQuery): Promise<AuditList> {
    await this.flush();
    const [stored, dropped] = await Promise.all([this.records.list(this.namespace), this.readDropped()]);
    const records = stored.map((r) => r.value.record);
    const since = query.since?.getTime() ?? -Infinity;
    const until = query.until?.getTime() ?? Infinity;
    const items = records
      .filter((r) => {
        const t = Date.parse(r.time);
        return (
          t >= since &&
          t < until &&
          (query.user === undefined || r.user === query.user) &&
          (query.service === undefined || r.serviceId === query.service)
        );
      })
      .sort((a, b) => (a.time === b.time ? b.id.localeCompare(a.id) : b.time.localeCompare(a.time)))
      .slice(0, query.limit);
    return {
      items,
      retention: {
        changeDays: Math.round(this.retention.changeMs / (24 * 3600_000)),
        refusals: this.retention.refusals,
      },
      dropped,
    };
  }
}

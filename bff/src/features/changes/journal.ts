import type { KubeClient } from '../../clients/kube';
import { isKubeStatus } from '../../clients/kube-errors';
import type { KubeObject, MeshObjects } from '../../clients/mesh-objects';
import type { Logger } from '../../lib/logger';
import { sameContent } from '../../mesh/plan';
import type { AuditLog } from '../audit/audit-log';
import { revisionKey } from '../audit/audit-log';
import { RevisionHistory, allRevisions } from './history';
import type { IntendedWrite, StoredRevision } from './history';

export interface JournalDeps {
  kube: KubeClient;
  objects: MeshObjects;
  audit: AuditLog;
  log: Logger;
  /** A change still pending after this long is taken as interrupted (the process that made it is gone). */
  changeTimeoutMs: number;
  /** Revisions older than this have no audit record to restore (the audit trail keeps changes this long). */
  auditRetentionMs: number;
}

export interface SettleReport {
  /** Pending changes found fully applied: their revision completed. */
  applied: number;
  /** Pending changes found not applied at all: their record removed. */
  abandoned: number;
  /** Pending changes found half-applied: kept as interrupted revisions, for an operator to look at. */
  interrupted: number;
  /** Changes whose audit record was lost with the process, written again. */
  audited: number;
}

type Progress = 'done' | 'not-done' | 'other';

/**
 * Settles what a crash left behind, so that every change the console made to the mesh has its
 * revision and its audit record. A change is recorded as a pending revision (with what each write
 * was meant to do and what the object was before) before anything is written, and completed after
 * (flow.ts). A pending revision older than the change timeout belongs to a process that is gone:
 * the live objects say how far it got. Revisions whose audit record never reached the control plane
 * get one, named after the revision, so a late writer and the journal never write it twice.
 *
 * Safe to run on several replicas at once: every step is a create that a second writer finds
 * already done, or a replace that carries the resourceVersion it read.
 */
export class ChangeJournal {
  constructor(private readonly deps: JournalDeps) {}

  async settle(now = Date.now()): Promise<SettleReport> {
    const report: SettleReport = { applied: 0, abandoned: 0, interrupted: 0, audited: 0 };
    const revisions = await allRevisions(this.deps.kube, this.deps.log);
    const old = (rev: StoredRevision, ms: number) => now - rev.createdAt >= ms;

    for (const rev of revisions) {
      if (rev.state !== 'pending' || !old(rev, this.deps.changeTimeoutMs)) continue;
      try {
        const outcome = await this.settlePending(rev);
        report[outcome]++;
      } catch (err) {
        this.deps.log.warn({ err, revision: rev.ref }, 'could not settle an interrupted change');
      }
    }

    const recorded = await this.deps.audit.recordedRevisions();
    for (const rev of revisions) {
      if (rev.state === 'pending') continue;
      if (!old(rev, this.deps.changeTimeoutMs) || old(rev, this.deps.auditRetentionMs)) continue;
      if (recorded.has(revisionKey(rev.ref))) continue;
      this.audit(rev, rev.state === 'applied' ? 'succeeded' : 'failed', null, rev.createdAt);
      report.audited++;
    }
    await this.deps.audit.flush();
    if (report.applied + report.abandoned + report.interrupted + report.audited > 0)
      this.deps.log.info(report, 'settled the changes a stopped console left behind');
    return report;
  }

  private async settlePending(rev: StoredRevision): Promise<'applied' | 'abandoned' | 'interrupted'> {
    const history = new RevisionHistory(this.deps.kube, rev.ruleKind, this.deps.log);
    const progress = await Promise.all(rev.intent.map((w) => this.progressOf(w)));
    const pending = {
      revision: rev,
      input: {
        action: rev.action,
        user: rev.user,
        comment: rev.comment,
        fromRevision: rev.fromRevision,
        objects: [],
        diff: rev.diff,
      },
    };
    const when = rev.createdAt;
    if (progress.every((p) => p.state === 'not-done')) {
      await history.abandon(pending);
      this.audit(
        rev,
        'failed',
        'The console stopped before this change was applied; nothing was changed.',
        when,
        false,
      );
      return 'abandoned';
    }
    const live = progress.flatMap((p) => (p.live ? [p.live] : []));
    if (progress.every((p) => p.state === 'done')) {
      await history.complete(pending, rev.action === 'delete' ? [] : live, 'applied');
      // The record the request would have written, had the console not stopped.
      this.audit(rev, 'succeeded', null, when);
      return 'applied';
    }
    const applied = rev.intent.filter((_, i) => progress[i]?.state === 'done').map(describe);
    const notApplied = rev.intent.filter((_, i) => progress[i]?.state !== 'done').map(describe);
    await history.complete(pending, live, 'interrupted');
    this.audit(
      rev,
      'failed',
      `The console stopped half-way through this change: ${applied.join(', ')} changed, ${notApplied.join(', ')} not. Check the rule and apply it again.`,
      when,
    );
    return 'interrupted';
  }

  /** How far one write got, judged by the live object. */
  private async progressOf(write: IntendedWrite): Promise<{ state: Progress; live?: KubeObject }> {
    const live = await this.read(write.object);
    const { before } = write;
    if (write.action === 'delete') {
      if (!live) return { state: 'done' };
      return { state: before && sameContent(before, live) ? 'not-done' : 'other', live };
    }
    if (live && sameContent(live, write.object)) return { state: 'done', live };
    if (write.action === 'create') return live ? { state: 'other', live } : { state: 'not-done' };
    if (live && before && sameContent(before, live)) return { state: 'not-done', live };
    return live ? { state: 'other', live } : { state: 'other' };
  }

  private async read(obj: KubeObject): Promise<KubeObject | undefined> {
    try {
      return await this.deps.objects.get(obj, obj.metadata.namespace ?? 'default', obj.metadata.name);
    } catch (err) {
      if (isKubeStatus(err, 404)) return undefined;
      throw err;
    }
  }

  private audit(
    rev: StoredRevision,
    outcome: 'succeeded' | 'failed',
    message: string | null,
    when: number,
    named = true,
  ): void {
    const kind = rev.ruleKind;
    const resourcePath = `/services/${encodeURIComponent(rev.serviceId)}/${kind}`;
    const method = { create: 'POST', update: 'PUT', delete: 'DELETE', rollback: 'POST' }[rev.action];
    this.deps.audit.record(
      {
        user: rev.user,
        role: rev.role,
        action: `${kind}.${rev.action}`,
        method,
        path:
          rev.action === 'create'
            ? resourcePath
            : rev.action === 'rollback'
              ? `${resourcePath}/${rev.rule}/revisions/${rev.fromRevision ?? ''}/rollback`
              : `${resourcePath}/${rev.rule}`,
        serviceId: rev.serviceId,
        namespace: rev.ref.namespace,
        resource: { kind, name: rev.rule },
        outcome,
        status:
          outcome === 'succeeded'
            ? rev.action === 'create'
              ? 201
              : rev.action === 'delete'
                ? 204
                : 200
            : 500,
        message,
        diff: outcome === 'succeeded' && rev.diff ? rev.diff : null,
        recovered: true,
      },
      { time: new Date(when), ...(named ? { revision: rev.ref } : {}) },
    );
  }
}

function describe(w: IntendedWrite): string {
  return `${w.object.kind} ${w.object.metadata.name}`;
}

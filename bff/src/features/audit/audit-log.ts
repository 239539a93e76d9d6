import { randomBytes } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeClient } from '../../clients/kube';
import { AuditRecord } from '../../contract/audit';
import type { AuditQuery } from '../../contract/audit';
import type { Logger } from '../../lib/logger';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../mesh/model';

export const AUDIT_LABEL = 'mesh-console.io/audit';

/**
 * The audit trail: every change and every refused change, as a structured log line and as a
 * labelled ConfigMap in the console's namespace (the BFF keeps nothing; any replica can answer
 * the Audit page). Records are written in the background, in order, so a slow control plane does
 * not slow the answer; a record that cannot be stored is still in the log.
 */
export class AuditLog {
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Without a control plane (tests), records are kept here. */
  private readonly memory: AuditRecord[] = [];

  private sincePrune = 0;

  constructor(
    private readonly kube: KubeClient | null,
    private readonly namespace: string,
    private readonly log: Logger,
    /** How many records the control plane keeps; older ones are deleted (the log keeps them all). */
    private readonly retention: { keep: number; pruneEvery: number } = { keep: 10_000, pruneEvery: 200 },
  ) {}

  record(input: Omit<AuditRecord, 'id' | 'time'>, options: { store?: boolean } = {}): AuditRecord {
    const now = new Date();
    const record: AuditRecord = {
      // Sortable by time, unique across replicas.
      id: `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}`,
      time: now.toISOString(),
      ...input,
    };
    this.log.info({ audit: record }, 'audit');
    if (options.store === false) return record;
    const kube = this.kube;
    if (!kube) {
      this.memory.push(record);
      return record;
    }
    this.pending++;
    this.queue = this.queue
      .then(() =>
        kube.core.createNamespacedConfigMap({ namespace: this.namespace, body: this.toConfigMap(record) }),
      )
      .then(async () => {
        if (++this.sincePrune >= this.retention.pruneEvery) {
          this.sincePrune = 0;
          await this.prune(kube);
        }
      })
      .then(
        () => undefined,
        (err: unknown) =>
          this.log.error(
            { err: err instanceof Error ? err.message : String(err), auditId: record.id },
            'could not store an audit record in the control plane',
          ),
      )
      .finally(() => {
        this.pending--;
      });
    return record;
  }

  /** Deletes the oldest records beyond the retention (names sort by time). */
  private async prune(kube: KubeClient): Promise<void> {
    const res = await kube.core.listNamespacedConfigMap({
      namespace: this.namespace,
      labelSelector: `${AUDIT_LABEL}=v1`,
    });
    const names = res.items.flatMap((cm) => (cm.metadata?.name ? [cm.metadata.name] : [])).sort();
    for (const name of names.slice(0, Math.max(0, names.length - this.retention.keep))) {
      await kube.core.deleteNamespacedConfigMap({ name, namespace: this.namespace }).catch(() => undefined);
    }
  }

  /** Resolves once every record so far is stored (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.pending > 0) await this.queue;
  }

  private toConfigMap(record: AuditRecord): V1ConfigMap {
    return {
      metadata: {
        name: `mesh-console-audit-${record.id}`,
        namespace: this.namespace,
        labels: {
          [MANAGED_BY_LABEL]: MANAGED_BY,
          [AUDIT_LABEL]: 'v1',
          [`${AUDIT_LABEL}-outcome`]: record.outcome,
        },
      },
      data: { record: JSON.stringify(record) },
    };
  }

  async list(query: AuditQuery): Promise<AuditRecord[]> {
    await this.flush();
    let records: AuditRecord[];
    if (this.kube) {
      const res = await this.kube.core.listNamespacedConfigMap({
        namespace: this.namespace,
        labelSelector: `${AUDIT_LABEL}=v1`,
      });
      records = res.items.flatMap((cm) => {
        try {
          const parsed = AuditRecord.safeParse(JSON.parse(cm.data?.record ?? 'null'));
          return parsed.success ? [parsed.data] : [];
        } catch {
          return [];
        }
      });
    } else {
      records = [...this.memory];
    }
    const since = query.since?.getTime() ?? -Infinity;
    const until = query.until?.getTime() ?? Infinity;
    return records
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
  }
}

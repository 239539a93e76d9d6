import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeClient } from '../../clients/kube';
import { isKubeStatus } from '../../clients/kube-errors';
import type { KubeObject } from '../../clients/mesh-objects';
import type { Revision } from '../../contract/routing';
import { noteChange } from '../../lib/request-context';
import { shortHash, toDnsLabel } from '../../mesh/hosts';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_ANNOTATION } from '../../mesh/model';
import { cleanObject, toYaml } from './yaml';

export const HISTORY_LABEL = 'mesh-console.io/history';
export const RULE_LABEL = 'mesh-console.io/rule';
export const SERVICE_HASH_LABEL = 'mesh-console.io/service-hash';
/**
 * Where a revision stands: `pending` from before the change is applied until it is done, then
 * `applied`; `interrupted` when the console stopped half-way and some of the change is live.
 */
export const STATE_LABEL = 'mesh-console.io/state';
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

export interface StoredRevision extends Revision {
  /** The objects in full, for a rollback. */
  raw: KubeObject[];
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
  constructor(
    private readonly kube: KubeClient,
    private readonly kind: string,
  ) {}

  private selector(serviceId: string, rule: string): string {
    return `${HISTORY_LABEL}=${this.kind},${RULE_LABEL}=${rule},${SERVICE_HASH_LABEL}=${shortHash(serviceId)}`;
  }

  /** A rule's revisions, newest first; changes still being applied are not revisions yet. */
  async list(namespace: string, serviceId: string, rule: string): Promise<StoredRevision[]> {
    return (await this.listAll(namespace, serviceId, rule)).filter((r) => r.state !== 'pending');
  }

  private async listAll(namespace: string, serviceId: string, rule: string): Promise<StoredRevision[]> {
    const res = await this.kube.core.listNamespacedConfigMap({
      namespace,
      labelSelector: this.selector(serviceId, rule),
    });
    return res.items
      .filter((cm) => cm.metadata?.annotations?.[SERVICE_ANNOTATION] === serviceId)
      .map(fromConfigMap)
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
      const body = this.toConfigMap(namespace, serviceId, rule, revision, input, {
        state: 'pending',
        author,
        intent,
      });
      try {
        const stored = fromConfigMap(await this.kube.core.createNamespacedConfigMap({ namespace, body }));
        return { revision: stored, input };
      } catch (err) {
        if (!isKubeStatus(err, 409) || attempt >= 4) throw err;
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
    const body = this.toConfigMap(
      rev.ref.namespace,
      rev.serviceId,
      rev.rule,
      rev.revision,
      { ...input, objects },
      { state, author: { user: rev.user, role: rev.role }, intent: [] },
    );
    body.metadata = { ...body.metadata, resourceVersion: rev.ref.resourceVersion };
    const stored = fromConfigMap(
      await this.kube.core.replaceNamespacedConfigMap({
        namespace: rev.ref.namespace,
        name: rev.ref.name,
        body,
      }),
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
    await this.kube.core.deleteNamespacedConfigMap({
      namespace: ref.namespace,
      name: ref.name,
      body: { preconditions: { resourceVersion: ref.resourceVersion } },
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

  private toConfigMap(
    namespace: string,
    serviceId: string,
    rule: string,
    revision: number,
    input: RevisionInput,
    extra: { state: RevisionState; author: ChangeAuthor; intent: IntendedWrite[] },
  ): V1ConfigMap {
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
      metadata: {
        name: `mesh-console.${this.kind}.${toDnsLabel(rule, 40)}.${shortHash(serviceId)}.v${revision}`,
        namespace,
        labels: {
          [MANAGED_BY_LABEL]: MANAGED_BY,
          [HISTORY_LABEL]: this.kind,
          [RULE_LABEL]: rule,
          [SERVICE_HASH_LABEL]: shortHash(serviceId),
          [STATE_LABEL]: extra.state,
        },
        annotations: { [SERVICE_ANNOTATION]: serviceId },
      },
      data,
    };
  }
}

export function fromConfigMap(cm: V1ConfigMap): StoredRevision {
  const d = cm.data ?? {};
  const raw = JSON.parse(d.objects ?? '[]') as KubeObject[];
  const state = cm.metadata?.labels?.[STATE_LABEL];
  const rev: StoredRevision = {
    revision: Number(d.revision ?? 0),
    action: (d.action ?? 'update') as Revision['action'],
    user: d.user ?? 'unknown',
    timestamp: d.timestamp ?? cm.metadata?.creationTimestamp?.toString() ?? '',
    objects: raw.map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace ?? '',
      name: o.metadata.name,
      yaml: toYaml(o),
    })),
    diff: d.diff ?? '',
    raw,
    // Revisions written before states existed were written after their change: applied.
    state: state === 'pending' || state === 'interrupted' ? state : 'applied',
    ref: {
      namespace: cm.metadata?.namespace ?? '',
      name: cm.metadata?.name ?? '',
      resourceVersion: cm.metadata?.resourceVersion ?? '',
    },
    serviceId: cm.metadata?.annotations?.[SERVICE_ANNOTATION] ?? '',
    ruleKind: d.kind ?? cm.metadata?.labels?.[HISTORY_LABEL] ?? '',
    rule: d.rule ?? cm.metadata?.labels?.[RULE_LABEL] ?? '',
    role: d.role ?? 'unknown',
    intent: JSON.parse(d.intent ?? '[]') as IntendedWrite[],
  };
  if (d.comment) rev.comment = d.comment;
  if (d.fromRevision) rev.fromRevision = Number(d.fromRevision);
  return rev;
}

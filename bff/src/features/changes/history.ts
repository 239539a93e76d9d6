import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeClient } from '../../clients/kube';
import { isKubeStatus } from '../../clients/kube-errors';
import type { KubeObject } from '../../clients/mesh-objects';
import type { Revision } from '../../contract/routing';
import { noteChange } from '../auth/context';
import { shortHash, toDnsLabel } from '../../mesh/hosts';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_ANNOTATION } from '../../mesh/model';
import { cleanObject, toYaml } from './yaml';

export const HISTORY_LABEL = 'mesh-console.io/history';
export const RULE_LABEL = 'mesh-console.io/rule';
export const SERVICE_HASH_LABEL = 'mesh-console.io/service-hash';

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

  async list(namespace: string, serviceId: string, rule: string): Promise<StoredRevision[]> {
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

  /** Records a revision numbered one past the newest; two writers racing both get a number. */
  async record(
    namespace: string,
    serviceId: string,
    rule: string,
    input: RevisionInput,
  ): Promise<StoredRevision> {
    for (let attempt = 0; ; attempt++) {
      const newest = (await this.list(namespace, serviceId, rule))[0]?.revision ?? 0;
      const revision = newest + 1;
      const body = this.toConfigMap(namespace, serviceId, rule, revision, input);
      try {
        const stored = fromConfigMap(await this.kube.core.createNamespacedConfigMap({ namespace, body }));
        noteChange({ kind: this.kind, name: rule, diff: input.diff });
        return stored;
      } catch (err) {
        if (!isKubeStatus(err, 409) || attempt >= 4) throw err;
      }
    }
  }

  private toConfigMap(
    namespace: string,
    serviceId: string,
    rule: string,
    revision: number,
    input: RevisionInput,
  ): V1ConfigMap {
    const data: Record<string, string> = {
      revision: String(revision),
      action: input.action,
      user: input.user,
      timestamp: new Date().toISOString(),
      objects: JSON.stringify(input.objects.map(cleanObject)),
      diff: input.diff,
    };
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
        },
        annotations: { [SERVICE_ANNOTATION]: serviceId },
      },
      data,
    };
  }
}

function fromConfigMap(cm: V1ConfigMap): StoredRevision {
  const d = cm.data ?? {};
  const raw = JSON.parse(d.objects ?? '[]') as KubeObject[];
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
  };
  if (d.comment) rev.comment = d.comment;
  if (d.fromRevision) rev.fromRevision = Number(d.fromRevision);
  return rev;
}

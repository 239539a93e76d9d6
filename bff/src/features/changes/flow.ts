import type { KubeObject, MeshObjects } from '../../clients/mesh-objects';
import { kubeStatusOf, toApiError } from '../../clients/kube-errors';
import type { PlannedObject, Revision, RevisionList } from '../../contract/routing';
import { ApiError, notFound } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { PlannedWrite } from '../../mesh/model';
import { PartialWriteError, WriteRefused, applyWrites } from './apply';
import type { CatalogSource } from '../catalog/catalog';
import type { ChangeAuthor, IntendedWrite, RevisionHistory } from './history';
import { currentPrincipal } from '../../lib/request-context';
import { textDiff, toYaml } from './yaml';

/**
 * The steps every kind of rule (routes, rate limits) takes from a plan to the control plane: show
 * the writes as YAML and diffs, apply them (undone on failure), and record the change as a revision.
 */

/** Each planned write as the operator sees it: its action, YAML and diff against the live object. */
export function describeWrites(writes: readonly PlannedWrite[], namespace: string): PlannedObject[] {
  return writes.map((w) => {
    // Each object is dumped to YAML once; the diff works on the texts. One left as it is, is shown
    // as it lives: the cache's object, whose YAML is dumped once for every preview (toYaml).
    const next = toYaml(w.action === 'unchanged' && w.current ? w.current : w.object);
    const live = w.current ? (w.action === 'unchanged' ? next : toYaml(w.current)) : '';
    return {
      action: w.action,
      apiVersion: w.object.apiVersion,
      kind: w.object.kind,
      namespace: w.object.metadata.namespace ?? namespace,
      name: w.object.metadata.name,
      yaml: next,
      diff: textDiff(w.object.metadata.name, live, w.action === 'delete' ? '' : next),
    };
  });
}

export interface ChangeDeps {
  objects: MeshObjects;
  history: RevisionHistory;
  log: Logger;
}

export interface Change {
  /** What the rule is called in messages and logs: "routing rule", "rate limit". */
  kind: string;
  namespace: string;
  serviceId: string;
  rule: string;
  action: Revision['action'];
  user: string;
  comment?: string | undefined;
  fromRevision?: number | undefined;
  /** Which of the written objects the revision keeps (default: all). */
  keep?: (obj: KubeObject) => boolean;
  /**
   * Which written objects are the rule's own (default: all). A conflict on any other object (the
   * DestinationRule a route relies on) means that what the change was planned on moved: it is
   * refused as `PreconditionChanged`, which the caller may plan again and retry.
   */
  isRuleObject?: (obj: KubeObject) => boolean;
}

const PRECONDITION_CHANGED = 'PreconditionChanged';

/**
 * Runs a change, planning it again (up to five times, after a short random pause that grows) when
 * what it relied on moved meanwhile, so that changes racing for one DestinationRule take turns.
 */
export async function retryOnPreconditionChange<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof ApiError && err.code === PRECONDITION_CHANGED) || i >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * i));
    }
  }
}

/**
 * Applies the writes and records the revision. A failure that could not be undone is a 502 naming
 * what was left changed; a refusal by the control plane is explained (409, 422, 403).
 */
export async function applyAndRecord(
  deps: ChangeDeps,
  writes: PlannedWrite[],
  change: Change,
): Promise<KubeObject[]> {
  const described = describeWrites(writes, change.namespace);
  const keep = change.keep ?? (() => true);
  const unchanged = writes.filter((w) => w.action === 'unchanged').map((w) => w.object as KubeObject);
  const input = {
    action: change.action,
    user: change.user,
    comment: change.comment,
    fromRevision: change.fromRevision,
    objects: [] as KubeObject[],
    diff: described
      .map((o) => o.diff)
      .filter((d) => d !== '')
      .join('\n'),
  };
  // The change is recorded before it is applied, so a crash half-way leaves a record of what was
  // meant; the record is completed once the writes are done (journal.ts settles what a crash left).
  const pending = await deps.history
    .begin(change.namespace, change.serviceId, change.rule, input, author(change.user), intentOf(writes))
    .catch((err: unknown) => {
      throw toApiError(err, `the history of ${change.rule}`) ?? err;
    });
  let written: KubeObject[];
  try {
    written = await applyWrites(deps.objects, writes, deps.log);
  } catch (err) {
    if (!(err instanceof PartialWriteError))
      await deps.history.abandon(pending).catch((abandonErr: unknown) => {
        deps.log.warn({ err: abandonErr }, 'could not remove the record of a change that was not applied');
      });
    if (err instanceof PartialWriteError) {
      deps.log.error(
        { rule: change.rule, notRestored: err.notRestored },
        `a ${change.kind} change failed and was not fully undone`,
      );
      throw new ApiError(
        502,
        'PartiallyApplied',
        `The change failed and ${err.notRestored.join(', ')} could not be put back; check them before trying again`,
      );
    }
    const cause = err instanceof WriteRefused ? err.cause : err;
    const refused = err instanceof WriteRefused ? err.object : undefined;
    const code = kubeStatusOf(cause)?.code;
    if (refused && change.isRuleObject && !change.isRuleObject(refused) && (code === 409 || code === 404))
      throw new ApiError(
        409,
        PRECONDITION_CHANGED,
        `${refused.kind} ${refused.metadata.name}, which this change relies on, was changed by someone else while it was applied; nothing was changed. Reload and apply again.`,
      );
    const what = `${change.kind.charAt(0).toUpperCase()}${change.kind.slice(1)} ${change.rule}`;
    throw toApiError(cause, what) ?? cause;
  }
  deps.log.info(
    {
      service: change.serviceId,
      rule: change.rule,
      action: change.action,
      user: change.user,
      objects: described.map((o) => `${o.kind}/${o.name}:${o.action}`),
    },
    `${change.kind} changed`,
  );
  await deps.history.complete(
    pending,
    change.action === 'delete' ? [] : [...written.filter(keep), ...unchanged],
  );
  return written;
}

function intentOf(writes: readonly PlannedWrite[]): IntendedWrite[] {
  return writes.flatMap((w) =>
    w.action === 'unchanged'
      ? []
      : [
          {
            action: w.action,
            object: w.object as KubeObject,
            ...(w.current ? { before: w.current as KubeObject } : {}),
          },
        ],
  );
}

function author(user: string): ChangeAuthor {
  return { user, role: currentPrincipal()?.role ?? 'unknown' };
}

/** A rule's revisions, newest first, without the objects they keep (those stay on the server). */
export async function listRevisions(
  catalog: CatalogSource,
  history: RevisionHistory,
  serviceId: string,
  name: string,
): Promise<RevisionList> {
  const service = catalog.get(serviceId);
  if (!service) throw notFound(`Service ${serviceId} was not found`);
  const items = await history.list(service.namespace, serviceId, name);
  return {
    items: items.map((r) => ({
      revision: r.revision,
      action: r.action,
      user: r.user,
      timestamp: r.timestamp,
      objects: r.objects,
      diff: r.diff,
      ...(r.comment !== undefined ? { comment: r.comment } : {}),
      ...(r.fromRevision !== undefined ? { fromRevision: r.fromRevision } : {}),
    })),
  };
}

import type { KubeObject, MeshObjects } from '../../clients/mesh-objects';
import type { Logger } from '../../lib/logger';
import type { PlannedWrite } from '../../mesh/model';

interface Done {
  write: PlannedWrite;
  result?: KubeObject;
}

function forRecreate(obj: KubeObject): KubeObject {
  const {
    uid: _u,
    resourceVersion: _r,
    creationTimestamp: _c,
    generation: _g,
    managedFields: _m,
    ...metadata
  } = obj.metadata;
  return { ...obj, metadata: metadata as KubeObject['metadata'] };
}

/** Thrown when a change failed and could not be fully undone: the operator must be told exactly that. */
export class PartialWriteError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly notRestored: string[],
  ) {
    super(`change failed and ${notRestored.join(', ')} could not be restored`);
    this.name = 'PartialWriteError';
  }
}

/** Thrown when a write was refused and everything before it was undone: which object, and why. */
export class WriteRefused extends Error {
  constructor(
    override readonly cause: unknown,
    readonly object: KubeObject,
  ) {
    super(`${object.kind} ${object.metadata.name} was refused`);
    this.name = 'WriteRefused';
  }
}

/**
 * Applies planned writes in order. When one fails, the writes already made are undone in reverse
 * order (a created object deleted, an updated one put back, a deleted one re-created), so the
 * control plane is left as it was, and the first error is rethrown.
 */
export async function applyWrites(
  store: MeshObjects,
  writes: PlannedWrite[],
  log: Logger,
): Promise<KubeObject[]> {
  const done: Done[] = [];
  let failed: KubeObject | undefined;
  try {
    for (const write of writes) {
      const obj = write.object as KubeObject;
      if (write.action === 'unchanged') continue;
      failed = obj;
      if (write.action === 'create') done.push({ write, result: await store.create(obj) });
      else if (write.action === 'update') done.push({ write, result: await store.replace(obj) });
      else {
        await store.delete(obj);
        done.push({ write });
      }
    }
  } catch (err) {
    const notRestored: string[] = [];
    for (const { write, result } of done.reverse()) {
      const name = `${write.object.kind} ${write.object.metadata.name}`;
      try {
        if (write.action === 'create' && result) await store.delete(result);
        else if (write.action === 'update' && result && write.current) {
          const previous = write.current as KubeObject;
          await store.replace({
            ...previous,
            metadata: { ...previous.metadata, resourceVersion: result.metadata.resourceVersion },
          });
        } else if (write.action === 'delete' && write.current)
          await store.create(forRecreate(write.current as KubeObject));
      } catch (undoErr) {
        log.error({ err: undoErr, object: name }, 'could not undo a write of a failed change');
        notRestored.push(name);
      }
    }
    if (notRestored.length > 0) throw new PartialWriteError(err, notRestored);
    throw failed ? new WriteRefused(err, failed) : err;
  }
  return done.flatMap((d) => (d.result ? [d.result] : []));
}

/**
 * Runs the writes as a server-side dry run: the control plane validates, prunes and defaults,
 * nothing is stored. Returns each object as it would be stored (undefined for deletes and
 * unchanged objects), so callers can judge what will be written rather than what was sent.
 */
export async function dryRunWrites(
  store: MeshObjects,
  writes: PlannedWrite[],
): Promise<(KubeObject | undefined)[]> {
  // At once: a dry run stores nothing, so no write depends on another's, and a preview waits for
  // one round trip to the control plane instead of one per object. The first refusal in the
  // writes' order is the one reported, as it was when they ran one after another.
  const settled = await Promise.allSettled(
    writes.map(async (write) => {
      const obj = write.object as KubeObject;
      if (write.action === 'create') return store.create(obj, { dryRun: true });
      if (write.action === 'update') return store.replace(obj, { dryRun: true });
      return undefined;
    }),
  );
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
}

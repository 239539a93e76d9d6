import type { KubeObject } from '../../clients/mesh-objects';
import type { ObjectRef } from '../../contract/routing';
import type { MeshObject } from '../../mesh/istio-types';
import type { PlannedWrite } from '../../mesh/model';
import { restoredObject, sameContent } from '../../mesh/plan';

/** What the two security kinds share: how a policy is named, written over the live one, and restored. */

export const refOf = (o: MeshObject, namespace: string): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  namespace: o.metadata.namespace ?? namespace,
  name: o.metadata.name,
});

/**
 * The write of a policy over the live one: a create, an update based on `resourceVersion` (the one
 * the operator's form was based on, else the one read, so that a change in between is a 409 and never
 * overwritten), or nothing when it would change nothing.
 */
export function policyWrite(
  next: MeshObject,
  current: MeshObject | undefined,
  resourceVersion: string | undefined,
): PlannedWrite {
  if (!current) {
    const { resourceVersion: _rv, ...metadata } = next.metadata;
    return { action: 'create', object: { ...next, metadata } };
  }
  const object: MeshObject = {
    ...next,
    metadata: { ...next.metadata, resourceVersion: resourceVersion ?? current.metadata.resourceVersion },
  };
  return { action: sameContent(current, object) ? 'unchanged' : 'update', object, current };
}

/** The writes of a rollback to a revision's object (`saved`), or of the deletion it was. */
export function planPolicyRollback(
  live: MeshObject | undefined,
  saved: KubeObject[],
  kind: string,
  namespace: string,
): { writes?: PlannedWrite[]; restored: boolean } {
  const restored = saved.find((o) => o.kind === kind) as MeshObject | undefined;
  if (!restored) {
    if (!live) return { restored: false };
    return { writes: [{ action: 'delete', object: live, current: live }], restored: false };
  }
  const object = restoredObject(restored, live, namespace);
  return { writes: [policyWrite(object, live, undefined)], restored: true };
}

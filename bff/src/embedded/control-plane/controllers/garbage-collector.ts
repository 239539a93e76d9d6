import type { KubeObject } from '../types';
import type { ControllerContext } from './context';
import { tolerant } from './context';
import type { Informer } from './informer';
import { ownerReferences } from './informer';

/**
 * Cascading deletion (background propagation, kubectl's default): when an owner goes, the objects
 * whose ownerReferences name its uid go too, and so on down (Deployment → ReplicaSets → Pods;
 * Service → EndpointSlices). Dependents are found through the informers' owner index, so the
 * dependent kinds covered are the cached ones: ReplicaSets, Pods and EndpointSlices.
 */
export class GarbageCollector {
  constructor(private readonly ctx: ControllerContext) {}

  private get dependentKinds(): Informer[] {
    return [this.ctx.replicaSets, this.ctx.pods, this.ctx.endpointSlices];
  }

  /** The owner kinds whose objects are all cached, so a missing owner really is missing. */
  private ownerInformer(kind: string): Informer | undefined {
    const { ctx } = this;
    const byKind: Record<string, Informer> = {
      Deployment: ctx.deployments,
      ReplicaSet: ctx.replicaSets,
      Service: ctx.services,
      Pod: ctx.pods,
    };
    return byKind[kind];
  }

  /** An owner was deleted: queue the deletion of its dependents. */
  ownerDeleted(owner: KubeObject): void {
    const uid = owner.metadata.uid;
    if (!uid) return;
    this.ctx.queue.add(`gc:${uid}`, () => this.collect(uid));
  }

  private collect(uid: string): void {
    for (const informer of this.dependentKinds) {
      for (const dependent of informer.ownedBy(uid)) {
        // An object with another owner still alive stays, as real garbage collection leaves it.
        const others = ownerReferences(dependent).filter((r) => r.uid !== uid);
        if (others.some((r) => this.ownerExists(r.kind, r.uid))) continue;
        tolerant(this.ctx.log, `garbage-collect ${dependent.kind} ${dependent.metadata.name ?? ''}`, () =>
          this.ctx.store.delete(informer.gvr, dependent.metadata.namespace, dependent.metadata.name ?? ''),
        );
      }
    }
  }

  private ownerExists(kind: string, uid: string): boolean {
    const informer = this.ownerInformer(kind);
    // An owner of a kind not cached here is assumed alive.
    return informer ? informer.getByUid(uid) !== undefined : true;
  }

  /** After a restart: dependents whose owners vanished while the process was down (a crash mid-cascade). */
  collectOrphans(): void {
    for (const informer of this.dependentKinds) {
      for (const dependent of informer.all()) {
        const refs = ownerReferences(dependent);
        if (refs.length === 0) continue;
        if (refs.every((r) => this.ownerInformer(r.kind) !== undefined && !this.ownerExists(r.kind, r.uid)))
          for (const r of refs) this.ctx.queue.add(`gc:${r.uid}`, () => this.collect(r.uid));
      }
    }
  }
}

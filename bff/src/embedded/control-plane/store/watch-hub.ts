import type { KubeObject, WatchEventType } from '../types';

/** A committed change, in the stored form (apiVersion of the storage version). */
export interface ChangeEvent {
  rv: number;
  resource: string;
  namespace: string;
  type: WatchEventType;
  object: KubeObject;
  prevLabels: Record<string, string> | undefined;
}

export type ChangeListener = (event: ChangeEvent) => void;

/**
 * Fans committed changes out to the watches of each resource. Delivery is synchronous, right after
 * the commit, which is what lets a watch replay the log and subscribe in one step without a gap.
 */
export class WatchHub {
  private readonly listeners = new Map<string, Set<ChangeListener>>();

  constructor(private readonly onListenerError: (err: unknown) => void) {}

  subscribe(resource: string, listener: ChangeListener): () => void {
    let set = this.listeners.get(resource);
    if (!set) {
      set = new Set();
      this.listeners.set(resource, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(resource) === set) this.listeners.delete(resource);
    };
  }

  publish(event: ChangeEvent): void {
    const set = this.listeners.get(event.resource);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (err) {
        // A watcher's failure is its own; the write it reports has already been committed.
        this.onListenerError(err);
      }
    }
  }

  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}

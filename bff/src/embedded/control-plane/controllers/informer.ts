import type { ResourceStore } from '../store/resource-store';
import type { KubeObject, KubeResource, WatchEvent } from '../types';

export type InformerHandler = (event: WatchEvent, previous: KubeObject | undefined) => void;

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/**
 * An in-memory copy of one kind, kept current by a store watch (delivered synchronously on each
 * commit, so it is never behind the controllers' own writes), indexed by namespace and by owner uid.
 * The controllers read from it instead of listing SQLite on every event.
 */
export class Informer {
  private readonly byNamespace = new Map<string, Map<string, KubeObject>>();
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly byKey = new Map<string, KubeObject>();
  private readonly byUid = new Map<string, KubeObject>();
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly store: ResourceStore,
    readonly gvr: KubeResource,
    private readonly handler: InformerHandler,
    /** What of each object the cache keeps (default: all of it); the handler still gets the whole event. */
    private readonly keep: (o: KubeObject) => KubeObject = (o) => o,
  ) {}

  /** Lists and watches; the handler hears an ADDED for each existing object first. */
  start(): void {
    this.stopWatch = this.store.watch(this.gvr, undefined, undefined, (event) => this.apply(event));
  }

  stop(): void {
    this.stopWatch?.();
    this.stopWatch = undefined;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.byKey.get(`${namespace ?? ''}/${name}`);
  }

  getByUid(uid: string): KubeObject | undefined {
    return this.byUid.get(uid);
  }

  inNamespace(namespace: string | undefined): KubeObject[] {
    return [...(this.byNamespace.get(namespace ?? '')?.values() ?? [])];
  }

  all(): KubeObject[] {
    return [...this.byKey.values()];
  }

  /** The objects whose ownerReferences name this uid. */
  ownedBy(uid: string | undefined): KubeObject[] {
    if (!uid) return [];
    const keys = this.byOwner.get(uid);
    if (!keys) return [];
    return [...keys].flatMap((k) => {
      const o = this.byKey.get(k);
      return o ? [o] : [];
    });
  }

  private apply(event: WatchEvent): void {
    const object = event.object;
    const key = keyOf(object);
    const previous = this.byKey.get(key);
    if (previous) this.unindex(key, previous);
    if (event.type !== 'DELETED') this.index(key, this.keep(object));
    this.handler(event, previous);
  }

  private index(key: string, o: KubeObject): void {
    this.byKey.set(key, o);
    if (o.metadata.uid) this.byUid.set(o.metadata.uid, o);
    const ns = o.metadata.namespace ?? '';
    let names = this.byNamespace.get(ns);
    if (!names) {
      names = new Map();
      this.byNamespace.set(ns, names);
    }
    names.set(o.metadata.name ?? '', o);
    for (const uid of ownerUids(o)) {
      let keys = this.byOwner.get(uid);
      if (!keys) {
        keys = new Set();
        this.byOwner.set(uid, keys);
      }
      keys.add(key);
    }
  }

  private unindex(key: string, o: KubeObject): void {
    this.byKey.delete(key);
    if (o.metadata.uid && this.byUid.get(o.metadata.uid) === o) this.byUid.delete(o.metadata.uid);
    const names = this.byNamespace.get(o.metadata.namespace ?? '');
    names?.delete(o.metadata.name ?? '');
    if (names?.size === 0) this.byNamespace.delete(o.metadata.namespace ?? '');
    for (const uid of ownerUids(o)) {
      const keys = this.byOwner.get(uid);
      keys?.delete(key);
      if (keys?.size === 0) this.byOwner.delete(uid);
    }
  }
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

function isOwnerReference(value: unknown): value is OwnerReference {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.uid === 'string' && typeof r.kind === 'string' && typeof r.name === 'string';
}

export function ownerReferences(o: KubeObject): OwnerReference[] {
  return (o.metadata.ownerReferences ?? []).filter(isOwnerReference);
}

function ownerUids(o: KubeObject): string[] {
  return ownerReferences(o).map((r) => r.uid);
}

/** The owner reference with `controller: true`, the one a controller acts on. */
export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return ownerReferences(o).find((r) => r.controller === true);
}

/** An owner reference to `owner`, as a controller sets it on what it creates. */
export function controllerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

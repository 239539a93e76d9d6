import { resourceNotFound } from '../status-error';
import type { KubeResource } from '../types';
import { resourceKey } from '../types';
import { builtinTypes } from './builtin-types';
import { consoleTypes } from './console-types';
import { coreTypes } from './core-types';
import { dubboTypes } from './dubbo-types';
import { gatewayApiTypes } from './gateway-api-types';
import { istioTypes } from './istio-types';
import { rbacAndPolicyTypes } from './rbac-types';
import type { ResourceType, ResourceVersion } from './resource-type';
import { compareVersionPriority } from './resource-type';

export interface ResolvedResource {
  type: ResourceType;
  version: ResourceVersion;
}

export interface ApiGroup {
  name: string;
  /** Most preferred first. */
  versions: string[];
}

/** What changed in the registry: the version-free key of the kind (`gateways.gateway.networking.k8s.io`). */
export type RegistryListener = (key: string) => void;

/**
 * The set of resources served, looked up the ways the API needs. It changes at run time when
 * CustomResourceDefinitions are created, updated or deleted; listeners (discovery, OpenAPI, the
 * CRD controller) hear of each change.
 */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();
  /** The kinds served from start: deleting a user's CRD for one of them serves it again as shipped. */
  private readonly shipped = new Map<string, ResourceType>();
  private readonly listeners = new Set<RegistryListener>();
  private changes = 0;

  constructor(types: ResourceType[]) {
    for (const t of types) {
      this.byKey.set(resourceKey(t), t);
      this.shipped.set(resourceKey(t), t);
    }
  }

  /** Every served kind, in registration order. */
  get types(): ResourceType[] {
    return [...this.byKey.values()];
  }

  /** Increases on every change: a cheap way to tell that cached documents are stale. */
  get generation(): number {
    return this.changes;
  }

  /** The type and version a request names, or the 404 a real server answers for an unknown path. */
  resolve(gvr: KubeResource): ResolvedResource {
    const found = this.find(gvr);
    if (!found) throw resourceNotFound();
    return found;
  }

  find(gvr: KubeResource): ResolvedResource | undefined {
    const type = this.byKey.get(resourceKey(gvr));
    const version = type?.versions.find((v) => v.name === gvr.version);
    return type && version ? { type, version } : undefined;
  }

  typeOf(key: string): ResourceType | undefined {
    return this.byKey.get(key);
  }

  /** The kind as shipped (built in or vendored), whatever a user's CRD made of it since. */
  shippedType(key: string): ResourceType | undefined {
    return this.shipped.get(key);
  }

  /** Serves a kind, replacing the one of the same key (a CRD update, or a newer CRD for a shipped kind). */
  upsert(type: ResourceType): void {
    const key = resourceKey(type);
    this.byKey.set(key, type);
    this.changed(key);
  }

  /**
   * Stops serving a kind defined by a CRD. A shipped kind goes back to its shipped definition
   * (the cluster this embeds comes with Istio and Gateway API installed). Returns whether the kind
   * is still served afterwards.
   */
  remove(key: string): boolean {
    const shipped = this.shipped.get(key);
    if (shipped) this.byKey.set(key, shipped);
    else this.byKey.delete(key);
    this.changed(key);
    return shipped !== undefined;
  }

  /** Calls listener after each change; returns the unsubscribe function. */
  onChange(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The API groups other than core, in the order discovery lists them. */
  groups(): ApiGroup[] {
    const groups = new Map<string, string[]>();
    for (const t of this.byKey.values()) {
      if (t.group === '') continue;
      const versions = groups.get(t.group) ?? [];
      for (const v of t.versions) if (!versions.includes(v.name)) versions.push(v.name);
      groups.set(t.group, versions);
    }
    return [...groups.entries()]
      .map(([name, versions]) => ({ name, versions: versions.sort(compareVersionPriority) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The resources one group version serves. */
  inGroupVersion(group: string, version: string): ResolvedResource[] {
    const out: ResolvedResource[] = [];
    for (const type of this.byKey.values()) {
      if (type.group !== group) continue;
      const v = type.versions.find((x) => x.name === version);
      if (v) out.push({ type, version: v });
    }
    return out;
  }

  namespacedTypes(): ResourceType[] {
    return this.types.filter((t) => t.namespaced);
  }

  private changed(key: string): void {
    this.changes++;
    for (const listener of [...this.listeners]) listener(key);
  }
}

export function buildRegistry(options: { keepIstioDubboField: boolean }): ResourceRegistry {
  return new ResourceRegistry([
    ...coreTypes(),
    ...builtinTypes(),
    ...rbacAndPolicyTypes(),
    ...istioTypes(options),
    ...gatewayApiTypes(),
    ...dubboTypes(),
    ...consoleTypes(),
  ]);
}

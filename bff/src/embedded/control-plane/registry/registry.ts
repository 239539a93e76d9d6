import { resourceNotFound } from '../status-error';
import type { KubeResource } from '../types';
import { resourceKey } from '../types';
import { coreTypes } from './core-types';
import { dubboTypes } from './dubbo-types';
import { istioTypes } from './istio-types';
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

/** The set of resources served, looked up the ways the API needs. */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();

  constructor(readonly types: ResourceType[]) {
    for (const t of types) this.byKey.set(resourceKey(t), t);
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

  /** The API groups other than core, in the order discovery lists them. */
  groups(): ApiGroup[] {
    const groups = new Map<string, string[]>();
    for (const t of this.types) {
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
    for (const type of this.types) {
      if (type.group !== group) continue;
      const v = type.versions.find((x) => x.name === version);
      if (v) out.push({ type, version: v });
    }
    return out;
  }

  namespacedTypes(): ResourceType[] {
    return this.types.filter((t) => t.namespaced);
  }
}

export function buildRegistry(options: { keepIstioDubboField: boolean }): ResourceRegistry {
  return new ResourceRegistry([...coreTypes(), ...istioTypes(options), ...dubboTypes()]);
}

import type { Logger } from 'pino';
import { crdSpecOf, typeFromCrd } from '../registry/crd-types';
import type { ResourceRegistry } from '../registry/registry';
import type { ResourceStore } from '../store/resource-store';
import { jsonEqual } from '../../../lib/json';
import type { KubeObject, WatchEvent } from '../types';
import { resourceKey } from '../types';
import { GVR, now, rec } from './context';

/**
 * The apiextensions controller: a CustomResourceDefinition's kind is served from the moment its
 * create or update commits (synchronously, in the watch callback, so the next request can use it),
 * with status conditions NamesAccepted and Established and status.acceptedNames as a real server
 * writes them. Deleting the CRD deletes its objects and stops serving the kind; a kind that ships
 * with this control plane (Istio, Gateway API) goes back to its shipped definition instead, keeping
 * its objects.
 */
export class CustomResourceController {
  /** The spec each CRD was last registered with, so a status write does not re-register. */
  private readonly registered = new Map<string, { key: string; spec: unknown }>();
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly store: ResourceStore,
    private readonly registry: ResourceRegistry,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopWatch = this.store.watch(GVR.crds, undefined, undefined, (event) => {
      try {
        this.handle(event);
      } catch (err) {
        this.log.warn({ err, crd: event.object.metadata.name }, 'CustomResourceDefinition not served');
      }
    });
  }

  stop(): void {
    this.stopWatch?.();
  }

  private handle(event: WatchEvent): void {
    const crd = event.object;
    const name = crd.metadata.name ?? '';
    if (event.type === 'DELETED') {
      const entry = this.registered.get(name);
      this.registered.delete(name);
      if (entry) this.unserve(entry.key);
      return;
    }
    const spec = crdSpecOf(crd);
    if (!spec) throw new Error('the CustomResourceDefinition lacks a group, names or versions');
    const type = typeFromCrd(spec);
    const key = resourceKey(type);
    const before = this.registered.get(name);
    if (!before || !jsonEqual(before.spec, crd.spec)) {
      if (before && before.key !== key) this.unserve(before.key);
      this.registry.upsert(type);
      this.registered.set(name, { key, spec: crd.spec });
      this.log.info({ crd: name }, 'custom resource served');
    }
    this.writeStatus(crd);
  }

  /** Deletes every object of the kind, then stops serving it (or restores the shipped kind). */
  private unserve(key: string): void {
    const type = this.registry.typeOf(key);
    if (!type) return;
    if (!this.registry.shippedType(key)) {
      const version = type.versions[0]?.name ?? 'v1';
      this.store.deleteCollection({ group: type.group, version, plural: type.plural }, undefined);
    }
    this.registry.remove(key);
    this.log.info({ resource: key }, 'custom resource no longer served');
  }

  private writeStatus(crd: KubeObject): void {
    const spec = rec(crd.spec);
    const names = rec(spec.names);
    const previous = rec(crd.status);
    const previousConditions = Array.isArray(previous.conditions) ? previous.conditions.map(rec) : [];
    const at = now();
    const condition = (type: string, reason: string, message: string) =>
      previousConditions.find((c) => c.type === type && c.status === 'True' && c.reason === reason) ?? {
        type,
        status: 'True',
        lastTransitionTime: at,
        reason,
        message,
      };
    const versions = Array.isArray(spec.versions) ? spec.versions.map(rec) : [];
    const storage = versions.find((v) => v.storage === true)?.name;
    const stored = Array.isArray(previous.storedVersions) ? previous.storedVersions.map(String) : [];
    const status = {
      conditions: [
        condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
        condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
      ],
      acceptedNames: {
        plural: names.plural,
        singular: names.singular,
        kind: names.kind,
        listKind: names.listKind,
        ...(Array.isArray(names.shortNames) ? { shortNames: names.shortNames } : {}),
        ...(Array.isArray(names.categories) ? { categories: names.categories } : {}),
      },
      storedVersions:
        typeof storage === 'string' && !stored.includes(storage) ? [...stored, storage] : stored,
    };
    if (jsonEqual(status, previous)) return;
    // The stored object, not the event's: a later write may already have committed.
    const current = this.store.get(GVR.crds, undefined, crd.metadata.name ?? '');
    this.store.update(
      GVR.crds,
      undefined,
      crd.metadata.name ?? '',
      { ...current, status },
      { subresource: 'status' },
    );
  }
}

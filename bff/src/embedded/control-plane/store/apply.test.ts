import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../types';
import type { TestStore } from '../testing/fixtures';
import { CONFIGMAPS, openStore, statusErrorOf } from '../testing/fixtures';
import type { ManagedFieldsEntry } from './managed-fields';

const DEPLOYMENTS = { group: 'apps', version: 'v1', plural: 'deployments' };

const configMap = (data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', ...(labels ? { labels } : {}) },
  data,
});

const managed = (o: KubeObject) =>
  ((o.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? []).map((e) => ({
    manager: e.manager,
    operation: e.operation,
    fields: e.fieldsV1,
  }));

describe('server-side apply and managedFields', () => {
  let t: TestStore;
  beforeEach(() => {
    t = openStore();
  });
  afterEach(() => t.close());

  const apply = (manager: string, body: unknown, force = false) =>
    t.store.patch(CONFIGMAPS, 'default', 'settings', 'apply', body, { fieldManager: manager, force });

  it('creates a missing object and records the applier as owner of exactly what it applied', () => {
    const created = apply('alice', configMap({ a: '1' }, { team: 'a' }));
    expect(created.data).toEqual({ a: '1' });
    expect(managed(created)).toEqual([
      {
        manager: 'alice',
        operation: 'Apply',
        fields: { 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} } } },
      },
    ]);
    // Applying the same configuration again is no write at all.
    expect(apply('alice', configMap({ a: '1' }, { team: 'a' })).metadata.resourceVersion).toBe(
      created.metadata.resourceVersion,
    );
  });

  it('refuses a different value for a field another manager owns, unless forced', () => {
    apply('alice', configMap({ a: '1', b: '2' }));
    const conflict = statusErrorOf(() => apply('bob', configMap({ a: '9' })));
    expect(conflict.code).toBe(409);
    expect(conflict.reason).toBe('Conflict');
    expect(conflict.message).toBe('Apply failed with 1 conflict: conflict with "alice": .data.a');
    expect(conflict.status.details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.data.a' },
    ]);
    // The same value is no conflict: both own the field.
    apply('bob', configMap({ b: '2' }));
    const forced = apply('bob', configMap({ a: '9', b: '2' }), true);
    expect(forced.data).toEqual({ a: '9', b: '2' });
    const owners = managed(forced);
    expect(owners.find((o) => o.manager === 'alice')?.fields).toEqual({ 'f:data': { '.': {}, 'f:b': {} } });
    expect(owners.find((o) => o.manager === 'bob')?.fields).toEqual({
      'f:data': { '.': {}, 'f:a': {}, 'f:b': {} },
    });
  });

  it('removes a field its manager stops applying, unless another manager still owns it', () => {
    apply('alice', configMap({ a: '1', b: '2', c: '3' }, { team: 'a' }));
    apply('bob', configMap({ c: '3' }));
    const after = apply('alice', configMap({ a: '1' }));
    expect(after.data).toEqual({ a: '1', c: '3' });
    expect(after.metadata.labels).toBeUndefined();
  });

  it('records Update entries for regular writes, and an update takes the fields it changes', () => {
    t.store.create(CONFIGMAPS, 'default', configMap({ a: '1', b: '2' }), { fieldManager: 'mesh-console' });
    const patched = t.store.patch(
      CONFIGMAPS,
      'default',
      'settings',
      'merge',
      { data: { b: '3' } },
      {
        fieldManager: 'kubectl-edit',
      },
    );
    expect(managed(patched)).toEqual([
      { manager: 'mesh-console', operation: 'Update', fields: { 'f:data': { '.': {}, 'f:a': {} } } },
      { manager: 'kubectl-edit', operation: 'Update', fields: { 'f:data': { 'f:b': {} } } },
    ]);
    // An applier that sets b to another value now conflicts with the editor, named with its apiVersion.
    expect(statusErrorOf(() => apply('alice', configMap({ b: '4' }))).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.b',
    );
    // A write without a field manager (the store used directly) leaves managedFields as they were.
    const unmanaged = t.store.patch(CONFIGMAPS, 'default', 'settings', 'merge', { data: { c: '5' } });
    expect(managed(unmanaged)).toEqual(managed(patched));
  });

  it('gives an object written without a field manager to before-first-apply, as kube-apiserver', () => {
    t.store.create(CONFIGMAPS, 'default', configMap({ a: '1' }));
    expect(statusErrorOf(() => apply('alice', configMap({ a: '2' }))).message).toBe(
      'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a',
    );
    const forced = apply('alice', configMap({ a: '2' }), true);
    // The field moves to alice; the map itself stays with its first writer.
    expect(managed(forced)).toEqual([
      { manager: 'before-first-apply', operation: 'Update', fields: { 'f:data': { '.': {} } } },
      { manager: 'alice', operation: 'Apply', fields: { 'f:data': { '.': {}, 'f:a': {} } } },
    ]);
  });

  it('lets kubectl move from client-side to server-side apply without conflicts, keeping its record current', () => {
    const LAST = 'kubectl.kubernetes.io/last-applied-configuration';
    const csa = (data: Record<string, string>) => ({
      ...configMap(data),
      metadata: { name: 'settings', annotations: { [LAST]: JSON.stringify(configMap(data)) } },
    });
    t.store.create(CONFIGMAPS, 'default', csa({ a: '1', b: '2' }), {
      fieldManager: 'kubectl-client-side-apply',
    });
    // b changed by hand since the client-side apply: that one stays a conflict.
    t.store.patch(
      CONFIGMAPS,
      'default',
      'settings',
      'merge',
      { data: { b: '3' } },
      { fieldManager: 'kubectl-edit' },
    );
    expect(statusErrorOf(() => apply('kubectl', configMap({ a: '5', b: '4' }))).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.b',
    );
    const moved = apply('kubectl', configMap({ a: '5', b: '3' }));
    expect(moved.data).toEqual({ a: '5', b: '3' });
    expect(JSON.parse(moved.metadata.annotations?.[LAST] ?? '{}')).toEqual(configMap({ a: '5', b: '3' }));
    // Another manager gets no such pass.
    expect(statusErrorOf(() => apply('argocd', configMap({ a: '6' }))).code).toBe(409);
  });

  it('merges keyed lists element by element (containers by name) and keeps the other manager’s element', () => {
    const deployment = (containers: { name: string; image: string }[], replicas?: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        ...(replicas === undefined ? {} : { replicas }),
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
      },
    });
    const applyDeployment = (manager: string, body: unknown, force = false) =>
      t.store.patch(DEPLOYMENTS, 'default', 'web', 'apply', body, { fieldManager: manager, force });
    applyDeployment('platform', deployment([{ name: 'web', image: 'web:1' }], 2));
    const both = applyDeployment('mesh', deployment([{ name: 'proxy', image: 'envoy:1' }]));
    const names = (o: KubeObject) =>
      (
        (o.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec
          .containers ?? []
      ).map((c) => `${c.name}=${c.image}`);
    expect(names(both)).toEqual(['proxy=envoy:1', 'web=web:1']);
    const conflict = statusErrorOf(() =>
      applyDeployment('mesh', deployment([{ name: 'web', image: 'web:2' }])),
    );
    expect(conflict.message).toContain('.spec.template.spec.containers[name="web"].image');
    // The platform team drops its container: it goes, the mesh's stays.
    const dropped = applyDeployment('platform', deployment([], 2));
    expect(names(dropped)).toEqual(['proxy=envoy:1']);
  });
});

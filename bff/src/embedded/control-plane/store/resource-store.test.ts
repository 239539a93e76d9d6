import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatusError } from '../status-error';
import type { KubeObject, WatchEvent } from '../types';
import type { TestStore } from '../testing/fixtures';
import { CONFIGMAPS, NAMESPACES, SERVICES, VS, openStore, virtualService } from '../testing/fixtures';

function statusOf(fn: () => unknown): { code: number; reason: string; message: string; causes: unknown } {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError)
      return { code: err.code, reason: err.reason, message: err.message, causes: err.status.details?.causes };
    throw err;
  }
  throw new Error('expected a StatusError');
}

function service(name: string, labels: Record<string, string>, namespace = 'default'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }] },
  };
}

describe('ResourceStore', () => {
  let t: TestStore;
  beforeEach(() => {
    t = openStore();
  });
  afterEach(() => t.close());

  describe('create and get', () => {
    it('fills in metadata like a kube-apiserver', () => {
      const created = t.store.create(VS, 'default', virtualService('reviews'));
      expect(created.metadata).toMatchObject({ name: 'reviews', namespace: 'default', generation: 1 });
      expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(t.store.get(VS, 'default', 'reviews')).toEqual(created);
    });

    it('defaults the namespace from the call and rewrites apiVersion to the version asked for', () => {
      const obj = virtualService('ratings');
      delete obj.metadata.namespace;
      t.store.create(VS, 'default', obj);
      expect(t.store.get({ ...VS, version: 'v1alpha3' }, 'default', 'ratings').apiVersion).toBe(
        'networking.istio.io/v1alpha3',
      );
      expect(t.store.get({ ...VS, version: 'v1beta1' }, 'default', 'ratings').apiVersion).toBe(
        'networking.istio.io/v1beta1',
      );
    });

    it('answers AlreadyExists, NotFound and a missing namespace as real', () => {
      t.store.create(VS, 'default', virtualService('reviews'));
      expect(statusOf(() => t.store.create(VS, 'default', virtualService('reviews')))).toMatchObject({
        code: 409,
        reason: 'AlreadyExists',
        message: 'virtualservices.networking.istio.io "reviews" already exists',
      });
      expect(statusOf(() => t.store.get(VS, 'default', 'nope'))).toMatchObject({
        code: 404,
        reason: 'NotFound',
        message: 'virtualservices.networking.istio.io "nope" not found',
      });
      const elsewhere = virtualService('x');
      elsewhere.metadata.namespace = 'nowhere';
      expect(statusOf(() => t.store.create(VS, 'nowhere', elsewhere))).toMatchObject({
        code: 404,
        message: 'namespaces "nowhere" not found',
      });
    });

    it('generates names from generateName', () => {
      const obj = virtualService('');
      delete obj.metadata.name;
      obj.metadata.generateName = 'canary-';
      const created = t.store.create(VS, 'default', obj);
      expect(created.metadata.name).toMatch(/^canary-[a-z0-9]{5}$/);
    });

    it('requires a valid name', () => {
      const s = statusOf(() => t.store.create(VS, 'default', virtualService('Bad_Name')));
      expect(s.code).toBe(422);
      expect(s.causes).toEqual([
        expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.name' }),
      ]);
      const ns = statusOf(() => t.store.create(NAMESPACES, undefined, { metadata: { name: 'a.b' } }));
      expect(ns.code).toBe(422);
    });
  });

  describe('update', () => {
    it('refuses a stale resourceVersion with Conflict', () => {
      const created = t.store.create(VS, 'default', virtualService('reviews'));
      const first = t.store.update(VS, 'default', 'reviews', {
        ...virtualService('reviews', [50, 50]),
        metadata: created.metadata,
      });
      expect(first.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
      const stale = { ...virtualService('reviews', [10, 90]), metadata: { ...created.metadata } };
      expect(statusOf(() => t.store.update(VS, 'default', 'reviews', stale))).toMatchObject({
        code: 409,
        reason: 'Conflict',
        message:
          'Operation cannot be fulfilled on virtualservices.networking.istio.io "reviews": the object has been modified; please apply your changes to the latest version and try again',
      });
    });

    it('requires a resourceVersion on custom resources but not on built-in kinds', () => {
      t.store.create(VS, 'default', virtualService('reviews'));
      const withoutRv = virtualService('reviews', [60, 40]);
      expect(statusOf(() => t.store.update(VS, 'default', 'reviews', withoutRv)).code).toBe(422);
      t.store.create(SERVICES, 'default', service('web', {}));
      expect(() =>
        t.store.update(SERVICES, 'default', 'web', service('web', { tier: 'front' })),
      ).not.toThrow();
    });

    it('bumps generation only when something outside metadata and status changes', () => {
      const created = t.store.create(VS, 'default', virtualService('reviews'));
      const relabelled = t.store.update(VS, 'default', 'reviews', {
        ...created,
        metadata: { ...created.metadata, labels: { app: 'reviews', team: 'a' } },
      });
      expect(relabelled.metadata.generation).toBe(1);
      const respec = t.store.update(VS, 'default', 'reviews', {
        ...virtualService('reviews', [50, 50]),
        metadata: relabelled.metadata,
      });
      expect(respec.metadata.generation).toBe(2);
      expect(Number(respec.metadata.resourceVersion)).toBeGreaterThan(
        Number(relabelled.metadata.resourceVersion),
      );
    });

    it('treats an update that changes nothing as no write', () => {
      const created = t.store.create(VS, 'default', virtualService('reviews'));
      const same = t.store.update(VS, 'default', 'reviews', created);
      expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    });

    it('keeps the uid and refuses a different one', () => {
      const created = t.store.create(VS, 'default', virtualService('reviews'));
      const other = { ...created, metadata: { ...created.metadata, uid: 'someone-else' } };
      expect(statusOf(() => t.store.update(VS, 'default', 'reviews', other)).code).toBe(409);
    });
  });

  describe('patch', () => {
    it('applies a JSON merge patch', () => {
      t.store.create(VS, 'default', virtualService('reviews'));
      const patched = t.store.patch(VS, 'default', 'reviews', 'merge', {
        metadata: { labels: { app: null, team: 'a' } },
        spec: { gateways: ['mesh'] },
      });
      expect(patched.metadata.labels).toEqual({ team: 'a' });
      expect(patched.spec).toMatchObject({ gateways: ['mesh'], hosts: ['reviews'] });
      expect(patched.metadata.generation).toBe(2);
    });

    it('applies a JSON patch, and a failing test operation is 422', () => {
      t.store.create(VS, 'default', virtualService('reviews'));
      const patched = t.store.patch(VS, 'default', 'reviews', 'json', [
        { op: 'test', path: '/spec/http/0/route/0/weight', value: 80 },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 70 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 30 },
      ]);
      expect(patched.spec).toMatchObject({ http: [{ route: [{ weight: 70 }, { weight: 30 }] }] });
      const failed = statusOf(() =>
        t.store.patch(VS, 'default', 'reviews', 'json', [
          { op: 'test', path: '/spec/http/0/route/0/weight', value: 80 },
        ]),
      );
      expect(failed).toMatchObject({ code: 422, reason: 'Invalid' });
      expect(failed.message).toContain('test failed');
      expect(statusOf(() => t.store.patch(VS, 'default', 'reviews', 'json', { op: 'add' })).code).toBe(400);
    });

    it('honours a resourceVersion in a patch as a precondition', () => {
      const created = t.store.create(VS, 'default', virtualService('reviews'));
      t.store.patch(VS, 'default', 'reviews', 'merge', { spec: { gateways: ['mesh'] } });
      const stale = statusOf(() =>
        t.store.patch(VS, 'default', 'reviews', 'merge', {
          metadata: { resourceVersion: created.metadata.resourceVersion },
          spec: { gateways: ['other'] },
        }),
      );
      expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
    });

    it('answers 415 to a strategic merge patch of a custom resource, and merges built-in kinds', () => {
      t.store.create(VS, 'default', virtualService('reviews'));
      expect(
        statusOf(() => t.store.patch(VS, 'default', 'reviews', 'strategic', { spec: {} })),
      ).toMatchObject({
        code: 415,
        reason: 'UnsupportedMediaType',
      });
      t.store.create(SERVICES, 'default', service('web', {}));
      const patched = t.store.patch(SERVICES, 'default', 'web', 'strategic', {
        spec: { ports: [{ name: 'grpc', port: 9090 }] },
      });
      expect((patched.spec as { ports: unknown[] }).ports).toHaveLength(2);
    });
  });

  describe('list', () => {
    beforeEach(() => {
      t.store.create(NAMESPACES, undefined, { metadata: { name: 'shop' } });
      t.store.create(SERVICES, 'default', service('a', { app: 'a', tier: 'front' }));
      t.store.create(SERVICES, 'default', service('b', { app: 'b', tier: 'back' }));
      t.store.create(SERVICES, 'shop', service('c', { app: 'c', tier: 'back', legacy: 'yes' }, 'shop'));
      t.store.create(SERVICES, 'shop', service('d', { app: 'd' }, 'shop'));
    });
    const names = (r: { items: KubeObject[] }) => r.items.map((i) => i.metadata.name);

    it('lists one namespace or all of them', () => {
      expect(names(t.store.list(SERVICES, 'shop'))).toEqual(['c', 'd']);
      expect(names(t.store.list(SERVICES, undefined))).toEqual(['a', 'b', 'c', 'd']);
    });

    it.each([
      ['tier=back', ['b', 'c']],
      ['tier==back', ['b', 'c']],
      ['tier!=back', ['a', 'd']],
      ['tier in (front, back)', ['a', 'b', 'c']],
      ['tier notin (front)', ['b', 'c', 'd']],
      ['legacy', ['c']],
      ['!legacy', ['a', 'b', 'd']],
      ['tier=back,!legacy', ['b']],
    ])('filters by the label selector %s', (labelSelector, expected) => {
      expect(names(t.store.list(SERVICES, undefined, { labelSelector }))).toEqual(expected);
    });

    it('filters by metadata.name and metadata.namespace field selectors', () => {
      expect(names(t.store.list(SERVICES, undefined, { fieldSelector: 'metadata.name=c' }))).toEqual(['c']);
      expect(names(t.store.list(SERVICES, undefined, { fieldSelector: 'metadata.namespace!=shop' }))).toEqual(
        ['a', 'b'],
      );
      expect(statusOf(() => t.store.list(VS, undefined, { fieldSelector: 'spec.hosts=x' })).code).toBe(400);
      expect(statusOf(() => t.store.list(SERVICES, undefined, { labelSelector: 'a in (' })).code).toBe(400);
    });

    it('returns the current resourceVersion with the list', () => {
      expect(t.store.list(SERVICES, undefined).resourceVersion).toBe(t.store.resourceVersion);
    });
  });

  describe('delete', () => {
    it('honours resourceVersion and uid preconditions', () => {
      const created = t.store.create(VS, 'default', virtualService('reviews'));
      const updated = t.store.patch(VS, 'default', 'reviews', 'merge', { spec: { gateways: ['mesh'] } });
      const stale = statusOf(() =>
        t.store.delete(VS, 'default', 'reviews', { resourceVersion: created.metadata.resourceVersion }),
      );
      expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
      expect(stale.message).toContain('Precondition failed: ResourceVersion in precondition');
      expect(statusOf(() => t.store.delete(VS, 'default', 'reviews', { uid: 'x' })).code).toBe(409);
      const deleted = t.store.delete(VS, 'default', 'reviews', {
        resourceVersion: updated.metadata.resourceVersion,
        uid: created.metadata.uid,
      });
      expect(deleted.metadata.name).toBe('reviews');
      expect(statusOf(() => t.store.get(VS, 'default', 'reviews')).code).toBe(404);
    });

    it('deletes the objects of a deleted namespace, and keeps the system namespaces', () => {
      t.store.create(NAMESPACES, undefined, { metadata: { name: 'shop' } });
      t.store.create(SERVICES, 'shop', service('c', {}, 'shop'));
      t.store.create(CONFIGMAPS, 'shop', { metadata: { name: 'cfg' }, data: { a: 'b' } });
      t.store.delete(NAMESPACES, undefined, 'shop');
      expect(t.store.list(SERVICES, 'shop').items).toEqual([]);
      expect(t.store.list(CONFIGMAPS, 'shop').items).toEqual([]);
      expect(statusOf(() => t.store.delete(NAMESPACES, undefined, 'default')).code).toBe(403);
    });
  });

  describe('dryRun', () => {
    it('validates and returns the result without writing', () => {
      const rv = t.store.resourceVersion;
      const preview = t.store.create(VS, 'default', virtualService('reviews'), { dryRun: true });
      expect(preview.metadata.uid).toBeDefined();
      expect(t.store.resourceVersion).toBe(rv);
      expect(statusOf(() => t.store.get(VS, 'default', 'reviews')).code).toBe(404);
      expect(
        statusOf(() => t.store.create(VS, 'default', virtualService('x', ['a']), { dryRun: true })).code,
      ).toBe(422);

      const created = t.store.create(VS, 'default', virtualService('reviews'));
      const previewUpdate = t.store.patch(
        VS,
        'default',
        'reviews',
        'merge',
        { spec: { gateways: ['g'] } },
        { dryRun: true },
      );
      expect(previewUpdate.spec).toMatchObject({ gateways: ['g'] });
      t.store.delete(VS, 'default', 'reviews', { dryRun: true });
      expect(t.store.get(VS, 'default', 'reviews')).toEqual(created);
    });
  });

  describe('transactions', () => {
    it('writes all or nothing, and watches see only committed changes', () => {
      const events: WatchEvent[] = [];
      const stop = t.store.watch(CONFIGMAPS, undefined, t.store.resourceVersion, (e) => events.push(e));
      const rv = t.store.resourceVersion;
      expect(() =>
        t.store.transaction(() => {
          t.store.create(CONFIGMAPS, 'default', { metadata: { name: 'one' } });
          t.store.create(CONFIGMAPS, 'default', { metadata: { name: 'one' } });
        }),
      ).toThrow(StatusError);
      expect(t.store.resourceVersion).toBe(rv);
      expect(t.store.list(CONFIGMAPS, 'default').items).toEqual([]);
      expect(events).toEqual([]);
      t.store.createMany(CONFIGMAPS, 'default', [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }]);
      expect(events.map((e) => e.object.metadata.name)).toEqual(['a', 'b']);
      stop();
    });
  });

  describe('watch', () => {
    it('starts with synthetic ADDED events without a resourceVersion', () => {
      t.store.create(VS, 'default', virtualService('a'));
      const events: WatchEvent[] = [];
      const stop = t.store.watch(VS, 'default', undefined, (e) => events.push(e));
      t.store.create(VS, 'default', virtualService('b'));
      expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
        ['ADDED', 'a'],
        ['ADDED', 'b'],
      ]);
      stop();
    });

    it('replays exactly the events after a resourceVersion, across a restart, then continues live', () => {
      const a = t.store.create(VS, 'default', virtualService('a'));
      const from = a.metadata.resourceVersion;
      t.store.patch(VS, 'default', 'a', 'merge', { spec: { gateways: ['mesh'] } });
      t.store.create(SERVICES, 'default', service('unrelated', {}));
      t.store.create(VS, 'default', virtualService('b'));
      t.store.delete(VS, 'default', 'a');
      t = t.reopen();
      const events: WatchEvent[] = [];
      const stop = t.store.watch({ ...VS, version: 'v1beta1' }, undefined, from, (e) => events.push(e));
      t.store.create(VS, 'default', virtualService('c'));
      expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
        ['MODIFIED', 'a'],
        ['ADDED', 'b'],
        ['DELETED', 'a'],
        ['ADDED', 'c'],
      ]);
      const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
      expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
      expect(new Set(rvs).size).toBe(rvs.length);
      expect(events.every((e) => e.object.apiVersion === 'networking.istio.io/v1beta1')).toBe(true);
      stop();
    });

    it('answers 410 Expired for a resourceVersion that was compacted away', () => {
      t.close();
      t = openStore({ eventRetention: 5 });
      const first = t.store.create(CONFIGMAPS, 'default', { metadata: { name: 'first' } });
      for (let i = 0; i < 10; i++) t.store.create(CONFIGMAPS, 'default', { metadata: { name: `cm-${i}` } });
      const s = statusOf(() =>
        t.store.watch(CONFIGMAPS, 'default', first.metadata.resourceVersion, () => undefined),
      );
      expect(s).toMatchObject({ code: 410, reason: 'Expired' });
      expect(s.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
      const recent = t.store.resourceVersion;
      expect(() => t.store.watch(CONFIGMAPS, 'default', recent, () => undefined)()).not.toThrow();
    });

    it('turns label changes into ADDED and DELETED for a selecting watch', () => {
      t.store.create(SERVICES, 'default', service('web', { tier: 'front' }));
      const events: WatchEvent[] = [];
      const stop = t.store.watch(SERVICES, undefined, t.store.resourceVersion, (e) => events.push(e), {
        labelSelector: 'tier=back',
      });
      t.store.patch(SERVICES, 'default', 'web', 'merge', { metadata: { labels: { tier: 'back' } } });
      t.store.patch(SERVICES, 'default', 'web', 'merge', { spec: { ports: [{ port: 81 }] } });
      t.store.patch(SERVICES, 'default', 'web', 'merge', { metadata: { labels: { tier: 'front' } } });
      expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
      stop();
    });

    it('keeps the resourceVersion increasing across restarts', () => {
      const before = Number(t.store.create(VS, 'default', virtualService('a')).metadata.resourceVersion);
      t = t.reopen();
      const after = Number(t.store.create(VS, 'default', virtualService('b')).metadata.resourceVersion);
      expect(after).toBeGreaterThan(before);
    });
  });

  describe('built-in kinds', () => {
    it('gives Services a cluster IP and Namespaces their phase and name label', () => {
      const svc = t.store.create(SERVICES, 'default', service('web', {}));
      expect(svc.spec).toMatchObject({
        type: 'ClusterIP',
        clusterIP: expect.stringMatching(/^10\.\d+\.\d+\.\d+$/),
      });
      const ns = t.store.create(NAMESPACES, undefined, { metadata: { name: 'shop' } });
      expect(ns.status).toEqual({ phase: 'Active' });
      expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'shop' });
      const updated = t.store.update(SERVICES, 'default', 'web', service('web', { x: 'y' }));
      expect((updated.spec as { clusterIP: string }).clusterIP).toBe(
        (svc.spec as { clusterIP: string }).clusterIP,
      );
    });

    it('keeps status written on a Pod, as there is no kubelet to write it', () => {
      const pod = t.store.create({ group: '', version: 'v1', plural: 'pods' }, 'default', {
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'c', image: 'i' }] },
        status: { phase: 'Running', podIP: '10.1.0.2' },
      });
      expect(pod.status).toEqual({ phase: 'Running', podIP: '10.1.0.2' });
    });
  });
});

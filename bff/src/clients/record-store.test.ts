import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../lib/logger';
import { startTestControlPlane } from '../testing/console';
import type { TestControlPlane } from '../testing/console';
import { RecordConflict, RecordStore } from './record-store';
import type { RecordResource } from './record-store';

const Note = z.object({
  id: z.string().regex(/^[a-z]+$/),
  count: z.string().regex(/^\d+$/).transform(Number),
});

describe('the record store, on the embedded control plane', () => {
  let plane: TestControlPlane;
  const warnings: string[] = [];
  const log = createLogger({
    level: 'warn',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        warnings.push(chunk.toString());
        done();
      },
    }),
  });
  beforeAll(async () => {
    plane = await startTestControlPlane();
  });
  afterAll(async () => {
    await plane?.close();
  });

  const storeOf = (resource: RecordResource, value = 'v1') =>
    new RecordStore({
      kube: plane.kube,
      resource,
      label: { key: 'test.mesh-console.io/note', value },
      schema: Note,
      nameOf: (n) => `note-${n.id}`,
      what: 'test note',
      log,
    });

  it.each<[string, RecordResource]>([
    ['ConfigMaps', { kind: 'ConfigMap' }],
    ['Secrets of a type', { kind: 'Secret', type: 'mesh-console.io/test-note' }],
  ])(
    'writes and reads back %s: create, list by label, replace and delete with the resourceVersion',
    async (_, resource) => {
      const notes = storeOf(resource);
      const created = await notes.create('default', 'note-a', {
        data: { id: 'a', count: '1' },
        labels: { extra: 'x' },
      });
      expect(created.value).toEqual({ id: 'a', count: 1 });
      expect(created.labels).toMatchObject({ 'test.mesh-console.io/note': 'v1', extra: 'x' });
      await expect(
        notes.create('default', 'note-a', { data: { id: 'a', count: '1' } }),
      ).rejects.toBeInstanceOf(RecordConflict);

      const replaced = await notes.replace('default', 'note-a', created.resourceVersion, {
        data: { id: 'a', count: '2' },
      });
      expect(replaced.value.count).toBe(2);
      expect((await notes.get('default', 'note-a'))?.value.count).toBe(2);

      // A writer that read before the replace is refused, on replace and on delete alike.
      await expect(
        notes.replace('default', 'note-a', created.resourceVersion, { data: { id: 'a', count: '3' } }),
      ).rejects.toBeInstanceOf(RecordConflict);
      await expect(
        notes.delete('default', 'note-a', { resourceVersion: created.resourceVersion }),
      ).rejects.toBeInstanceOf(RecordConflict);
      expect((await notes.get('default', 'note-a'))?.value.count).toBe(2);

      expect(await notes.delete('default', 'note-a', { resourceVersion: replaced.resourceVersion })).toBe(
        true,
      );
      expect(await notes.get('default', 'note-a')).toBeUndefined();
      expect(await notes.delete('default', 'note-a')).toBe(false);
    },
  );

  it('lists only the records with its label (and value), narrowed by a further selector', async () => {
    const mine = storeOf({ kind: 'ConfigMap' }, 'v1');
    const other = storeOf({ kind: 'ConfigMap' }, 'v2');
    await mine.create('kube-public', 'note-b', { data: { id: 'b', count: '1' }, labels: { colour: 'red' } });
    await mine.create('kube-public', 'note-c', { data: { id: 'c', count: '1' }, labels: { colour: 'blue' } });
    await other.create('kube-public', 'note-d', { data: { id: 'd', count: '1' } });
    // An unlabelled ConfigMap that would otherwise pass is not one of the store's.
    await plane.kube.core.createNamespacedConfigMap({
      namespace: 'kube-public',
      body: { metadata: { name: 'note-e' }, data: { id: 'e', count: '1' } },
    });
    const names = async (list: Promise<{ name: string }[]>) => (await list).map((r) => r.name).sort();
    expect(await names(mine.list('kube-public'))).toEqual(['note-b', 'note-c']);
    expect(await names(mine.list('kube-public', 'colour=blue'))).toEqual(['note-c']);
    expect(await names(other.list(null))).toEqual(['note-d']);
  });

  it('refuses, and logs once without the values, a record zod refuses, one under another name, or a Secret of another type', async () => {
    const notes = storeOf({ kind: 'Secret', type: 'mesh-console.io/test-note' });
    const labels = { 'test.mesh-console.io/note': 'v1' };
    const secret = (name: string, stringData: Record<string, string>, type = 'mesh-console.io/test-note') =>
      plane.kube.core.createNamespacedSecret({
        namespace: 'shop',
        body: { metadata: { name, labels }, type, stringData },
      });
    await secret('note-f', { id: 'f', count: 'many-secret-value' });
    await secret('note-other', { id: 'g', count: '1' });
    await secret('note-h', { id: 'h', count: '1' }, 'Opaque');
    await secret('note-i', { id: 'i', count: '1' });

    expect((await notes.list('shop')).map((r) => r.value.id)).toEqual(['i']);
    expect(await notes.get('shop', 'note-f')).toBeUndefined();
    await notes.list('shop');
    const text = warnings.join('');
    expect(text).toContain('ignored an invalid test note record');
    expect(text).toMatch(/"record":"note-f".*count: invalid_format/);
    expect(text).toContain('its name does not match its content');
    expect(text).toContain('its type is not mesh-console.io/test-note');
    expect(text).not.toContain('many-secret-value');
    // Each bad record is logged once, however often it is read.
    expect(warnings.filter((w) => w.includes('"record":"note-f"'))).toHaveLength(1);
  });

  it('a store without a label value reads every value and refuses to write', async () => {
    const any = new RecordStore({
      kube: plane.kube,
      resource: { kind: 'ConfigMap' },
      label: { key: 'test.mesh-console.io/note' },
      schema: Note,
      what: 'test note',
      log,
    });
    expect((await any.list('kube-public')).map((r) => r.name).sort()).toEqual(['note-b', 'note-c', 'note-d']);
    await expect(any.create('kube-public', 'note-z', { data: { id: 'z', count: '1' } })).rejects.toThrow(
      /only reads/,
    );
  });
});

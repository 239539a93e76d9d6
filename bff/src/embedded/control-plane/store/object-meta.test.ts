import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../types';
import { updatedMeta } from './object-meta';

describe('updatedMeta', () => {
  const stored = {
    name: 'reviews',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2026-12-07T10:00:00Z',
    labels: { app: 'reviews' },
    annotations: { note: 'old' },
    finalizers: ['example.com/keep'],
    managedFields: [{ manager: 'kubectl', operation: 'Update' }],
  } as ObjectMeta;

  it('takes labels, annotations, owners, finalizers and generateName from the body, the rest as stored, in order', () => {
    const meta = updatedMeta(stored, {
      name: 'reviews',
      labels: { app: 'reviews', v: '2' },
      annotations: { note: 'new' },
    });
    const expected = {
      ...stored,
      labels: { app: 'reviews', v: '2' },
      annotations: { note: 'new' },
      finalizers: undefined,
    };
    delete expected.finalizers;
    expect(meta).toEqual(expected);
    // The stored order, whatever order the body came in.
    expect(Object.keys(meta)).toEqual(Object.keys(expected));
  });

  it('drops what the body leaves out of the fields it sets, and ignores what it says of the others', () => {
    const meta = updatedMeta(stored, { name: 'other', uid: 'u-2', resourceVersion: '1' });
    expect(meta.labels).toBeUndefined();
    expect(meta.annotations).toBeUndefined();
    expect(meta.finalizers).toBeUndefined();
    expect([meta.name, meta.uid, meta.resourceVersion]).toEqual(['reviews', 'u-1', '42']);
  });
});

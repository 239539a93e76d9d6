import { describe, expect, it } from 'vitest';
import type { MeshObject } from '../../mesh/istio-types';
import { describeWrites } from './flow';

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
};

/** A DestinationRule as the cache holds it (frozen, with what the server and others added). */
const live = deepFreeze({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'reviews', namespace: 'shop', resourceVersion: '42', finalizers: ['example.com/keep'] },
  spec: { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
}) as MeshObject;

/** The same rule as a plan makes it: what the console writes, without the rest. */
const planned = (subsets: unknown[]): MeshObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'reviews', namespace: 'shop' },
  spec: { host: 'reviews', subsets },
});

describe('describeWrites', () => {
  it('shows an updated object as it will be written, with its diff against the live one', () => {
    const [obj] = describeWrites(
      [
        {
          action: 'update',
          object: planned([...(live.spec.subsets as unknown[]), { name: 'v2', labels: { version: 'v2' } }]),
          current: live,
        },
      ],
      'shop',
    );
    expect(obj?.yaml).toContain('name: v2');
    expect(obj?.yaml).not.toContain('finalizers');
    expect(obj?.diff).toContain('+    - name: v2');
    expect(obj?.diff).toContain('-  finalizers:');
  });

  it('shows an object left as it is as it lives, with no diff', () => {
    const [obj] = describeWrites(
      [{ action: 'unchanged', object: planned(live.spec.subsets as unknown[]), current: live }],
      'shop',
    );
    expect(obj).toMatchObject({ action: 'unchanged', kind: 'DestinationRule', name: 'reviews', diff: '' });
    // The live object's YAML: what stays is the whole object, finalizers included.
    expect(obj?.yaml).toContain('example.com/keep');
    expect(obj?.yaml).not.toContain('resourceVersion');
  });
});

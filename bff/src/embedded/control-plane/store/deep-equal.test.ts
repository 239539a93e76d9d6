import { describe, expect, it } from 'vitest';
import { deepEqual } from './deep-equal';

describe('deepEqual', () => {
  it('compares JSON values by structure, whatever the order of their keys', () => {
    expect(deepEqual({ a: 1, b: { c: [1, 'x'] } }, { b: { c: [1, 'x'] }, a: 1 })).toBe(true);
    expect(deepEqual({ a: 1, b: { c: [1, 'x'] } }, { a: 1, b: { c: ['x', 1] } })).toBe(false);
    expect(deepEqual([{ a: 1 }], [{ a: 2 }])).toBe(false);
    expect(deepEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(deepEqual('1', 1)).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
    expect(deepEqual({}, null)).toBe(false);
    expect(deepEqual([], {})).toBe(false);
    expect(deepEqual({}, [])).toBe(false);
  });

  it('counts a key holding undefined as absent, on either side', () => {
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1, c: 2 })).toBe(false);
    expect(deepEqual({ a: 1, c: 2 }, { a: 1, b: undefined })).toBe(false);
  });

  it('tells apart objects with the same number of keys but different ones', () => {
    expect(deepEqual({ a: 1 }, { b: 1 })).toBe(false);
    // An inherited property is not a key of the object (JSON has none; a name like this one must not match it).
    expect(deepEqual({ constructor: Object }, {})).toBe(false);
    expect(deepEqual({ toString: Object.prototype.toString }, { a: 1 })).toBe(false);
  });
});

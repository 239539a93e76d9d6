import { describe, expect, it } from 'vitest';
import { jsonEqual } from './json';

describe('jsonEqual', () => {
  it('compares JSON values by structure, whatever the order of their keys', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 'x'] } }, { b: { c: [1, 'x'] }, a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, b: { c: [1, 'x'] } }, { a: 1, b: { c: ['x', 1] } })).toBe(false);
    expect(jsonEqual([{ a: 1 }], [{ a: 2 }])).toBe(false);
    expect(jsonEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(jsonEqual('1', 1)).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual({}, null)).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
  });

  it('counts a key holding undefined as absent, on either side', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1, c: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, c: 2 }, { a: 1, b: undefined })).toBe(false);
  });

  it('tells apart objects with the same number of keys but different ones', () => {
    expect(jsonEqual({ a: 1 }, { b: 1 })).toBe(false);
    // An inherited property is not a key of the object (JSON has none; a name like this one must not match it).
    expect(jsonEqual({ constructor: Object }, {})).toBe(false);
    expect(jsonEqual({ toString: Object.prototype.toString }, { a: 1 })).toBe(false);
  });
});

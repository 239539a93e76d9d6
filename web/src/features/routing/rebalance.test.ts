import { describe, expect, it } from 'vitest';
import { apportion, distributeEvenly, rebalance, removeWeight, roomFor, totalOf } from './rebalance';

const F = false;
const T = true;

describe('rebalance', () => {
  it.each([
    // [description, weights, locked, index, newValue, expected]
    ['two rows: the other absorbs', [50, 50], [F, F], 0, 20, [20, 80]],
    ['two rows, moving the second', [20, 80], [F, F], 1, 50, [50, 50]],
    ['three rows: proportional absorption', [50, 30, 20], [F, F, F], 0, 60, [60, 24, 16]],
    ['three rows: giving back proportionally', [60, 24, 16], [F, F, F], 0, 50, [50, 30, 20]],
    ['a locked row keeps its weight', [50, 30, 20], [F, F, T], 0, 60, [60, 20, 20]],
    ['clamped to what locked rows leave', [50, 30, 20], [F, F, T], 0, 90, [80, 0, 20]],
    ['others at zero share evenly', [100, 0, 0], [F, F, F], 0, 40, [40, 30, 30]],
    ['whole numbers, remainder to the earlier row', [100, 0, 0], [F, F, F], 0, 99, [99, 1, 0]],
    ['dropping to zero', [34, 33, 33], [F, F, F], 0, 0, [0, 50, 50]],
    ['rounds the value', [50, 50], [F, F], 0, 20.6, [21, 79]],
    ['clamps below 0', [50, 50], [F, F], 0, -5, [0, 100]],
    ['clamps above 100', [50, 50], [F, F], 0, 150, [100, 0]],
    ['one row: no one absorbs', [100], [F], 0, 40, [40]],
    ['all others locked: total may fall below 100', [20, 80], [F, T], 0, 10, [10, 80]],
    ['all others locked: bounded by what they leave', [20, 80], [F, T], 0, 30, [20, 80]],
    ['locked at 35, the other dragged to 100: bounded at 65', [35, 50], [T, F], 1, 100, [35, 65]],
    ['locked rows over 100 leave nothing', [70, 40, 0], [T, T, F], 2, 30, [70, 40, 0]],
    ['a total that was off is brought to 100', [30, 60], [F, F], 0, 30, [30, 70]],
    ['index out of range: unchanged', [50, 50], [F, F], 2, 10, [50, 50]],
    ['NaN counts as 0', [50, 50], [F, F], 0, Number.NaN, [0, 100]],
  ] as const)('%s', (_, weights, locked, index, value, expected) => {
    expect(rebalance(weights, locked, index, value)).toEqual(expected);
  });

  it('never takes the total past 100 when the rest are locked', () => {
    const weights = [35, 40, 25];
    for (const locked of [
      [T, F, F],
      [T, F, T],
      [F, T, T],
    ]) {
      for (let index = 0; index < weights.length; index++) {
        if (locked[index]) continue;
        for (let value = 0; value <= 100; value += 5) {
          expect(totalOf(rebalance(weights, locked, index, value))).toBeLessThanOrEqual(100);
        }
      }
    }
  });

  it('keeps the total at 100 whenever an unlocked row can absorb', () => {
    const weights = [10, 20, 30, 40];
    for (let index = 0; index < weights.length; index++) {
      for (let value = 0; value <= 100; value += 7) {
        expect(totalOf(rebalance(weights, [F, F, F, F], index, value))).toBe(100);
      }
    }
  });
});

describe('roomFor', () => {
  it('is what the other locked rows leave', () => {
    expect(roomFor([35, 65], [T, F], 1)).toBe(65);
    expect(roomFor([35, 65], [T, F], 0)).toBe(100);
    expect(roomFor([60, 50, 0], [T, T, F], 2)).toBe(0);
  });
});

describe('removeWeight', () => {
  it.each([
    ['gives the weight to the other rows', [20, 30, 50], [F, F, F], 0, [38, 62]],
    ['not to locked rows', [20, 30, 50], [F, T, F], 0, [30, 70]],
    ['all locked: the weight is dropped', [20, 80], [F, T], 0, [80]],
    ['the last row', [100], [F], 0, []],
  ] as const)('%s', (_, weights, locked, index, expected) => {
    expect(removeWeight(weights, locked, index)).toEqual(expected);
  });
});

describe('distributeEvenly', () => {
  it.each([
    ['two rows', [20, 80], [F, F], [50, 50]],
    ['three rows', [0, 0, 0], [F, F, F], [34, 33, 33]],
    ['locked rows stay', [10, 20, 70], [T, F, F], [10, 45, 45]],
    ['all locked', [10, 20], [T, T], [10, 20]],
  ] as const)('%s', (_, weights, locked, expected) => {
    expect(distributeEvenly(weights, locked)).toEqual(expected);
  });
});

describe('apportion', () => {
  it('adds up exactly', () => {
    expect(apportion(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(apportion(7, [0, 0])).toEqual([4, 3]);
    expect(apportion(0, [5, 5])).toEqual([0, 0]);
    expect(apportion(5, [])).toEqual([]);
  });
});

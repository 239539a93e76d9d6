/**
 * Weight arithmetic of the version-weights editor. Weights are whole percentages; the goal is a
 * total of exactly 100, which the operator keeps by moving one weight while the unlocked rows
 * absorb the difference.
 */

export const FULL = 100;

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

/**
 * Splits `amount` (a whole number) over `shares` in proportion to them, in whole numbers that add
 * up to `amount` exactly (largest remainder; ties go to the earlier row). All-zero shares split
 * evenly.
 */
export function apportion(amount: number, shares: readonly number[]): number[] {
  if (shares.length === 0) return [];
  const total = shares.reduce((a, b) => a + b, 0);
  const basis = total > 0 ? shares : shares.map(() => 1);
  const basisTotal = total > 0 ? total : shares.length;
  const exact = basis.map((s) => (amount * s) / basisTotal);
  const result = exact.map(Math.floor);
  let left = amount - result.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, rest: x - Math.floor(x) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    result[i] = (result[i] ?? 0) + 1;
    left -= 1;
  }
  return result;
}

/**
 * What the locked rows other than `index` leave for row `index` (0–100): a locked row bounds what
 * the others can take, so no move can push the total past 100.
 */
export function roomFor(weights: readonly number[], locked: readonly boolean[], index: number): number {
  const lockedSum = weights.reduce((sum, w, i) => (i !== index && locked[i] ? sum + w : sum), 0);
  return clamp(FULL - lockedSum, 0, FULL);
}

/**
 * Sets row `index` to `newValue` and lets the other unlocked rows absorb the difference, in
 * proportion to their weights, so the total is 100. The value is kept to what the locked rows
 * leave (`roomFor`). With no unlocked row to absorb it, only row `index` changes (still within what
 * the locked rows leave) and the total may be below 100: the editor shows it and Submit waits.
 */
export function rebalance(
  weights: readonly number[],
  locked: readonly boolean[],
  index: number,
  newValue: number,
): number[] {
  const result = [...weights];
  if (index < 0 || index >= weights.length) return result;
  const value = Math.round(Number.isFinite(newValue) ? newValue : 0);
  const free = weights.map((_, i) => i).filter((i) => i !== index && !locked[i]);
  const room = roomFor(weights, locked, index);
  result[index] = clamp(value, 0, room);
  if (free.length === 0) return result;
  const shares = apportion(
    room - (result[index] ?? 0),
    free.map((i) => weights[i] ?? 0),
  );
  free.forEach((i, k) => {
    result[i] = shares[k] ?? 0;
  });
  return result;
}

/** Removes row `index`; its weight goes to the unlocked rows left, in proportion to theirs. */
export function removeWeight(
  weights: readonly number[],
  locked: readonly boolean[],
  index: number,
): number[] {
  const removed = weights[index] ?? 0;
  const rest = weights.filter((_, i) => i !== index);
  const restLocked = locked.filter((_, i) => i !== index);
  const free = rest.map((_, i) => i).filter((i) => !restLocked[i]);
  if (free.length === 0 || removed === 0) return rest;
  const shares = apportion(
    removed,
    free.map((i) => rest[i] ?? 0),
  );
  free.forEach((i, k) => {
    rest[i] = (rest[i] ?? 0) + (shares[k] ?? 0);
  });
  return rest;
}

/** Splits what the locked rows leave evenly over the unlocked rows (earlier rows get the remainder). */
export function distributeEvenly(weights: readonly number[], locked: readonly boolean[]): number[] {
  const free = weights.map((_, i) => i).filter((i) => !locked[i]);
  if (free.length === 0) return [...weights];
  const lockedSum = weights.reduce((sum, w, i) => (locked[i] ? sum + w : sum), 0);
  const shares = apportion(
    Math.max(0, FULL - lockedSum),
    free.map(() => 1),
  );
  const result = [...weights];
  free.forEach((i, k) => {
    result[i] = shares[k] ?? 0;
  });
  return result;
}

export const totalOf = (weights: readonly number[]) => weights.reduce((a, b) => a + b, 0);

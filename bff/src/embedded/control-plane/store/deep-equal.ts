import { isRecord } from '../types';

/**
 * Structural equality of JSON values; key order does not matter, and a key whose value is
 * `undefined` counts as absent. Allocates nothing: it runs on every write and dry run, over
 * whole objects (a managed-fields comparison, a no-op update's check).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  let defined = 0;
  for (const k in a) {
    if (!Object.hasOwn(a, k) || a[k] === undefined) continue;
    defined++;
    if (!Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
  }
  for (const k in b) if (Object.hasOwn(b, k) && b[k] !== undefined) defined--;
  return defined === 0;
}

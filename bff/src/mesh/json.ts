/**
 * Reading parsed Istio objects, whose fields may hold anything a user applied: the few guards the
 * mesh modules share, so a field of the wrong type is skipped rather than trusted.
 */

import { isRecord } from '../lib/json';

export { isRecord };

/** The array's entries, or none when it is not an array. */
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The array's object entries. */
export function records(v: unknown): Record<string, unknown>[] {
  return list(v).filter(isRecord);
}

/** The array's string entries. */
export function stringList(v: unknown): string[] {
  return list(v).filter((e): e is string => typeof e === 'string');
}

/**
 * Where the entries of a list hold fields a form does not show: `<where>[i].<key>` for every key of
 * every object entry that `shown` does not name.
 */
export function unshownFields(v: unknown, shown: ReadonlySet<string>, where: string): string[] {
  return list(v).flatMap((entry, i) =>
    isRecord(entry)
      ? Object.keys(entry)
          .filter((key) => !shown.has(key))
          .map((key) => `${where}[${i}].${key}`)
      : [],
  );
}

export function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

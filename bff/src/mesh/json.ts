/**
 * Reading parsed Istio objects, whose fields may hold anything a user applied: the few guards the
 * mesh modules share, so a field of the wrong type is skipped rather than trusted.
 */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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

export function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

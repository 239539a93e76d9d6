/**
 * A JSON value with every object's keys in reverse order, as a control plane that orders keys its
 * own way may answer it: what compares objects must not see a change in it.
 */
export function withKeysReversed<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withKeysReversed) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, withKeysReversed(v)]),
    ) as T;
  return value;
}

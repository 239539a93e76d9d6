/**
 * Defensive readers for the untyped `spec` of a stored object. The control plane validates objects
 * against Istio's CRD schemas, but the engine must still never throw on a field of the wrong type:
 * a field it cannot read counts as unset, as a proto field that failed to unmarshal would.
 */

export type Fields = Record<string, unknown>;

export const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

export const fields = (v: unknown): Fields => (isFields(v) ? v : {});

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  // int64/uint32 wrappers may arrive as strings in JSON (protobuf's JSON mapping allows both).
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};

export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const strings = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === 'string');

export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(fields(v))) if (typeof x === 'string') out[k] = x;
  return out;
}

/** `labels` is a subset of `of`: every key present with the same value (Istio's labels.Instance.SubsetOf). */
export function labelsSubsetOf(labels: Record<string, string>, of: Record<string, string>): boolean {
  for (const k in labels) if (of[k] !== labels[k]) return false;
  return true;
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A duration as Istio's CRDs accept it: the CEL `duration()` grammar, i.e. Go's time.ParseDuration
 * ("1s", "500ms", "1.5s", "1m", "1h30m"), which also covers protobuf JSON's "<seconds>s" form.
 * Returns milliseconds, or undefined for anything unreadable.
 */
export function durationMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (s === '0') return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < s.length) {
    part.lastIndex = at;
    const m = part.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
    at = part.lastIndex;
  }
  return at === 0 || !Number.isFinite(total) ? undefined : total;
}

/** Istio's `Percent` message ({value: 0..100}), clamped; undefined when absent. */
export function percentValue(v: unknown): number | undefined {
  if (!isFields(v)) return undefined;
  const value = num(v.value) ?? 0;
  return Math.min(100, Math.max(0, value));
}

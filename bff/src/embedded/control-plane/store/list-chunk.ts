import { StatusError, badRequest } from '../status-error';

/**
 * Chunked lists (`limit` and `continue`), as kube-apiserver pages them: a page ends after `limit`
 * objects, and the continue token names where the next page starts and the resourceVersion of the
 * list's first page, which every page reports. The token is opaque to clients (base64 of JSON, the
 * shape of the real one); one that cannot be read is a 400, one older than the event log a 410.
 *
 * Pages after the first read the objects as they are now, after the last key returned: an object
 * created, changed or deleted between pages shows as it is when its page is read (the store keeps
 * no snapshots), which is the inconsistency kube-apiserver's docs warn clients of.
 */

export interface ChunkOptions {
  /** At most this many items; 0 or absent: all. */
  limit?: number;
  /** The token of the previous page. */
  continue?: string;
}

export interface ContinueToken {
  /** The list's resourceVersion (of its first page). */
  rv: number;
  /** The key of the last object returned: `namespace/name` (namespace '' for cluster-scoped kinds). */
  start: string;
  /**
   * The remainingItemCount the page reported, when it did: the next page's is this less what that
   * page returns, rather than a count of every object after it again (at 100,000 Pods in pages of
   * 500, counting was an eighth of a list's time on this side). kube-apiserver's documentation
   * calls the field an estimate that clients must not rely on.
   */
  remaining?: number;
}

const TOKEN_VERSION = 'meta.k8s.io/v1';

export function encodeContinue(token: ContinueToken): string {
  const fields = { v: TOKEN_VERSION, rv: token.rv, start: token.start, rc: token.remaining };
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

const invalidToken = (why: string) => badRequest(`invalid continue token: ${why}`);

export function decodeContinue(value: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken('continue key is not valid: illegal base64 data or JSON');
  }
  const { v, rv, start, rc } = (parsed ?? {}) as { v?: unknown; rv?: unknown; start?: unknown; rc?: unknown };
  if (v !== TOKEN_VERSION)
    throw invalidToken('continue key is not valid: server does not recognize this encoding');
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv < 1)
    throw invalidToken(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  if (typeof start !== 'string' || start === '')
    throw invalidToken('continue key is not valid: encoded start key empty');
  // A count that cannot be read is not an error: the next page counts again.
  const remaining = typeof rc === 'number' && Number.isSafeInteger(rc) && rc >= 0 ? rc : undefined;
  return remaining === undefined ? { rv, start } : { rv, start, remaining };
}

/** 410 Expired for a token whose list is older than the event log, worded as kube-apiserver does. */
export const continueExpired = () =>
  new StatusError(
    410,
    'Expired',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
  );

/** The `limit` query value: a non-negative integer. */
export function parseLimit(raw: string | null): number | undefined {
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw badRequest(`limit: Invalid value: "${raw}": must be a non-negative integer`);
  const n = Number(raw);
  return n === 0 ? undefined : n;
}

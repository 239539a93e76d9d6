/**
 * The catalog list's values both sides read: the BFF's contract (zod) and the SPA's address
 * parsing. Zod-free, so the SPA's bundle can import them without zod.
 */

/** The largest page of the services list. */
export const MAX_PAGE_SIZE = 200;

/** The columns the services list can be ordered by. */
export const SERVICE_SORT_KEYS = [
  'id',
  'application',
  'protocol',
  'namespace',
  'versions',
  'instances',
  'health',
] as const;

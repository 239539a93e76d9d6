/**
 * Limits both sides read: the BFF's contracts (zod) and the SPA's forms. Zod-free, so the SPA's
 * bundle can import them without zod.
 */

/** The longest change comment kept with a revision and shown in the history. */
export const COMMENT_MAX_LENGTH = 500;

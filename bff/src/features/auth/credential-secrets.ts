import { z } from 'zod';

/**
 * Field schemas for the console's credentials kept as Secrets in its namespace (API tokens,
 * sign-outs, password-change cut-offs); the Secrets themselves are read and validated by
 * clients/record-store.ts.
 */
export { decodeSecretData, jsonText } from '../../clients/record-store';

/** A whole number of milliseconds since the epoch, written as a decimal string. */
export const EpochMsText = z
  .string()
  .regex(/^\d{1,16}$/)
  .transform(Number)
  .pipe(z.number().int().positive());

import type { V1Secret } from '@kubernetes/client-node';
import { z } from 'zod';
import type { Logger } from '../../lib/logger';

/**
 * Helpers for the console's credentials kept as Secrets in its namespace (API tokens, sign-outs,
 * password-change cut-offs, the session secret): decoding what the API server returns and
 * refusing, with one log line, a record that does not validate.
 */

/** A Secret's `data`, base64-decoded to text (what was written as `stringData`). */
export function decodeSecretData(secret: V1Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {}))
    if (typeof value === 'string') out[key] = Buffer.from(value, 'base64').toString('utf8');
  return out;
}

/** A string field holding JSON that must match `schema`. */
export function jsonText<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .max(16_384)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** A whole number of milliseconds since the epoch, written as a decimal string. */
export const EpochMsText = z
  .string()
  .regex(/^\d{1,16}$/)
  .transform(Number)
  .pipe(z.number().int().positive());

/**
 * Ignores records that fail validation, logging each (name and resourceVersion) once, with the
 * fields that failed and never their values: a credential may be in them.
 */
export class InvalidRecords {
  private readonly logged = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  ignore(secret: V1Secret, why: string | z.ZodError): null {
    const name = secret.metadata?.name ?? '';
    const key = `${name}@${secret.metadata?.resourceVersion ?? ''}`;
    if (!this.logged.has(key)) {
      if (this.logged.size > 10_000) this.logged.clear();
      this.logged.add(key);
      const reason =
        typeof why === 'string'
          ? why
          : why.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.code}`).join('; ');
      this.log.warn(
        { secret: name, reason },
        `ignored an invalid ${this.what} record: it is not trusted; fix or delete the Secret`,
      );
    }
    return null;
  }
}

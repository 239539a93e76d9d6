import { z } from 'zod';

/** The body of every error the API returns. `field` names the offending input, when there is one. */
export const ApiErrorBody = z
  .object({
    code: z.string().describe('A stable machine-readable code, e.g. NotFound, InvalidRequest, Conflict'),
    message: z.string().describe('A human-readable message, safe to show to the operator'),
    field: z.string().optional().describe('The request field the error is about, as a dotted path'),
  })
  .meta({ id: 'ApiError' });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export const HealthResponse = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    controlPlane: z.object({
      mode: z.enum(['embedded', 'kubernetes']),
      reachable: z.boolean(),
    }),
  })
  .meta({ id: 'Health' });
export type HealthResponse = z.infer<typeof HealthResponse>;

/** What the console's own health check knows; `server` stays inside (logs, start-up output). */
export type HealthCheck = Omit<HealthResponse, 'controlPlane'> & {
  controlPlane: HealthResponse['controlPlane'] & { server?: string };
};

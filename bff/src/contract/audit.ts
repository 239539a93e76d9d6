import { z } from 'zod';

export const AuditOutcome = z.enum(['succeeded', 'failed', 'denied', 'invalid']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export const AuditRecord = z
  .object({
    id: z.string(),
    time: z.string(),
    user: z.string(),
    role: z.string().describe('The role the user had, or "none" when signed out'),
    action: z.string().describe('What was attempted, e.g. routes.create, tokens.delete, auth.login'),
    method: z.string(),
    path: z.string(),
    serviceId: z.string().nullable(),
    namespace: z.string().nullable(),
    resource: z.object({ kind: z.string(), name: z.string() }).nullable(),
    outcome: AuditOutcome,
    status: z.number().int(),
    message: z.string().nullable(),
    diff: z.string().nullable(),
    repeated: z
      .number()
      .int()
      .optional()
      .describe('On a summary of refused requests: how many were not stored one by one'),
    recovered: z
      .boolean()
      .optional()
      .describe('Written after a restart for a change whose own record was lost with the process'),
  })
  .meta({ id: 'AuditRecord' });
export type AuditRecord = z.infer<typeof AuditRecord>;

const isoTime = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'an ISO time like 2025-01-31T12:00:00Z')
  .transform((v) => new Date(v));

export const AuditQuery = z.object({
  user: z.string().max(256).optional().describe('Only changes by this user'),
  service: z.string().max(512).optional().describe('Only changes to this service ID'),
  since: isoTime.optional().describe('Only changes at or after this time'),
  until: isoTime.optional().describe('Only changes before this time'),
  limit: z.coerce.number().int().min(1).max(1000).default(200).describe('At most this many, newest first'),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditDropped = z.object({
  refusals: z
    .number()
    .int()
    .describe('Refused requests removed from the control plane to keep within retention'),
  before: z.string().nullable().describe('The newest time among the removed ones'),
});
export type AuditDropped = z.infer<typeof AuditDropped>;

export const AuditList = z
  .object({
    items: z.array(AuditRecord),
    retention: z.object({
      changeDays: z.number().describe('Changes are kept this many days'),
      refusals: z.number().int().describe('At most this many refused requests are kept'),
    }),
    dropped: AuditDropped,
  })
  .meta({ id: 'AuditList' });
export type AuditList = z.infer<typeof AuditList>;

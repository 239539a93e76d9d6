import type { Router } from 'express';
import { apiRouter } from './router';
import type { RequestHandler } from 'express';
import { AuditQuery } from '../contract/audit';
import type { AuditList } from '../contract/audit';
import type { CatalogSource } from '../features/catalog/catalog';
import type { AuditLog } from '../features/audit/audit-log';
import { describeRequest, outcomeOf } from '../features/audit/describe';
import { requestContext } from '../lib/request-context';
import { isStateChanging } from '../features/auth/policy';
import { parseInput } from './validate';

/** Admin only: the audit trail, newest first, filtered by user, service and time. */
export function auditRouter(audit: AuditLog): Router {
  const router = apiRouter();
  router.get('/audit', async (req, res) => {
    const query = parseInput(AuditQuery, req.query);
    const body: AuditList = await audit.list(query);
    res.setHeader('cache-control', 'no-store');
    res.json(body);
  });
  return router;
}

function attemptedUser(body: unknown): string | null {
  const name = body && typeof body === 'object' ? (body as { username?: unknown }).username : undefined;
  return typeof name === 'string' && name.length > 0 ? name.slice(0, 128) : null;
}

/**
 * Records every state-changing API request when its answer is sent: who, what, the outcome and
 * status, the message of a refusal, and the diff a feature noted (lib/request-context.ts). The
 * request body itself is never recorded (it may hold a password). Requests from no one identified
 * (no or bad credentials, too many sign-in attempts, a malformed sign-in) go to the log only, so an
 * anonymous flood cannot fill the control plane; failed sign-ins, limited per address, are stored.
 */
export function auditTrail(audit: AuditLog, catalog: CatalogSource): RequestHandler {
  return (req, res, next) => {
    if (!isStateChanging(req.method)) return next();
    const ctx = requestContext();
    const method = req.method;
    const path = req.path;
    let answer: unknown;
    const json = res.json.bind(res);
    // Named first, not written as `res.json = (…) => …` (api/compress.ts says why).
    const keepAnswer = (body: unknown) => {
      answer = body;
      return json(body);
    };
    res.json = keepAnswer;
    res.on('finish', () => {
      const status = res.statusCode;
      const info = describeRequest(method, path, req.body);
      // A preview changes nothing; only its refusals are worth keeping.
      if (info.action.endsWith('.preview') && status < 400) return;
      const principal = ctx?.principal ?? null;
      const error =
        status >= 400 && answer && typeof answer === 'object'
          ? (answer as { code?: unknown; message?: unknown })
          : null;
      const changes = ctx?.changes ?? [];
      const first = changes[0];
      // A change recorded as a revision names its audit record after it, so the record is written
      // once even if the journal writes it too after a restart (features/changes/journal.ts).
      const revision = status < 400 ? changes.find((c) => c.revision)?.revision : undefined;
      const diff = changes
        .map((c) => c.diff)
        .filter(Boolean)
        .join('\n');
      audit.record(
        {
          user:
            principal?.name ?? (info.action === 'auth.login' ? attemptedUser(req.body) : null) ?? 'anonymous',
          role: principal?.role ?? 'none',
          action: info.action,
          method,
          path,
          serviceId: info.serviceId,
          namespace: info.serviceId !== null ? (catalog.get(info.serviceId)?.namespace ?? null) : null,
          resource: info.resource ?? (first ? { kind: first.kind, name: first.name } : null),
          outcome: outcomeOf(status),
          status,
          message:
            typeof error?.message === 'string'
              ? error.message
              : status < 400 && ctx?.messages?.length
                ? ctx.messages.join('; ')
                : null,
          diff: status < 400 && diff ? diff : null,
        },
        // Stored when someone was identified, or a sign-in failed (counted per address, so bounded).
        {
          store: principal !== null || (info.action === 'auth.login' && error?.code === 'InvalidCredentials'),
          revision,
        },
      );
    });
    next();
  };
}

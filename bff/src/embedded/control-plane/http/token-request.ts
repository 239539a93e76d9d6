import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_AUDIENCE } from '../auth/tokens';
import { badRequest, invalid, methodNotAllowed, notFound } from '../status-error';
import type { FieldError } from '../status-error';
import { isRecord } from '../types';
import { parseObjectBody, readBody } from './body';
import type { ApiContext } from './context';
import { negotiate } from './negotiate';
import { sendJson, sendYaml } from './respond';

/**
 * POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token: an authentication.k8s.io/v1
 * TokenRequest for an existing ServiceAccount (`kubectl create token`). The token is valid for
 * spec.expirationSeconds (default one hour, at least ten minutes) and while the ServiceAccount
 * exists with the uid it had.
 */

const DEFAULT_SECONDS = 3600;
const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function handleTokenRequest(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string,
  name: string,
): Promise<void> {
  if (req.method !== 'POST') throw methodNotAllowed();
  const format = negotiate(req.headers.accept, false);
  const input = parseObjectBody(req, await readBody(req));
  if (!isRecord(input)) throw badRequest('the body must be a TokenRequest object');
  if (input.kind !== undefined && input.kind !== 'TokenRequest')
    throw badRequest(
      `the kind in the data (${String(input.kind)}) does not match the expected kind (TokenRequest)`,
    );
  const account = ctx.auth.serviceAccount(namespace, name);
  if (!account?.metadata.uid) throw notFound({ group: '', plural: 'serviceaccounts' }, name);

  const spec = isRecord(input.spec) ? input.spec : {};
  const seconds = spec.expirationSeconds ?? DEFAULT_SECONDS;
  const errors: FieldError[] = [];
  if (typeof seconds !== 'number' || !Number.isInteger(seconds))
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'spec.expirationSeconds',
      message: `Invalid value: ${JSON.stringify(seconds)}: must be an integer`,
    });
  else if (seconds < MIN_SECONDS)
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'spec.expirationSeconds',
      message: `Invalid value: ${seconds}: may not specify a duration less than 10 minutes`,
    });
  else if (seconds > MAX_SECONDS)
    errors.push({
      reason: 'FieldValueTooLong',
      field: 'spec.expirationSeconds',
      message: `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds`,
    });
  if (errors.length > 0) throw invalid('TokenRequest', 'authentication.k8s.io', name, errors);

  const audiences =
    Array.isArray(spec.audiences) && spec.audiences.length > 0
      ? spec.audiences.map(String)
      : [DEFAULT_AUDIENCE];
  const now = Date.now();
  const exp = Math.floor(now / 1000) + (seconds as number);
  const token = ctx.auth.tokens.issue(
    { namespace, name, uid: account.metadata.uid, exp, aud: audiences },
    now,
  );
  const review = {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: rfc3339(now) },
    spec: {
      audiences,
      expirationSeconds: seconds,
      boundObjectRef: isRecord(spec.boundObjectRef) ? spec.boundObjectRef : null,
    },
    status: { token, expirationTimestamp: rfc3339(exp * 1000) },
  };
  if (format.kind === 'yaml') return sendYaml(res, 201, review);
  return sendJson(res, 201, review);
}

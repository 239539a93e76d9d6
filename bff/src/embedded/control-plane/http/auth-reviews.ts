import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, methodNotAllowed } from '../status-error';
import { isRecord } from '../types';
import { parseObjectBody, readBody } from './body';
import { negotiate } from './negotiate';
import { sendJson, sendYaml } from './respond';
import type { VirtualResource } from './virtual-resources';
import type { ApiContext } from './context';
import type { RequestAttributes, UserInfo } from '../auth/attributes';
import { isMaster } from '../auth/attributes';

/**
 * The self reviews answer for the caller's own identity (after impersonation): whoever holds the
 * admin token is system:masters, allowed everything; anyone else gets what RBAC grants them.
 */

const ALLOWED_REASON = 'the embedded control plane has a single admin credential';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function accessReview(ctx: ApiContext, user: UserInfo, spec: Record<string, unknown>) {
  if (isMaster(user)) return { allowed: true, reason: ALLOWED_REASON };
  let attrs: RequestAttributes;
  if (isRecord(spec.resourceAttributes)) {
    const a = spec.resourceAttributes;
    attrs = {
      kind: 'resource',
      verb: str(a.verb),
      group: str(a.group),
      resource: str(a.resource),
      subresource: str(a.subresource),
      namespace: str(a.namespace),
      name: str(a.name),
    };
  } else {
    const a = isRecord(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {};
    attrs = { kind: 'non-resource', verb: str(a.verb), path: str(a.path) };
  }
  return { allowed: ctx.auth.rbac.allows(user, attrs) };
}

function rulesReview(ctx: ApiContext, user: UserInfo, namespace: string) {
  if (isMaster(user))
    return {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    };
  const resourceRules: Record<string, string[]>[] = [];
  const nonResourceRules: Record<string, string[]>[] = [];
  for (const rules of ctx.auth.rbac.rulesFor(user, namespace))
    for (const r of rules) {
      if (r.nonResourceURLs.length > 0)
        nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
      else
        resourceRules.push({
          verbs: r.verbs,
          apiGroups: r.apiGroups,
          resources: r.resources,
          ...(r.resourceNames.length > 0 ? { resourceNames: r.resourceNames } : {}),
        });
    }
  return { resourceRules, nonResourceRules, incomplete: false };
}

function statusFor(
  ctx: ApiContext,
  user: UserInfo,
  resource: VirtualResource,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const spec = isRecord(body.spec) ? body.spec : {};
  switch (resource.kind) {
    case 'SelfSubjectAccessReview': {
      if (!isRecord(spec.resourceAttributes) && !isRecord(spec.nonResourceAttributes))
        throw badRequest(
          'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
        );
      return accessReview(ctx, user, spec);
    }
    case 'SelfSubjectRulesReview':
      return rulesReview(ctx, user, str(spec.namespace));
    default:
      return {
        userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups },
      };
  }
}

/** POST of a self review: the review as sent, with its status filled in. Nothing is stored. */
export async function handleVirtualResource(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  resource: VirtualResource,
  user: UserInfo,
): Promise<void> {
  if (req.method !== 'POST') throw methodNotAllowed();
  const format = negotiate(req.headers.accept, false);
  const input = parseObjectBody(req, await readBody(req));
  if (!isRecord(input)) throw badRequest(`the body must be a ${resource.kind} object`);
  const apiVersion = `${resource.group}/${resource.version}`;
  if (input.kind !== undefined && input.kind !== resource.kind)
    throw badRequest(
      `the kind in the data (${String(input.kind)}) does not match the expected kind (${resource.kind})`,
    );
  const metadata = isRecord(input.metadata) ? input.metadata : {};
  const review: Record<string, unknown> = {
    kind: resource.kind,
    apiVersion,
    metadata: { ...metadata, creationTimestamp: null },
  };
  if (isRecord(input.spec)) review.spec = input.spec;
  review.status = statusFor(ctx, user, resource, input);
  if (format.kind === 'yaml') return sendYaml(res, 201, review);
  return sendJson(res, 201, review);
}

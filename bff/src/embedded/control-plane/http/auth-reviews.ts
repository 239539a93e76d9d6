import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, methodNotAllowed } from '../status-error';
import { isRecord } from '../types';
import { parseObjectBody, readBody } from './body';
import { negotiate } from './negotiate';
import { sendJson, sendYaml } from './respond';
import type { VirtualResource } from './virtual-resources';

/**
 * The self reviews: the control plane has one credential, its bearer token, and whoever holds it is
 * cluster admin (system:masters), so every access review is allowed and every rule is `*`.
 */

const ADMIN_USER = {
  username: 'mesh-console-admin',
  groups: ['system:masters', 'system:authenticated'],
};

const ALLOWED_REASON = 'the embedded control plane has a single admin credential';

function statusFor(resource: VirtualResource, body: Record<string, unknown>): Record<string, unknown> {
  switch (resource.kind) {
    case 'SelfSubjectAccessReview': {
      const spec = isRecord(body.spec) ? body.spec : {};
      if (!isRecord(spec.resourceAttributes) && !isRecord(spec.nonResourceAttributes))
        throw badRequest(
          'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
        );
      return { allowed: true, reason: ALLOWED_REASON };
    }
    case 'SelfSubjectRulesReview':
      return {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
    default:
      return { userInfo: ADMIN_USER };
  }
}

/** POST of a self review: the review as sent, with its status filled in. Nothing is stored. */
export async function handleVirtualResource(
  req: IncomingMessage,
  res: ServerResponse,
  resource: VirtualResource,
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
  review.status = statusFor(resource, input);
  if (format.kind === 'yaml') return sendYaml(res, 201, review);
  return sendJson(res, 201, review);
}

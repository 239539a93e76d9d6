/**
 * Who is asking and for what, in the terms kube-apiserver's authorizers use (authorizer.Attributes):
 * a user with groups, and either a resource request (verb, API group, resource, subresource,
 * namespace, name) or a non-resource request (verb, path).
 */

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
}

export interface ResourceAttributes {
  kind: 'resource';
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  /** '' at the cluster scope. */
  namespace: string;
  /** '' when the request names no object (list, create, deletecollection). */
  name: string;
}

interface NonResourceAttributes {
  kind: 'non-resource';
  verb: string;
  path: string;
}

export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

const MASTERS_GROUP = 'system:masters';
export const AUTHENTICATED_GROUP = 'system:authenticated';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** The cluster admin: whoever holds the data directory's bearer token. */
export const ADMIN_USER: UserInfo = {
  username: 'mesh-console-admin',
  groups: [MASTERS_GROUP, AUTHENTICATED_GROUP],
};

export function serviceAccountUser(namespace: string, name: string, uid?: string): UserInfo {
  return {
    username: `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`,
    ...(uid ? { uid } : {}),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, AUTHENTICATED_GROUP],
  };
}

/** `system:serviceaccount:<ns>:<name>` split into its namespace and name, else undefined. */
export function parseServiceAccountUsername(
  username: string,
): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

export const isMaster = (user: UserInfo) => user.groups.includes(MASTERS_GROUP);

/** The verb of a resource request, as kube-apiserver's request info resolver names it. */
export function resourceVerb(method: string, hasName: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch) return 'watch';
      return hasName ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/** `resource "pods"` … `in the namespace "x"` / `at the cluster scope`: kube-apiserver's refusal wording. */
export function forbiddenMessage(user: UserInfo, attrs: RequestAttributes): string {
  const who = `User ${JSON.stringify(user.username)}`;
  if (attrs.kind === 'non-resource') return `${who} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const where = attrs.namespace
    ? `in the namespace ${JSON.stringify(attrs.namespace)}`
    : 'at the cluster scope';
  return `${who} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.group)} ${where}`;
}

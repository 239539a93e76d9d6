import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Route } from '../http/routes';
import { StatusError, badRequest } from '../status-error';
import type { ResourceStore } from '../store/resource-store';
import type { KubeObject } from '../types';
import type { RequestAttributes, ResourceAttributes, UserInfo } from './attributes';
import {
  ADMIN_USER,
  AUTHENTICATED_GROUP,
  forbiddenMessage,
  isMaster,
  parseServiceAccountUsername,
  resourceVerb,
  serviceAccountUser,
} from './attributes';
import type { RbacAuthorizer } from './rbac';
import type { ServiceAccountTokens } from './tokens';

/**
 * Authentication, impersonation and authorization of a request, in kube-apiserver's order: the
 * bearer token names a user (the admin token: system:masters; a ServiceAccount token: that
 * ServiceAccount, while it exists), `Impersonate-*` headers switch to another identity if RBAC lets
 * the caller impersonate it, and RBAC decides for that identity. system:masters skips RBAC, so the
 * admin's requests cost what they did before RBAC existed.
 */

const SERVICE_ACCOUNTS = { group: '', version: 'v1', plural: 'serviceaccounts' };

export const unauthorized = () => new StatusError(401, 'Unauthorized', 'Unauthorized');

function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1]?.trim() || undefined;
}

export class RequestAuth {
  private readonly adminToken: Buffer;

  constructor(
    adminToken: string,
    readonly tokens: ServiceAccountTokens,
    readonly rbac: RbacAuthorizer,
    private readonly store: ResourceStore,
  ) {
    this.adminToken = Buffer.from(adminToken);
  }

  /** The user a request's bearer token names, or undefined (answered 401). */
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const token = bearerToken(req);
    if (!token) return undefined;
    const given = Buffer.from(token);
    if (given.length === this.adminToken.length && timingSafeEqual(given, this.adminToken)) return ADMIN_USER;
    const claims = this.tokens.verify(token);
    if (!claims) return undefined;
    const account = this.serviceAccount(claims.namespace, claims.name);
    if (account?.metadata.uid !== claims.uid) return undefined;
    return serviceAccountUser(claims.namespace, claims.name, claims.uid);
  }

  serviceAccount(namespace: string, name: string): KubeObject | undefined {
    try {
      return this.store.get(SERVICE_ACCOUNTS, namespace, name);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** The identity the request acts as: the caller's, or the one its Impersonate-* headers name. */
  impersonate(req: IncomingMessage, caller: UserInfo): UserInfo {
    // Most requests impersonate no one: a look at the header names, not a copy of every header.
    if (!Object.keys(req.headers).some((h) => h.startsWith('impersonate-'))) return caller;
    const headers = req.headersDistinct;
    const users = headers['impersonate-user'] ?? [];
    const groups = headers['impersonate-group'] ?? [];
    const uids = headers['impersonate-uid'] ?? [];
    const extras = Object.keys(headers).filter((h) => h.startsWith('impersonate-extra-'));
    if (users.length === 0 && groups.length === 0 && uids.length === 0 && extras.length === 0) return caller;
    if (users.length !== 1 || !users[0])
      throw badRequest('impersonation requires exactly one Impersonate-User header alongside the others');
    const username = users[0];
    const sa = parseServiceAccountUsername(username);
    const checks: RequestAttributes[] = [
      sa
        ? { ...impersonation('', 'serviceaccounts', sa.name), namespace: sa.namespace }
        : impersonation('', 'users', username),
      ...groups.map((g) => impersonation('', 'groups', g)),
      ...uids.map((u) => impersonation('authentication.k8s.io', 'uids', u)),
      ...extras.flatMap((h) =>
        (headers[h] ?? []).map((value) => ({
          ...impersonation('authentication.k8s.io', 'userextras', value),
          subresource: h.slice('impersonate-extra-'.length),
        })),
      ),
    ];
    for (const attrs of checks) this.authorize(caller, attrs);
    const asGroups =
      groups.length === 0 && sa ? serviceAccountUser(sa.namespace, sa.name).groups : [...groups];
    if (username !== 'system:anonymous' && !asGroups.includes(AUTHENTICATED_GROUP))
      asGroups.push(AUTHENTICATED_GROUP);
    return { username, ...(uids[0] ? { uid: uids[0] } : {}), groups: asGroups };
  }

  /** Throws kube-apiserver's 403 unless RBAC allows the request. */
  authorize(user: UserInfo, attrs: RequestAttributes): void {
    if (isMaster(user) || this.rbac.allows(user, attrs)) return;
    const reason = forbiddenMessage(user, attrs);
    if (attrs.kind === 'non-resource') throw new StatusError(403, 'Forbidden', `forbidden: ${reason}`, {});
    const qualified = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
    const message = attrs.name
      ? `${qualified} ${JSON.stringify(attrs.name)} is forbidden: ${reason}`
      : `${qualified} is forbidden: ${reason}`;
    throw new StatusError(403, 'Forbidden', message, {
      ...(attrs.name ? { name: attrs.name } : {}),
      ...(attrs.group ? { group: attrs.group } : {}),
      kind: attrs.resource,
    });
  }
}

const impersonation = (group: string, resource: string, name: string): ResourceAttributes => ({
  kind: 'resource',
  verb: 'impersonate',
  group,
  resource,
  subresource: '',
  namespace: '',
  name,
});

const isTrue = (v: string | null) => v === 'true' || v === '1';

/** The object name a list or watch is limited to by a `metadata.name` field selector, as kube-apiserver reads it. */
function nameFromFieldSelector(selector: string | null): string {
  if (!selector) return '';
  for (const term of selector.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m) return m[1] ?? '';
  }
  return '';
}

/** What a request asks for, in the terms RBAC rules are written in. */
export function attributesOf(route: Route, method: string, url: URL): RequestAttributes {
  if (route.kind === 'virtual')
    return {
      kind: 'resource',
      verb: resourceVerb(method, false, false),
      group: route.resource.group,
      resource: route.resource.plural,
      subresource: '',
      namespace: '',
      name: '',
    };
  if (route.kind !== 'resource')
    return {
      kind: 'non-resource',
      verb: method === 'HEAD' ? 'get' : method.toLowerCase(),
      path: url.pathname,
    };
  const watch = route.legacyWatch || isTrue(url.searchParams.get('watch'));
  const verb = resourceVerb(method, route.name !== undefined, watch);
  let name = route.name ?? '';
  if (!name && (verb === 'list' || verb === 'watch'))
    name = nameFromFieldSelector(url.searchParams.get('fieldSelector'));
  // A Namespace is in itself: `get namespace x` is allowed by a RoleBinding in x, as upstream.
  const namespace =
    route.namespace ?? (route.group === '' && route.plural === 'namespaces' && route.name ? route.name : '');
  return {
    kind: 'resource',
    verb,
    group: route.group,
    resource: route.plural,
    subresource: route.subresource ?? '',
    namespace,
    name,
  };
}

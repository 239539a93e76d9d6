import { ApiError } from '../../lib/errors';
import { coversNamespace } from './principal';
import type { Principal } from '../../lib/principal';

/**
 * The one authorization table of the API. Routers know nothing of roles: every request is
 * classified here by method and path (relative to /api/v1) before any router sees it, so a
 * router added later is covered by the rule of its shape.
 */
export type Requirement =
  /** Anyone, signed in or not. */
  | { kind: 'public' }
  /** Any signed-in user, even one who must still change a one-time password. */
  | { kind: 'signed-in' }
  /** Reading: any role; services named in the path or query must be in the user's namespaces. */
  | { kind: 'read'; serviceIds: string[] }
  /** Changing a service (routes, rate limits): operator in the service's namespace, or admin. */
  | { kind: 'change-service'; serviceId: string }
  /** Users, tokens, the audit log, and any other change: admin. */
  | { kind: 'admin' };

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isStateChanging = (method: string): boolean => !SAFE.has(method.toUpperCase());

const PUBLIC = new Set([
  'GET /healthz',
  'GET /auth/session',
  'POST /auth/login',
  'GET /auth/oidc/login',
  'GET /auth/oidc/callback',
]);
const SIGNED_IN = new Set(['POST /auth/logout', 'POST /auth/password']);

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function queryList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function requirementFor(
  method: string,
  path: string,
  query: Record<string, unknown> = {},
): Requirement {
  const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (PUBLIC.has(`${m} ${clean}`)) return { kind: 'public' };
  if (SIGNED_IN.has(`${m} ${clean}`)) return { kind: 'signed-in' };
  const segments = clean.split('/').slice(1);
  if (segments[0] === 'admin' || segments[0] === 'audit') return { kind: 'admin' };
  const serviceId = segments[0] === 'services' && segments[1] ? decode(segments[1]) : undefined;
  if (!isStateChanging(m)) {
    const ids = serviceId !== undefined ? [serviceId] : clean === '/stream' ? queryList(query.service) : [];
    return { kind: 'read', serviceIds: ids };
  }
  if (serviceId !== undefined && segments.length >= 3) return { kind: 'change-service', serviceId };
  return { kind: 'admin' };
}

const forbidden = (message: string) => new ApiError(403, 'Forbidden', message);

function scope(p: Principal): string {
  return p.namespaces.length === 1 ? `namespace ${p.namespaces[0]}` : `namespaces ${p.namespaces.join(', ')}`;
}

/**
 * Who owns a service, as the catalog says: its namespace, or, for a service ID that several
 * namespaces define (a conflict), nobody, with the namespaces that claim it.
 */
export type ServiceOwner =
  { namespace: string; claimedBy?: undefined } | { namespace: null; claimedBy: readonly string[] };

/** The owner lookup over a catalog entry (`namespace`, and `conflict` while in conflict). */
export function ownerOfService(
  service: { namespace: string; conflict?: { namespaces: string[] } | null } | undefined,
): ServiceOwner | undefined {
  if (!service) return undefined;
  if (service.conflict) return { namespace: null, claimedBy: service.conflict.namespaces };
  return { namespace: service.namespace };
}

/**
 * Whether `p` may do what `req` needs: null when allowed, else the 403 to answer, saying what
 * is needed. `ownerOf` says who owns a service (undefined for an unknown service, which the router
 * then answers with 404). A service in conflict is owned by no one: a user of one of the namespaces
 * that claim it may read it; only an admin may change it.
 */
export function authorize(
  p: Principal,
  req: Requirement,
  ownerOf: (serviceId: string) => ServiceOwner | undefined,
): ApiError | null {
  if (req.kind === 'public' || req.kind === 'signed-in' || p.role === 'admin') return null;
  if (req.kind === 'admin') return forbidden(`Your role, ${p.role}, cannot do this; it needs the admin role`);
  if (req.kind === 'read') {
    for (const id of req.serviceIds) {
      const owner = ownerOf(id);
      if (!owner) continue;
      if (owner.namespace === null) {
        if (!owner.claimedBy.some((ns) => coversNamespace(p, ns)))
          return forbidden(
            `You may see ${scope(p)} only; service ${id} is claimed by namespaces ${owner.claimedBy.join(', ')}`,
          );
      } else if (!coversNamespace(p, owner.namespace))
        return forbidden(`You may see ${scope(p)} only; service ${id} is in namespace ${owner.namespace}`);
    }
    return null;
  }
  if (p.role === 'viewer')
    return forbidden(
      `Your role, viewer, cannot change routes or rate limits; it needs the operator or admin role`,
    );
  const owner = ownerOf(req.serviceId);
  if (owner?.namespace === null)
    return forbidden(
      `Service ${req.serviceId} belongs to no namespace: namespaces ${owner.claimedBy.join(', ')} each define it (a conflict). Until the conflict is resolved only an admin may change it`,
    );
  if (owner && !coversNamespace(p, owner.namespace))
    return forbidden(
      `Your role, operator, may change services in ${scope(p)} only; service ${req.serviceId} is in namespace ${owner.namespace}`,
    );
  return null;
}

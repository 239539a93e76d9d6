import type { Role, SessionUser } from './contract';

/** What the UI asks before it shows a control that changes something. */
export type Permission = 'changeRoutes' | 'changeRateLimits' | 'changeSecurity' | 'admin';

/** Why not, as an i18n key of `auth.deny` and its values. */
interface Denial {
  key:
    | 'changeRoutes'
    | 'changeRoutesIn'
    | 'changeRateLimits'
    | 'changeRateLimitsIn'
    | 'changeSecurity'
    | 'changeSecurityIn'
    | 'conflict'
    | 'admin'
    | 'signedOut';
  role?: Role;
  namespace?: string;
  /** The namespaces claiming a service in conflict, listed. */
  namespaces?: string;
}

/** Where a change would land: a service's namespace, and the namespaces claiming it when in conflict. */
export interface ChangeTarget {
  namespace?: string | undefined;
  conflict?: { namespaces: string[] } | null | undefined;
}

export type Decision = { allowed: true } | { allowed: false; denial: Denial };

/** Whether the user's namespaces (`['*']`: all) include `namespace`. */
function coversNamespace(namespaces: readonly string[], namespace: string | undefined): boolean {
  if (namespaces.includes('*')) return true;
  return namespace !== undefined && namespaces.includes(namespace);
}

/**
 * The BFF's rule, mirrored so the UI can hide what would be refused: viewers read; operators change
 * routes, rate limits and security rules (mTLS, access policies) of services in their namespaces; admins do everything. A service in
 * conflict (defined in several namespaces) is changed by no one. The BFF still
 * decides: this only spares the user a button that cannot work.
 */
export function decide(
  user: SessionUser | undefined,
  permission: Permission,
  target?: string | ChangeTarget,
): Decision {
  if (!user) return { allowed: false, denial: { key: 'signedOut' } };
  const { namespace, conflict } =
    typeof target === 'string' ? { namespace: target, conflict: null } : (target ?? {});
  // A service defined in several namespaces belongs to none: the BFF refuses every change to its
  // rules, an admin's too (409 ServiceConflict), until the conflict is resolved.
  if (conflict && permission !== 'admin') {
    return { allowed: false, denial: { key: 'conflict', namespaces: conflict.namespaces.join(', ') } };
  }
  const { role } = user;
  if (role === 'admin') return { allowed: true };
  if (permission === 'admin') return { allowed: false, denial: { key: 'admin', role } };
  const base = permission;
  if (role === 'viewer') return { allowed: false, denial: { key: base, role } };
  if (coversNamespace(user.namespaces, namespace)) return { allowed: true };
  return namespace === undefined
    ? { allowed: false, denial: { key: base, role } }
    : { allowed: false, denial: { key: `${base}In`, role, namespace } };
}

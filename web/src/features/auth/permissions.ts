import type { Role, SessionUser } from './contract';

/** What the UI asks before it shows a control that changes something. */
export type Permission = 'changeRoutes' | 'changeRateLimits' | 'admin';

/** Why not, as an i18n key of `auth.deny` and its values. */
interface Denial {
  key: 'changeRoutes' | 'changeRoutesIn' | 'changeRateLimits' | 'changeRateLimitsIn' | 'admin' | 'signedOut';
  role?: Role;
  namespace?: string;
}

export type Decision = { allowed: true } | { allowed: false; denial: Denial };

/** Whether the user's namespaces (`['*']`: all) include `namespace`. */
function coversNamespace(namespaces: readonly string[], namespace: string | undefined): boolean {
  if (namespaces.includes('*')) return true;
  return namespace !== undefined && namespaces.includes(namespace);
}

/**
 * The BFF's rule, mirrored so the UI can hide what would be refused: viewers read; operators change
 * routes and rate limits of services in their namespaces; admins do everything. The BFF still
 * decides: this only spares the user a button that cannot work.
 */
export function decide(user: SessionUser | undefined, permission: Permission, namespace?: string): Decision {
  if (!user) return { allowed: false, denial: { key: 'signedOut' } };
  const { role } = user;
  if (role === 'admin') return { allowed: true };
  if (permission === 'admin') return { allowed: false, denial: { key: 'admin', role } };
  const base = permission === 'changeRoutes' ? 'changeRoutes' : 'changeRateLimits';
  if (role === 'viewer') return { allowed: false, denial: { key: base, role } };
  if (coversNamespace(user.namespaces, namespace)) return { allowed: true };
  return namespace === undefined
    ? { allowed: false, denial: { key: base, role } }
    : { allowed: false, denial: { key: `${base}In`, role, namespace } };
}

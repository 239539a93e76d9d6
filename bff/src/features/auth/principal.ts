import type { Role } from '../../contract/auth';

/** Who a request comes from, once the session cookie or bearer token has been checked. */
export interface Principal {
  name: string;
  role: Role;
  /** Namespaces the user may see (and, as operator, change); `['*']` is all. */
  namespaces: string[];
  via: 'local' | 'oidc' | 'token';
  /** The identity provider's groups (OIDC), passed on to Kubernetes when impersonating. */
  groups: string[];
  mustChangePassword: boolean;
  /** The session this request belongs to (cookie sign-ins only). */
  sessionId?: string;
  /** When the session ends (ms since the epoch; cookie sign-ins only). */
  expiresAt?: number;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export const roleAtLeast = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed];

export function highestRole(roles: Role[]): Role | null {
  return roles.reduce<Role | null>((best, r) => (best === null || RANK[r] > RANK[best] ? r : best), null);
}

export function coversNamespace(p: Pick<Principal, 'namespaces' | 'role'>, namespace: string): boolean {
  return p.role === 'admin' || p.namespaces.includes('*') || p.namespaces.includes(namespace);
}

/** The Kubernetes groups a user is impersonated with: its role's group, then its provider's groups. */
export function kubernetesGroups(p: Principal): string[] {
  return [`mesh-console:${p.role}`, ...p.groups];
}

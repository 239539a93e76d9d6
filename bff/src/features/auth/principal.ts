import type { Role } from '../../contract/auth';
import type { Principal } from '../../lib/principal';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function highestRole(roles: Role[]): Role | null {
  return roles.reduce<Role | null>((best, r) => (best === null || RANK[r] > RANK[best] ? r : best), null);
}

export function coversNamespace(p: Pick<Principal, 'namespaces' | 'role'>, namespace: string): boolean {
  return p.role === 'admin' || p.namespaces.includes('*') || p.namespaces.includes(namespace);
}

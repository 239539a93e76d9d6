import type { Role } from '../contract/auth';

/** Who a request comes from, once the session cookie or bearer token has been checked. */
export interface Principal {
  /**
   * Who the user is, stable and unique: what Kubernetes impersonates, sessions and the audit trail
   * record. A local account's name; `oidc:<sub>` for a user of the identity provider (its
   * preferred_username or e-mail may change or be reused, and is only shown: `displayName`).
   */
  name: string;
  /** The name to show, when it differs from `name` (an OIDC user's preferred_username or e-mail). */
  displayName?: string;
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
  /** When the session cookie was issued (ms since the epoch; cookie sign-ins only). */
  issuedAt?: number;
}

/** Prefixes what the identity provider asserts, as kube-apiserver's --oidc-*-prefix flags do. */
export const OIDC_PREFIX = 'oidc:';

/**
 * The Kubernetes groups a user is impersonated with: its role's group (`mesh-console:<role>`), then
 * its provider's groups prefixed with `oidc:`, so that a provider group named `system:masters` (or
 * `mesh-console:admin`) cannot become one of the cluster's own.
 */
export function kubernetesGroups(p: Principal): string[] {
  return [`mesh-console:${p.role}`, ...p.groups.map((g) => `${OIDC_PREFIX}${g}`)];
}

import * as client from 'openid-client';
import { z } from 'zod';
import type { Role } from '../../contract/auth';
import { ApiError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { Signer } from './keys';
import { OIDC_PREFIX } from '../../lib/principal';
import { highestRole } from './principal';
import type { Principal } from '../../lib/principal';
import { isSafeReturnPath } from '../../contract/return-to';

export const OIDC_COOKIE = 'mesh_console_oidc';
/** How long a user may take at the identity provider. */
const TRANSACTION_MS = 10 * 60 * 1000;

/** One group → role rule: members of `group` get `role` in `namespaces`. */
export interface GroupRole {
  group: string;
  role: Role;
  namespaces: string[];
}

export interface OidcSettings {
  issuerUrl: string;
  clientId: string;
  clientSecret?: string | undefined;
  redirectUrl: string;
  groupsClaim: string;
  groupRoles: GroupRole[];
  scopes: string;
}

const Transaction = z.object({
  state: z.string(),
  verifier: z.string(),
  nonce: z.string(),
  returnTo: z.string(),
  exp: z.number(),
});

/** Only a same-origin relative path may be returned to; anything else becomes `/`. */
export function safeReturnTo(value: unknown): string {
  return isSafeReturnPath(value) ? value : '/';
}

/** The role and namespaces of a user with these groups, or null when no rule admits any of them. */
export function roleForGroups(
  groups: string[],
  rules: GroupRole[],
): Pick<Principal, 'role' | 'namespaces'> | null {
  const matches = rules.filter((r) => r.group === '*' || groups.includes(r.group));
  const role = highestRole(matches.map((m) => m.role));
  if (!role) return null;
  const namespaces = [...new Set(matches.filter((m) => m.role === role).flatMap((m) => m.namespaces))];
  return { role, namespaces: role === 'admin' || namespaces.includes('*') ? ['*'] : namespaces };
}

/** Groups no rule names, kept at most in a session (the cookie must stay under the browser's 4 KB). */
export const MAX_OTHER_GROUPS = 32;
/** The characters all kept groups may take together. */
const MAX_GROUP_CHARS = 1500;

/**
 * The groups a session keeps (and Kubernetes impersonation sends): every group a rule names, then
 * the others in the provider's order while they stay within MAX_OTHER_GROUPS and MAX_GROUP_CHARS.
 * A user in hundreds of groups would otherwise get a cookie the browser drops. Dropping a group
 * can only take permissions away (RBAC grants, never denies); the role was decided on all groups.
 */
export function groupsForSession(groups: string[], rules: GroupRole[]): { kept: string[]; dropped: number } {
  const unique = [...new Set(groups)];
  const named = new Set(rules.map((r) => r.group));
  const kept = unique.filter((g) => named.has(g));
  let chars = kept.reduce((n, g) => n + g.length, 0);
  let others = 0;
  for (const g of unique) {
    if (named.has(g)) continue;
    if (others >= MAX_OTHER_GROUPS || chars + g.length > MAX_GROUP_CHARS) continue;
    kept.push(g);
    chars += g.length;
    others++;
  }
  return { kept, dropped: unique.length - kept.length };
}

/**
 * OpenID Connect sign-in: authorization code with PKCE (openid-client). The PKCE verifier, state,
 * nonce and return path travel in a short-lived signed cookie, not in the BFF's memory, so the
 * callback may land on any replica.
 */
export class OidcSignIn {
  private config: Promise<client.Configuration> | null = null;

  constructor(
    private readonly settings: OidcSettings,
    private readonly signer: Signer,
    private readonly log: Logger,
  ) {}

  private configuration(): Promise<client.Configuration> {
    const issuer = new URL(this.settings.issuerUrl);
    this.config ??= client
      .discovery(
        issuer,
        this.settings.clientId,
        this.settings.clientSecret ? { client_secret: this.settings.clientSecret } : undefined,
        this.settings.clientSecret ? undefined : client.None(),
        // Plain HTTP only for a provider on this machine (development, tests).
        issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.config = null;
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'OIDC discovery failed');
        throw new ApiError(
          502,
          'IdentityProviderUnavailable',
          'The identity provider cannot be reached; try again later',
        );
      });
    return this.config;
  }

  /** The provider's sign-in URL, and the sealed transaction to keep in a cookie until the callback. */
  async start(returnTo: string): Promise<{ url: string; transaction: string }> {
    const config = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const tx = {
      state: client.randomState(),
      verifier,
      nonce: client.randomNonce(),
      returnTo: safeReturnTo(returnTo),
      exp: Date.now() + TRANSACTION_MS,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: tx.state,
      nonce: tx.nonce,
    });
    return { url: url.href, transaction: this.signer.seal('oidc', tx) };
  }

  /** Completes the sign-in at the callback: the user, and where to send them. */
  async finish(
    callbackQuery: string,
    transaction: string | undefined,
  ): Promise<{ user: Omit<Principal, 'sessionId' | 'expiresAt'>; returnTo: string }> {
    const tx = Transaction.safeParse(transaction ? this.signer.open('oidc', transaction) : null);
    if (!tx.success || tx.data.exp < Date.now())
      throw new ApiError(
        400,
        'SignInExpired',
        'The sign-in took too long or was started elsewhere; sign in again',
      );
    const config = await this.configuration();
    const current = new URL(this.settings.redirectUrl);
    current.search = callbackQuery;
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: tx.data.verifier,
        expectedState: tx.data.state,
        expectedNonce: tx.data.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'OIDC sign-in failed');
      throw new ApiError(
        401,
        'SignInFailed',
        'The identity provider did not confirm the sign-in; sign in again',
      );
    }
    if (!claims) throw new ApiError(401, 'SignInFailed', 'The identity provider sent no ID token');
    const rawGroups = claims[this.settings.groupsClaim];
    const groups = Array.isArray(rawGroups)
      ? rawGroups.filter((g): g is string => typeof g === 'string')
      : typeof rawGroups === 'string'
        ? [rawGroups]
        : [];
    const access = roleForGroups(groups, this.settings.groupRoles);
    // The stable identity is the subject, unique per provider and never reassigned; the
    // preferred_username and e-mail may change or be reused, so they are only shown.
    const sub = claims.sub;
    const displayName =
      (typeof claims.preferred_username === 'string' && claims.preferred_username) ||
      (typeof claims.email === 'string' && claims.email_verified === true && claims.email) ||
      sub;
    if (!access)
      throw new ApiError(
        403,
        'Forbidden',
        `${displayName} is signed in at the identity provider but in no group that may use the console`,
      );
    const { kept, dropped } = groupsForSession(groups, this.settings.groupRoles);
    if (dropped > 0)
      this.log.warn(
        { user: `${OIDC_PREFIX}${sub}`, groups: groups.length, dropped },
        'OIDC user has too many groups for the session; kept those the group rules name and the first others',
      );
    return {
      user: {
        name: `${OIDC_PREFIX}${sub}`,
        displayName,
        ...access,
        via: 'oidc',
        groups: kept,
        mustChangePassword: false,
      },
      returnTo: tx.data.returnTo,
    };
  }
}

/**
 * Parses MESH_CONSOLE_OIDC_GROUP_ROLES: `group=role[:ns1,ns2]` rules separated by `;`, e.g.
 * `mesh-admins=admin;demo-ops=operator:demo;*=viewer`. Namespaces default to all.
 */
export function parseGroupRoles(value: string): GroupRole[] {
  return value
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((rule) => {
      const m = /^([^=]+)=(viewer|operator|admin)(?::([a-z0-9*,-]+))?$/.exec(rule);
      if (!m) throw new Error(`"${rule}" is not group=role[:namespace,…]`);
      return {
        group: (m[1] as string).trim(),
        role: m[2] as Role,
        namespaces: m[3] ? m[3].split(',').filter(Boolean) : ['*'],
      };
    });
}

import type { SessionResponse } from '../../contract/auth';
import { ApiError, badRequest } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { LocalAccounts } from './accounts';
import type { LoginLimiter } from './login-limiter';
import type { OidcSignIn } from './oidc';
import type { Principal } from '../../lib/principal';
import type { SessionRevocations } from './revocations';
import type { SessionCodec } from './sessions';
import type { ApiTokens } from './tokens';

export interface AuthDeps {
  /** How people sign in: a local accounts file, or an OpenID Connect provider. */
  mode: 'local' | 'oidc';
  accounts: LocalAccounts | null;
  oidc: OidcSignIn | null;
  sessions: SessionCodec;
  revocations: SessionRevocations;
  tokens: ApiTokens;
  limiter: LoginLimiter;
  log: Logger;
}

const invalidCredentials = () =>
  new ApiError(401, 'InvalidCredentials', 'The user name or password is wrong');

/** Sign-in, sessions and tokens: who a request comes from. The HTTP side is in api/auth.ts. */
export class AuthService {
  constructor(readonly deps: AuthDeps) {
    // An admin's reset, disable or removal of a local user ends the user's sessions everywhere.
    const endSessions = (user: string) => this.endSessions(user);
    if (deps.accounts) deps.accounts.onSessionsEnded = endSessions;
  }

  /** Every cookie of `user` issued before now is refused from now on, on every replica. */
  async endSessions(user: string): Promise<void> {
    const now = Date.now();
    await this.deps.revocations.revokeIssuedBefore(user, now, now + this.deps.sessions.ttlMs);
  }

  methods(): { local: boolean; oidc: boolean } {
    return { local: this.deps.mode === 'local', oidc: this.deps.mode === 'oidc' };
  }

  get oidc(): OidcSignIn | null {
    return this.deps.oidc;
  }

  get sessionTtlMs(): number {
    return this.deps.sessions.ttlMs;
  }

  /**
   * The user of a session cookie, or null when it is invalid, expired, signed out or issued before
   * the user's last password change. A local user's role, namespaces and password state are read
   * from the accounts file on every request, so an admin's edit there takes effect at once; a
   * removed or disabled user is signed out.
   */
  async fromCookie(cookie: string | undefined): Promise<Principal | null> {
    const principal = this.deps.sessions.read(cookie);
    if (!principal?.sessionId) return null;
    if (await this.deps.revocations.isRevoked(principal.sessionId)) return null;
    if (await this.deps.revocations.issuedTooEarly(principal.name, principal.issuedAt ?? 0)) return null;
    if (principal.via === 'local') {
      const account = this.deps.accounts?.find(principal.name);
      if (!account || account.disabled) return null;
      return {
        ...principal,
        role: account.role,
        namespaces: account.namespaces,
        mustChangePassword: account.mustChangePassword,
      };
    }
    return principal;
  }

  async fromBearer(token: string): Promise<Principal | null> {
    return this.deps.tokens.authenticate(token.trim());
  }

  async login(
    username: string,
    password: string,
    address: string,
  ): Promise<{ cookie: string; principal: Principal }> {
    const accounts = this.deps.accounts;
    if (!accounts || this.deps.mode !== 'local')
      throw new ApiError(404, 'NotFound', 'Password sign-in is not enabled; use single sign-on');
    // The attempt is counted before the (slow) password check, so parallel guesses cannot all
    // pass the limit; a success gives it back.
    await this.deps.limiter.attempt(username, address);
    const account = await accounts.verify(username, password);
    if (!account) throw invalidCredentials();
    await this.deps.limiter.succeeded(username, address);
    // Said only to whoever knows the password.
    if (account.disabled)
      throw new ApiError(403, 'AccountDisabled', 'This account is disabled; ask an admin to enable it');
    return this.deps.sessions.issue({
      name: account.name,
      role: account.role,
      namespaces: account.namespaces,
      via: 'local',
      groups: [],
      mustChangePassword: account.mustChangePassword,
    });
  }

  /** A session for a user the identity provider vouched for. */
  issue(user: Omit<Principal, 'sessionId' | 'expiresAt' | 'issuedAt'>): {
    cookie: string;
    principal: Principal;
  } {
    return this.deps.sessions.issue(user);
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.sessionId && principal.expiresAt)
      await this.deps.revocations.revoke(principal.sessionId, principal.expiresAt);
  }

  /**
   * Changes a local user's password and ends the user's other sessions: every cookie issued before
   * now is refused from now on, on every replica (revocations.ts). The session that made the
   * change goes on, in the re-issued cookie returned (null: the request carried no cookie).
   */
  async changePassword(
    principal: Principal,
    current: string,
    next: string,
    address: string,
  ): Promise<{ cookie: string; principal: Principal } | null> {
    const accounts = this.deps.accounts;
    if (principal.via !== 'local' || !accounts)
      throw badRequest('Only local accounts have a password here; change it at your identity provider');
    await this.deps.limiter.attempt(principal.name, address);
    if (!(await accounts.verify(principal.name, current)))
      throw badRequest('currentPassword: the current password is wrong', 'currentPassword');
    await this.deps.limiter.succeeded(principal.name, address);
    await accounts.setPassword(principal.name, next);
    const now = Date.now();
    await this.deps.revocations.revokeIssuedBefore(principal.name, now, now + this.deps.sessions.ttlMs);
    if (!principal.sessionId || !principal.expiresAt) return null;
    return this.deps.sessions.reissue({ ...principal, mustChangePassword: false }, now);
  }

  checkCsrf(principal: Principal, token: string | undefined): boolean {
    return principal.sessionId !== undefined && this.deps.sessions.checkCsrf(principal.sessionId, token);
  }

  session(principal: Principal | null): SessionResponse {
    const methods = this.methods();
    if (!principal) return { authenticated: false, methods };
    return {
      authenticated: true,
      methods,
      csrfToken: principal.sessionId ? this.deps.sessions.csrfToken(principal.sessionId) : '',
      expiresAt: new Date(principal.expiresAt ?? Date.now() + this.deps.sessions.ttlMs).toISOString(),
      user: {
        name: principal.displayName ?? principal.name,
        role: principal.role,
        namespaces: principal.role === 'admin' ? ['*'] : principal.namespaces,
        via: principal.via,
        mustChangePassword: principal.mustChangePassword,
      },
    };
  }
}

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Role } from '../../contract/auth';
import { ApiError } from '../../lib/errors';
import type { Signer } from './keys';
import { OIDC_PREFIX } from '../../lib/principal';
import type { Principal } from '../../lib/principal';

export const SESSION_COOKIE = 'mesh_console_session';
/** Browsers drop a cookie over 4 KB (name, value and attributes together). */
export const MAX_SESSION_COOKIE_CHARS = 3584;

const Payload = z.object({
  v: z.literal(1),
  sid: z.string().regex(/^[0-9a-f]{32}$/),
  sub: z.string().min(1),
  /** The name to show, when it is not `sub` (OIDC users). */
  dn: z.string().optional(),
  role: Role,
  ns: z.array(z.string()),
  via: z.enum(['local', 'oidc']),
  grp: z.array(z.string()),
  mcp: z.boolean(),
  /** Issued at (ms); cookies from before it was added count from exp - ttl. */
  iat: z.number().optional(),
  exp: z.number(),
});
type Payload = z.infer<typeof Payload>;

/**
 * Sessions in a signed cookie: the BFF keeps none, so any replica with the same secret accepts
 * it. The cookie carries the session id, the user, when it was issued and the expiry; sign-out
 * revokes the id in the control plane (see revocations.ts), so a copy of the cookie is refused
 * after sign-out, and a password change refuses every cookie of the user issued before it.
 */
export class SessionCodec {
  constructor(
    private readonly signer: Signer,
    readonly ttlMs: number,
  ) {}

  issue(
    user: Omit<Principal, 'sessionId' | 'expiresAt' | 'issuedAt'>,
    now = Date.now(),
  ): { cookie: string; principal: Principal } {
    return this.seal(user, randomBytes(16).toString('hex'), now, now + this.ttlMs);
  }

  /**
   * The same session (id, so its CSRF token, and expiry) in a new cookie issued `now`: for the
   * user who changed the password, whose older cookies are refused from then on.
   */
  reissue(principal: Principal, now = Date.now()): { cookie: string; principal: Principal } {
    if (!principal.sessionId || !principal.expiresAt) throw new Error('not a cookie session');
    return this.seal(principal, principal.sessionId, now, principal.expiresAt);
  }

  private seal(
    user: Omit<Principal, 'sessionId' | 'expiresAt' | 'issuedAt'>,
    sid: string,
    now: number,
    exp: number,
  ): { cookie: string; principal: Principal } {
    if (user.via === 'token') throw new Error('tokens have no session');
    const payload: Payload = {
      v: 1,
      sid,
      sub: user.name,
      ...(user.displayName !== undefined && user.displayName !== user.name ? { dn: user.displayName } : {}),
      role: user.role,
      ns: user.namespaces,
      via: user.via,
      grp: user.groups,
      mcp: user.mustChangePassword,
      iat: now,
      exp,
    };
    const cookie = this.signer.seal('session', payload);
    if (cookie.length > MAX_SESSION_COOKIE_CHARS)
      throw new ApiError(
        400,
        'SessionTooLarge',
        'Your sign-in carries too much (groups or namespaces) for a session cookie; ask an admin to narrow the group rules',
      );
    return { cookie, principal: this.toPrincipal(payload) };
  }

  /** The session's user, or null when the cookie is not ours, malformed or expired. */
  read(cookie: string | undefined, now = Date.now()): Principal | null {
    if (!cookie) return null;
    const parsed = Payload.safeParse(this.signer.open('session', cookie));
    if (!parsed.success || parsed.data.exp <= now) return null;
    // An OIDC session from before users were identified by their subject: sign in again.
    if (parsed.data.via === 'oidc' && !parsed.data.sub.startsWith(OIDC_PREFIX)) return null;
    return this.toPrincipal(parsed.data);
  }

  /** The CSRF token of a session: bound to it, so one stolen from another session is useless. */
  csrfToken(sessionId: string): string {
    return this.signer.sign('csrf', sessionId);
  }

  checkCsrf(sessionId: string, token: string | undefined): boolean {
    return token !== undefined && this.signer.verify('csrf', sessionId, token);
  }

  private toPrincipal(p: Payload): Principal {
    return {
      name: p.sub,
      ...(p.dn !== undefined ? { displayName: p.dn } : {}),
      role: p.role,
      namespaces: p.ns,
      via: p.via,
      groups: p.grp,
      mustChangePassword: p.mcp,
      sessionId: p.sid,
      expiresAt: p.exp,
      issuedAt: p.iat ?? p.exp - this.ttlMs,
    };
  }
}

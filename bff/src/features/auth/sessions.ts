import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Role } from '../../contract/auth';
import type { Signer } from './keys';
import type { Principal } from './principal';

export const SESSION_COOKIE = 'mesh_console_session';

const Payload = z.object({
  v: z.literal(1),
  sid: z.string().regex(/^[0-9a-f]{32}$/),
  sub: z.string().min(1),
  role: Role,
  ns: z.array(z.string()),
  via: z.enum(['local', 'oidc']),
  grp: z.array(z.string()),
  mcp: z.boolean(),
  exp: z.number(),
});
type Payload = z.infer<typeof Payload>;

/**
 * Sessions in a signed cookie: the BFF keeps none, so any replica with the same secret accepts
 * it. The cookie carries the session id, the user and the expiry; sign-out revokes the id in the
 * control plane (see revocations.ts), so a copy of the cookie is refused after sign-out.
 */
export class SessionCodec {
  constructor(
    private readonly signer: Signer,
    readonly ttlMs: number,
  ) {}

  issue(
    user: Omit<Principal, 'sessionId' | 'expiresAt'>,
    now = Date.now(),
  ): { cookie: string; principal: Principal } {
    if (user.via === 'token') throw new Error('tokens have no session');
    const payload: Payload = {
      v: 1,
      sid: randomBytes(16).toString('hex'),
      sub: user.name,
      role: user.role,
      ns: user.namespaces,
      via: user.via,
      grp: user.groups,
      mcp: user.mustChangePassword,
      exp: now + this.ttlMs,
    };
    return { cookie: this.signer.seal('session', payload), principal: toPrincipal(payload) };
  }

  /** The session's user, or null when the cookie is not ours, malformed or expired. */
  read(cookie: string | undefined, now = Date.now()): Principal | null {
    if (!cookie) return null;
    const parsed = Payload.safeParse(this.signer.open('session', cookie));
    if (!parsed.success || parsed.data.exp <= now) return null;
    return toPrincipal(parsed.data);
  }

  /** The CSRF token of a session: bound to it, so one stolen from another session is useless. */
  csrfToken(sessionId: string): string {
    return this.signer.sign('csrf', sessionId);
  }

  checkCsrf(sessionId: string, token: string | undefined): boolean {
    return token !== undefined && this.signer.verify('csrf', sessionId, token);
  }
}

function toPrincipal(p: Payload): Principal {
  return {
    name: p.sub,
    role: p.role,
    namespaces: p.ns,
    via: p.via,
    groups: p.grp,
    mustChangePassword: p.mcp,
    sessionId: p.sid,
    expiresAt: p.exp,
  };
}

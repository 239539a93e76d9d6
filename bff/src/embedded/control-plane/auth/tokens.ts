import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * ServiceAccount tokens, as TokenRequest issues them: JWTs (HS256) whose claims look like
 * kube-apiserver's (`sub` system:serviceaccount:<ns>:<name>, the `kubernetes.io` claim with the
 * ServiceAccount's uid). The signing key lives in the data directory, so tokens outlive a restart;
 * the uid ties a token to the ServiceAccount it was issued for, so deleting (or recreating) the
 * ServiceAccount ends it.
 */

export const DEFAULT_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountClaims {
  namespace: string;
  name: string;
  uid: string;
  /** Seconds since the epoch. */
  exp: number;
  aud: string[];
}

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');

const HEADER = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** The signing key of this data directory: created once (mode 0600), then reused. */
export function loadOrCreateSigningKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'sa-signing-key');
  if (fs.existsSync(file)) {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
    if (key.length >= 32) return key;
  }
  const key = randomBytes(32);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${key.toString('base64url')}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return key;
}

export class ServiceAccountTokens {
  constructor(private readonly key: Buffer) {}

  issue(claims: ServiceAccountClaims, now = Date.now()): string {
    const iat = Math.floor(now / 1000);
    const payload = b64(
      JSON.stringify({
        aud: claims.aud,
        exp: claims.exp,
        iat,
        nbf: iat,
        iss: ISSUER,
        jti: randomBytes(16).toString('hex'),
        sub: `system:serviceaccount:${claims.namespace}:${claims.name}`,
        'kubernetes.io': {
          namespace: claims.namespace,
          serviceaccount: { name: claims.name, uid: claims.uid },
        },
      }),
    );
    return `${HEADER}.${payload}.${this.sign(`${HEADER}.${payload}`)}`;
  }

  /** The claims of a token this server signed and that has not expired, else undefined. */
  verify(token: string, now = Date.now()): ServiceAccountClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return undefined;
    const given = Buffer.from(parts[2] ?? '');
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof payload !== 'object' || payload === null) return undefined;
    const p = payload as Record<string, unknown>;
    const k8s = p['kubernetes.io'] as Record<string, unknown> | undefined;
    const sa = k8s?.serviceaccount as Record<string, unknown> | undefined;
    if (typeof p.exp !== 'number' || p.exp * 1000 <= now) return undefined;
    if (typeof k8s?.namespace !== 'string' || typeof sa?.name !== 'string' || typeof sa.uid !== 'string')
      return undefined;
    return {
      namespace: k8s.namespace,
      name: sa.name,
      uid: sa.uid,
      exp: p.exp,
      aud: Array.isArray(p.aud) ? p.aud.map(String) : [],
    };
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}

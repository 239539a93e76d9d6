import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Compares two strings in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * The session secret: MESH_CONSOLE_SESSION_SECRET when set (several replicas must share it),
 * else one generated on the first start and kept in the data directory (mode 0600).
 */
export function loadOrCreateSessionSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'session-secret');
  if (fs.existsSync(file)) {
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return secret;
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${secret}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return secret;
}

/** HMAC keys derived from the session secret, one per purpose, so no signature serves two. */
export class Signer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', 'mesh-console').update(secret).digest();
  }

  sign(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${value}`).digest('base64url');
  }

  verify(purpose: string, value: string, signature: string): boolean {
    return safeEqual(this.sign(purpose, value), signature);
  }

  /** `payload.signature`, the payload JSON in base64url. */
  seal(purpose: string, payload: unknown): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(purpose, body)}`;
  }

  /** The payload of a sealed value, or null when it was not sealed by us for this purpose. */
  open(purpose: string, sealed: string): unknown {
    const dot = sealed.indexOf('.');
    if (dot <= 0 || sealed.length > 8192) return null;
    const body = sealed.slice(0, dot);
    if (!this.verify(purpose, body, sealed.slice(dot + 1))) return null;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
  }
}

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { V1Secret } from '@kubernetes/client-node';
import type { KubeClient } from '../../clients/kube';
import { isKubeStatus } from '../../clients/kube-errors';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../mesh/model';
import { decodeSecretData } from './credential-secrets';

/** Compares two strings in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** The Secret, in the console's namespace, holding the generated session secret. */
export const SESSION_SECRET_NAME = 'mesh-console-session-secret';
export const SESSION_SECRET_TYPE = 'mesh-console.io/session-secret';
const SESSION_SECRET_KEY = 'secret';
const MIN_SECRET_CHARS = 32;

/**
 * The session secret: MESH_CONSOLE_SESSION_SECRET when set; else the one kept in the Secret
 * `mesh-console-session-secret` (type `mesh-console.io/session-secret`) of the console's
 * namespace, so every replica signs and accepts the same cookies. The first replica to start
 * creates it (from the `<data dir>/session-secret` file an earlier version wrote, so sessions
 * survive the upgrade, else from 256 random bits); one that loses the race to create it reads the
 * winner's. A Secret that holds no usable secret stops the start, rather than being replaced
 * (which would sign everyone out) or trusted.
 */
export async function loadOrCreateSessionSecret(
  configured: string | undefined,
  store: { kube: KubeClient; namespace: string; dataDir: string },
): Promise<string> {
  if (configured) return configured;
  const { kube, namespace, dataDir } = store;
  const read = async (): Promise<string | null> => {
    let secret: V1Secret;
    try {
      secret = await kube.core.readNamespacedSecret({ name: SESSION_SECRET_NAME, namespace });
    } catch (err) {
      if (isKubeStatus(err, 404)) return null;
      throw err;
    }
    const value = decodeSecretData(secret)[SESSION_SECRET_KEY]?.trim() ?? '';
    if (secret.type !== SESSION_SECRET_TYPE || value.length < MIN_SECRET_CHARS)
      throw new Error(
        `The Secret ${namespace}/${SESSION_SECRET_NAME} does not hold a session secret (type ${SESSION_SECRET_TYPE}, key "${SESSION_SECRET_KEY}", at least ${MIN_SECRET_CHARS} characters): delete it to have a new one generated (everyone is signed out), or set MESH_CONSOLE_SESSION_SECRET`,
      );
    return value;
  };
  const existing = await read();
  if (existing) return existing;
  const generated = readSecretFile(dataDir) ?? randomBytes(32).toString('base64url');
  try {
    await kube.core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: SESSION_SECRET_NAME,
          namespace,
          labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
        },
        type: SESSION_SECRET_TYPE,
        stringData: { [SESSION_SECRET_KEY]: generated },
      },
    });
    return generated;
  } catch (err) {
    // Another replica created it first: use the one it wrote.
    if (!isKubeStatus(err, 409)) throw err;
    const winner = await read();
    if (!winner) throw err;
    return winner;
  }
}

function readSecretFile(dataDir: string): string | null {
  const file = path.join(dataDir, 'session-secret');
  if (!fs.existsSync(file)) return null;
  const secret = fs.readFileSync(file, 'utf8').trim();
  return secret.length >= MIN_SECRET_CHARS ? secret : null;
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

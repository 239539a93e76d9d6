import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { dump } from 'js-yaml';

const CONTEXT_NAME = 'mesh-console-embedded';

/** Writes a file readable by its owner only, atomically: a reader never sees half of it. */
function writePrivateFile(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** The bearer token of this data directory: created once, then reused, so kubeconfigs stay valid across restarts. */
export function loadOrCreateToken(dataDir: string): string {
  const file = path.join(dataDir, 'token');
  if (fs.existsSync(file)) {
    const token = fs.readFileSync(file, 'utf8').trim();
    if (token.length >= 32) return token;
  }
  const token = randomBytes(32).toString('base64url');
  writePrivateFile(file, `${token}\n`);
  return token;
}

/** kubectl gets the https address: client-go sends a bearer token only over TLS. */
export function writeKubeconfig(dataDir: string, server: string, token: string, caPem: string): string {
  const file = path.join(dataDir, 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: CONTEXT_NAME,
        cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
      },
    ],
    users: [{ name: CONTEXT_NAME, user: { token } }],
    contexts: [
      { name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace: 'default' } },
    ],
    'current-context': CONTEXT_NAME,
    preferences: {},
  };
  writePrivateFile(file, dump(config));
  return file;
}

/** The data directory, created private (0700) when missing; an existing one is left as its owner set it. */
export function ensureDataDir(dataDir: string): void {
  if (!fs.existsSync(dataDir)) fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

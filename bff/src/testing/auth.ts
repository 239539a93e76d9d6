import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import * as yaml from 'js-yaml';
import type { KubeClient } from '../clients/kube';
import { AuditLog } from '../features/audit/audit-log';
import { LocalAccounts, hashPassword } from '../features/auth/accounts';
import { AuthService } from '../features/auth/auth';
import { Signer } from '../features/auth/keys';
import { LoginLimiter } from '../features/auth/login-limiter';
import type { LoginLimits } from '../features/auth/login-limiter';
import { OidcSignIn } from '../features/auth/oidc';
import type { OidcSettings } from '../features/auth/oidc';
import { SessionRevocations } from '../features/auth/revocations';
import { SessionCodec } from '../features/auth/sessions';
import type { AuthSetup } from '../features/auth/setup';
import { ApiTokens } from '../features/auth/tokens';
import { silentLogger } from '../lib/logger';
import type { Logger } from '../lib/logger';

/** The admin bearer token of test apps (as MESH_CONSOLE_ADMIN_TOKEN would be). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';
export const ADMIN_HEADER = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

export interface TestAuthOptions {
  /** The control plane for tokens, sign-outs and audit records (startTestControlPlane's). */
  kube: KubeClient;
  namespace?: string;
  /** A local accounts file; by default one that does not exist (no users). */
  usersFile?: string;
  sessionTtlMs?: number;
  loginLimits?: LoginLimits;
  log?: Logger;
  /** Sign in with this OpenID Connect provider instead of local accounts. */
  oidc?: OidcSettings;
}

/** Sign-in for a test app: the admin token always works; local accounts when a file is given. */
export function testAuth(options: TestAuthOptions): AuthSetup {
  const log = options.log ?? silentLogger();
  const namespace = options.namespace ?? 'default';
  const { kube } = options;
  const signer = new Signer('test-session-secret-0123456789abcdefghij');
  const accounts = new LocalAccounts(
    options.usersFile ?? path.join(os.tmpdir(), `mesh-console-no-users-${process.pid}.yaml`),
  );
  const tokens = new ApiTokens(kube, namespace, log, TEST_ADMIN_TOKEN);
  const service = new AuthService({
    mode: options.oidc ? 'oidc' : 'local',
    accounts: options.oidc ? null : accounts,
    oidc: options.oidc ? new OidcSignIn(options.oidc, signer, log) : null,
    sessions: new SessionCodec(signer, options.sessionTtlMs ?? 3600_000),
    revocations: new SessionRevocations(kube, namespace, log, 200),
    tokens,
    limiter: new LoginLimiter(options.loginLimits),
    log,
  });
  return {
    service,
    tokens,
    accounts: options.oidc ? null : accounts,
    audit: new AuditLog(kube, namespace, log),
  };
}

/**
 * The app as an admin script sees it: every request without an Authorization header gets the
 * admin token. Authentication and the policy still run; tests of the API's features stay short.
 */
export function asAdmin(app: Express): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.headers.authorization === undefined) req.headers.authorization = ADMIN_HEADER.authorization;
    app(req, res);
  };
}

export interface TestUser {
  name: string;
  password: string;
  role: 'viewer' | 'operator' | 'admin';
  namespaces?: string[];
  mustChangePassword?: boolean;
}

/** Writes a local accounts file with these users (argon2 hashes), in a fresh temporary directory. */
export async function writeUsersFile(users: TestUser[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-users-'));
  const file = path.join(dir, 'users.yaml');
  const entries = await Promise.all(
    users.map(async (u) => ({
      name: u.name,
      passwordHash: await hashPassword(u.password),
      role: u.role,
      namespaces: u.namespaces ?? ['*'],
      ...(u.mustChangePassword ? { mustChangePassword: true } : {}),
    })),
  );
  fs.writeFileSync(file, yaml.dump({ users: entries }), { mode: 0o600 });
  return file;
}

/** The value of a Set-Cookie header's cookie, for sending back. */
export function cookieFrom(setCookie: string[] | string | undefined, name: string): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = list.find((c) => c.startsWith(`${name}=`));
  return found?.split(';')[0];
}

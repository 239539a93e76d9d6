import path from 'node:path';
import type { KubeClient } from '../../clients/kube';
import type { Logger } from '../../lib/logger';
import { AuditLog, DEFAULT_AUDIT_RETENTION } from '../audit/audit-log';
import { LocalAccounts } from './accounts';
import { AuthService } from './auth';
import { Signer, loadOrCreateSessionSecret } from './keys';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter } from './login-limiter';
import type { LoginLimits } from './login-limiter';
import { OidcSignIn } from './oidc';
import type { OidcSettings } from './oidc';
import { SessionRevocations } from './revocations';
import { SessionCodec } from './sessions';
import { ApiTokens } from './tokens';

export interface AuthSettings {
  mode: 'local' | 'oidc';
  /** The local accounts file (default <dataDir>/users.yaml). */
  usersFile?: string | undefined;
  /** The first admin's password; unset, a one-time password is generated and returned once. */
  adminPassword?: string | undefined;
  /** Accepted as an admin bearer token (scripts, CI). */
  adminToken?: string | undefined;
  sessionSecret?: string | undefined;
  sessionTtlMs: number;
  /** How long the audit trail keeps changes (refusals are kept by number). */
  auditRetentionMs?: number;
  oidc: OidcSettings | null;
  /**
   * Where tokens, sign-outs, password-change cut-offs and the generated session secret (Secrets)
   * and audit records (ConfigMaps) are kept in the control plane.
   */
  namespace: string;
  loginLimits?: LoginLimits;
  /** How often each replica re-reads sign-outs from the control plane. */
  revocationRefreshMs?: number;
}

/** What the app needs for sign-in, authorization and the audit trail. */
export interface AuthSetup {
  service: AuthService;
  tokens: ApiTokens;
  accounts: LocalAccounts | null;
  audit: AuditLog;
}

/**
 * Builds sign-in from the settings. `kube` is the control plane for tokens, sign-outs, the
 * session secret and audit records.
 * On a first start with no local users, an admin account is written; `firstAdmin` carries its
 * generated one-time password, to print once.
 */
export async function createAuth(
  settings: AuthSettings,
  kube: KubeClient,
  dataDir: string,
  log: Logger,
): Promise<{ setup: AuthSetup; firstAdmin: { name: string; password: string } | null }> {
  const signer = new Signer(
    await loadOrCreateSessionSecret(settings.sessionSecret, { kube, namespace: settings.namespace, dataDir }),
  );
  const accounts =
    settings.mode === 'local'
      ? new LocalAccounts(settings.usersFile ?? path.join(dataDir, 'users.yaml'))
      : null;
  const firstAdmin = accounts ? await accounts.ensureFirstAdmin(settings.adminPassword) : null;
  const tokens = new ApiTokens(kube, settings.namespace, log, settings.adminToken);
  const service = new AuthService({
    mode: settings.mode,
    accounts,
    oidc: settings.mode === 'oidc' && settings.oidc ? new OidcSignIn(settings.oidc, signer, log) : null,
    sessions: new SessionCodec(signer, settings.sessionTtlMs),
    revocations: new SessionRevocations(kube, settings.namespace, log, settings.revocationRefreshMs),
    tokens,
    limiter: new LoginLimiter(settings.loginLimits ?? DEFAULT_LOGIN_LIMITS),
    log,
  });
  return {
    setup: {
      service,
      tokens,
      accounts,
      audit: new AuditLog(kube, settings.namespace, log, {
        ...DEFAULT_AUDIT_RETENTION,
        ...(settings.auditRetentionMs ? { changeMs: settings.auditRetentionMs } : {}),
      }),
    },
    firstAdmin,
  };
}

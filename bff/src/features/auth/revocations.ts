import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { z } from 'zod';
import type { KubeClient } from '../../clients/kube';
import { isKubeStatus } from '../../clients/kube-errors';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../mesh/model';
import type { Logger } from '../../lib/logger';
import { EpochMsText, InvalidRecords, decodeSecretData } from './credential-secrets';
import { sha256 } from './keys';

export const REVOKED_LABEL = 'mesh-console.io/revoked-session';
/** Marks a user's "sessions issued before this time are refused" record (a password change). */
export const NOT_BEFORE_LABEL = 'mesh-console.io/sessions-not-before';
/** The `type`s of their Secrets. */
export const REVOKED_SECRET_TYPE = 'mesh-console.io/revoked-session';
export const NOT_BEFORE_SECRET_TYPE = 'mesh-console.io/sessions-not-before';

const SignOutRecord = z.object({
  sessionId: z.string().regex(/^[0-9a-f]{32}$/),
  expiresAt: EpochMsText,
});
const NotBeforeRecord = z.object({
  user: z.string().min(1).max(512),
  notBefore: EpochMsText,
  expiresAt: EpochMsText,
});

/** A ConfigMap record of an earlier version, read as the Secret it is now. */
const asSecret =
  (type: string) =>
  (cm: V1ConfigMap): V1Secret => ({
    metadata: cm.metadata,
    type,
    data: Object.fromEntries(
      Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
    ),
  });

const signOutName = (sessionId: string) => `mesh-console-signout-${sessionId}`;
// A user name may hold any character; a Secret's name may not.
const notBeforeName = (user: string) => `mesh-console-notbefore-${sha256(user).slice(0, 32)}`;

interface NotBefore {
  /** Cookies of the user issued before this (ms since the epoch) are refused. */
  at: number;
  /** When the last such cookie would have expired anyway: the record is not needed after. */
  expiresAt: number;
}

/**
 * Sessions ended by sign-out, and users whose older sessions a password change ended, kept in the
 * control plane (one small Secret each, of type `mesh-console.io/revoked-session` or
 * `mesh-console.io/sessions-not-before`, until the sessions would have expired anyway) so that
 * every replica refuses a replayed cookie. Each replica reads the lists every few seconds; the
 * replica that signed the user out (or changed the password) knows at once. Records are validated
 * as they are read; one that does not pass (or whose name does not match it) is logged and ignored.
 */
export class SessionRevocations {
  private revoked = new Map<string, number>();
  private notBefore = new Map<string, NotBefore>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(
    /** null: sign-outs are known to this process only (tests without a control plane). */
    private readonly kube: KubeClient | null,
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly refreshMs = 5000,
  ) {
    this.invalid = new InvalidRecords(log, 'session revocation');
  }

  private readonly invalid: InvalidRecords;

  private signOut(secret: V1Secret): z.infer<typeof SignOutRecord> | null {
    if (secret.type !== REVOKED_SECRET_TYPE)
      return this.invalid.ignore(secret, `its type is not ${REVOKED_SECRET_TYPE}`);
    const parsed = SignOutRecord.safeParse(decodeSecretData(secret));
    if (!parsed.success) return this.invalid.ignore(secret, parsed.error);
    if (secret.metadata?.name !== signOutName(parsed.data.sessionId))
      return this.invalid.ignore(secret, 'its name does not match its session');
    return parsed.data;
  }

  private cutoff(secret: V1Secret): z.infer<typeof NotBeforeRecord> | null {
    if (secret.type !== NOT_BEFORE_SECRET_TYPE)
      return this.invalid.ignore(secret, `its type is not ${NOT_BEFORE_SECRET_TYPE}`);
    const parsed = NotBeforeRecord.safeParse(decodeSecretData(secret));
    if (!parsed.success) return this.invalid.ignore(secret, parsed.error);
    if (secret.metadata?.name !== notBeforeName(parsed.data.user))
      return this.invalid.ignore(secret, 'its name does not match its user');
    return parsed.data;
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    if (this.revoked.has(sessionId)) return true;
    await this.fresh();
    return this.revoked.has(sessionId);
  }

  /** Whether a cookie of `user` issued at `issuedAt` predates the user's last password change. */
  async issuedTooEarly(user: string, issuedAt: number): Promise<boolean> {
    await this.fresh();
    const cutoff = this.notBefore.get(user);
    return cutoff !== undefined && issuedAt < cutoff.at;
  }

  private async fresh(): Promise<void> {
    if (Date.now() - this.loadedAt <= this.refreshMs) return;
    try {
      await this.refresh();
    } catch (err) {
      // Fail closed on the first load only: without the list, a signed-out cookie might pass.
      if (this.loadedAt === 0) throw err;
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not refresh sign-outs');
    }
  }

  private async refresh(): Promise<void> {
    const kube = this.kube;
    if (!kube) {
      this.loadedAt = Date.now();
      return;
    }
    this.loading ??= (async () => {
      try {
        const [signOuts, cutoffs, legacySignOuts, legacyCutoffs] = await Promise.all([
          kube.core.listNamespacedSecret({
            namespace: this.namespace,
            labelSelector: `${REVOKED_LABEL}=v1`,
          }),
          kube.core.listNamespacedSecret({
            namespace: this.namespace,
            labelSelector: `${NOT_BEFORE_LABEL}=v1`,
          }),
          // Earlier versions kept these as ConfigMaps. They can only refuse a cookie, never let
          // one in, so they are still obeyed until they expire (then deleted): a cookie signed
          // out before an upgrade stays signed out.
          kube.core.listNamespacedConfigMap({
            namespace: this.namespace,
            labelSelector: `${REVOKED_LABEL}=v1`,
          }),
          kube.core.listNamespacedConfigMap({
            namespace: this.namespace,
            labelSelector: `${NOT_BEFORE_LABEL}=v1`,
          }),
        ]);
        const now = Date.now();
        // Past its expiry the cookie is refused anyway; the record is no longer needed.
        const forget = (record: { name: string | undefined; legacy: boolean }) => {
          const { name, legacy } = record;
          if (!name) return;
          const done = legacy
            ? kube.core.deleteNamespacedConfigMap({ name, namespace: this.namespace })
            : kube.core.deleteNamespacedSecret({ name, namespace: this.namespace });
          void done.catch(() => undefined);
        };
        const all = <T extends { metadata?: { name?: string } }>(secrets: T[], legacy: T[]) => [
          ...secrets.map((item) => ({ item, name: item.metadata?.name, legacy: false })),
          ...legacy.map((item) => ({ item, name: item.metadata?.name, legacy: true })),
        ];
        const next = new Map<string, number>();
        for (const entry of all<V1Secret>(
          signOuts.items,
          legacySignOuts.items.map(asSecret(REVOKED_SECRET_TYPE)),
        )) {
          const record = this.signOut(entry.item);
          if (!record) continue;
          if (record.expiresAt > now) next.set(record.sessionId, record.expiresAt);
          else forget(entry);
        }
        for (const [sid, exp] of this.revoked) if (exp > now && !next.has(sid)) next.set(sid, exp);
        const nextCutoffs = new Map<string, NotBefore>();
        for (const entry of all<V1Secret>(
          cutoffs.items,
          legacyCutoffs.items.map(asSecret(NOT_BEFORE_SECRET_TYPE)),
        )) {
          const record = this.cutoff(entry.item);
          if (!record) continue;
          const { user, notBefore: at, expiresAt } = record;
          const listed = nextCutoffs.get(user);
          if (expiresAt <= now) forget(entry);
          else if (!listed || listed.at < at) nextCutoffs.set(user, { at, expiresAt });
        }
        // This replica's own, newer cutoffs win over what the list says (written, not yet listed).
        for (const [user, mine] of this.notBefore) {
          const listed = nextCutoffs.get(user);
          if (mine.expiresAt > now && (!listed || listed.at < mine.at)) nextCutoffs.set(user, mine);
        }
        this.revoked = next;
        this.notBefore = nextCutoffs;
        this.loadedAt = now;
      } finally {
        this.loading = null;
      }
    })();
    await this.loading;
  }

  async revoke(sessionId: string, expiresAt: number): Promise<void> {
    this.revoked.set(sessionId, expiresAt);
    if (!this.kube) return;
    try {
      await this.kube.core.createNamespacedSecret({
        namespace: this.namespace,
        body: {
          metadata: {
            name: signOutName(sessionId),
            namespace: this.namespace,
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [REVOKED_LABEL]: 'v1' },
          },
          type: REVOKED_SECRET_TYPE,
          stringData: { sessionId, expiresAt: String(expiresAt) },
        },
      });
    } catch (err) {
      if (!isKubeStatus(err, 409)) throw err;
    }
  }

  /**
   * Refuses every cookie of `user` issued before `at` (a password change), on every replica;
   * `expiresAt` is when the last of them would have expired anyway.
   */
  async revokeIssuedBefore(user: string, at: number, expiresAt: number): Promise<void> {
    const previous = this.notBefore.get(user);
    if (!previous || previous.at < at) this.notBefore.set(user, { at, expiresAt });
    if (!this.kube) return;
    const name = notBeforeName(user);
    const body = {
      metadata: {
        name,
        namespace: this.namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [NOT_BEFORE_LABEL]: 'v1' },
      },
      type: NOT_BEFORE_SECRET_TYPE,
      stringData: { user, notBefore: String(at), expiresAt: String(expiresAt) },
    };
    try {
      await this.kube.core.createNamespacedSecret({ namespace: this.namespace, body });
    } catch (err) {
      if (!isKubeStatus(err, 409)) throw err;
      await this.kube.core.replaceNamespacedSecret({ name, namespace: this.namespace, body });
    }
  }
}

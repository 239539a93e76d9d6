import type { KubeClient } from '../../clients/kube';
import { isKubeStatus } from '../../clients/kube-errors';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../mesh/model';
import type { Logger } from '../../lib/logger';
import { sha256 } from './keys';

export const REVOKED_LABEL = 'mesh-console.io/revoked-session';
/** Marks a user's "sessions issued before this time are refused" record (a password change). */
export const NOT_BEFORE_LABEL = 'mesh-console.io/sessions-not-before';

interface NotBefore {
  /** Cookies of the user issued before this (ms since the epoch) are refused. */
  at: number;
  /** When the last such cookie would have expired anyway: the record is not needed after. */
  expiresAt: number;
}

/**
 * Sessions ended by sign-out, and users whose older sessions a password change ended, kept in the
 * control plane (one small labelled ConfigMap each, until the sessions would have expired anyway)
 * so that every replica refuses a replayed cookie. Each replica reads the lists every few seconds;
 * the replica that signed the user out (or changed the password) knows at once.
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
  ) {}

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
        const [signOuts, cutoffs] = await Promise.all([
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
        const forget = (name: string | undefined) => {
          if (name)
            void kube.core
              .deleteNamespacedConfigMap({ name, namespace: this.namespace })
              .catch(() => undefined);
        };
        const next = new Map<string, number>();
        for (const cm of signOuts.items) {
          const sid = cm.data?.sessionId;
          const exp = Number(cm.data?.expiresAt ?? 0);
          if (!sid) continue;
          if (exp > now) next.set(sid, exp);
          else forget(cm.metadata?.name);
        }
        for (const [sid, exp] of this.revoked) if (exp > now && !next.has(sid)) next.set(sid, exp);
        const nextCutoffs = new Map<string, NotBefore>();
        for (const cm of cutoffs.items) {
          const user = cm.data?.user;
          const at = Number(cm.data?.notBefore ?? 0);
          const expiresAt = Number(cm.data?.expiresAt ?? 0);
          if (!user || !at) continue;
          if (expiresAt > now) nextCutoffs.set(user, { at, expiresAt });
          else forget(cm.metadata?.name);
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
      await this.kube.core.createNamespacedConfigMap({
        namespace: this.namespace,
        body: {
          metadata: {
            name: `mesh-console-signout-${sessionId}`,
            namespace: this.namespace,
            labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [REVOKED_LABEL]: 'v1' },
          },
          data: { sessionId, expiresAt: String(expiresAt) },
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
    // A user name may hold any character; a ConfigMap's name may not.
    const name = `mesh-console-notbefore-${sha256(user).slice(0, 32)}`;
    const body = {
      metadata: {
        name,
        namespace: this.namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [NOT_BEFORE_LABEL]: 'v1' },
      },
      data: { user, notBefore: String(at), expiresAt: String(expiresAt) },
    };
    try {
      await this.kube.core.createNamespacedConfigMap({ namespace: this.namespace, body });
    } catch (err) {
      if (!isKubeStatus(err, 409)) throw err;
      await this.kube.core.replaceNamespacedConfigMap({ name, namespace: this.namespace, body });
    }
  }
}

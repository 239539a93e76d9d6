import type { KubeClient } from '../../clients/kube';
import { isKubeStatus } from '../../clients/kube-errors';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../mesh/model';
import type { Logger } from '../../lib/logger';

export const REVOKED_LABEL = 'mesh-console.io/revoked-session';

/**
 * Sessions ended by sign-out, kept in the control plane (one small labelled ConfigMap each, until
 * the session would have expired anyway) so that every replica refuses a replayed cookie. Each
 * replica reads the list every few seconds; the replica that signed the user out knows at once.
 */
export class SessionRevocations {
  private revoked = new Map<string, number>();
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
    if (Date.now() - this.loadedAt > this.refreshMs) {
      try {
        await this.refresh();
      } catch (err) {
        // Fail closed on the first load only: without the list, a signed-out cookie might pass.
        if (this.loadedAt === 0) throw err;
        this.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'could not refresh sign-outs',
        );
      }
    }
    return this.revoked.has(sessionId);
  }

  private async refresh(): Promise<void> {
    const kube = this.kube;
    if (!kube) {
      this.loadedAt = Date.now();
      return;
    }
    this.loading ??= (async () => {
      try {
        const res = await kube.core.listNamespacedConfigMap({
          namespace: this.namespace,
          labelSelector: `${REVOKED_LABEL}=v1`,
        });
        const now = Date.now();
        const next = new Map<string, number>();
        for (const cm of res.items) {
          const sid = cm.data?.sessionId;
          const exp = Number(cm.data?.expiresAt ?? 0);
          if (!sid) continue;
          if (exp > now) next.set(sid, exp);
          else if (cm.metadata?.name) {
            // Past its expiry the cookie is refused anyway; the record is no longer needed.
            void kube.core
              .deleteNamespacedConfigMap({ name: cm.metadata.name, namespace: this.namespace })
              .catch(() => undefined);
          }
        }
        for (const [sid, exp] of this.revoked) if (exp > now && !next.has(sid)) next.set(sid, exp);
        this.revoked = next;
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
}

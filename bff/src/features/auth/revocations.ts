import { z } from 'zod';
import type { KubeClient } from '../../clients/kube';
import { RecordConflict, RecordStore } from '../../clients/record-store';
import type { RecordResource, StoredRecord } from '../../clients/record-store';
import type { Logger } from '../../lib/logger';
import { EpochMsText } from './credential-secrets';
import { sha256 } from './keys';

export const REVOKED_LABEL = 'mesh-console.io/revoked-session';
/** Marks a user's "sessions issued before this time are refused" record (a password change). */
export const NOT_BEFORE_LABEL = 'mesh-console.io/sessions-not-before';
/** The `type`s of their Secrets. */
export const REVOKED_SECRET_TYPE = 'mesh-console.io/revoked-session';
const NOT_BEFORE_SECRET_TYPE = 'mesh-console.io/sessions-not-before';

const SignOutRecord = z.object({
  sessionId: z.string().regex(/^[0-9a-f]{32}$/),
  expiresAt: EpochMsText,
});
const NotBeforeRecord = z.object({
  user: z.string().min(1).max(512),
  notBefore: EpochMsText,
  expiresAt: EpochMsText,
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
type SignOut = z.infer<typeof SignOutRecord>;
type Cutoff = z.infer<typeof NotBeforeRecord>;

export class SessionRevocations {
  private revoked = new Map<string, number>();
  private notBefore = new Map<string, NotBefore>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;
  private readonly signOuts: RecordStore<SignOut>;
  private readonly cutoffs: RecordStore<Cutoff>;
  /**
   * Earlier versions kept these as ConfigMaps. They can only refuse a cookie, never let one in, so
   * they are still obeyed until they expire (then deleted): a cookie signed out before an upgrade
   * stays signed out.
   */
  private readonly legacySignOuts: RecordStore<SignOut>;
  private readonly legacyCutoffs: RecordStore<Cutoff>;

  constructor(
    kube: KubeClient,
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly refreshMs = 5000,
  ) {
    const signOuts = (resource: RecordResource) =>
      new RecordStore({
        kube,
        resource,
        label: { key: REVOKED_LABEL, value: 'v1' },
        schema: SignOutRecord,
        nameOf: (r) => signOutName(r.sessionId),
        what: 'session revocation',
        log,
      });
    const cutoffs = (resource: RecordResource) =>
      new RecordStore({
        kube,
        resource,
        label: { key: NOT_BEFORE_LABEL, value: 'v1' },
        schema: NotBeforeRecord,
        nameOf: (r) => notBeforeName(r.user),
        what: 'session revocation',
        log,
      });
    this.signOuts = signOuts({ kind: 'Secret', type: REVOKED_SECRET_TYPE });
    this.cutoffs = cutoffs({ kind: 'Secret', type: NOT_BEFORE_SECRET_TYPE });
    this.legacySignOuts = signOuts({ kind: 'ConfigMap' });
    this.legacyCutoffs = cutoffs({ kind: 'ConfigMap' });
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
    this.loading ??= (async () => {
      try {
        const ns = this.namespace;
        const [signOuts, cutoffs, legacySignOuts, legacyCutoffs] = await Promise.all([
          this.signOuts.list(ns),
          this.cutoffs.list(ns),
          this.legacySignOuts.list(ns),
          this.legacyCutoffs.list(ns),
        ]);
        const now = Date.now();
        // Past its expiry the cookie is refused anyway; the record is no longer needed.
        const forget = <T>(store: RecordStore<T>, record: StoredRecord<T>) =>
          void store
            .delete(ns, record.name, { resourceVersion: record.resourceVersion })
            .catch(() => undefined);
        const next = new Map<string, number>();
        const allSignOuts = [
          ...signOuts.map((record) => ({ record, store: this.signOuts })),
          ...legacySignOuts.map((record) => ({ record, store: this.legacySignOuts })),
        ];
        for (const { record, store } of allSignOuts) {
          const { sessionId, expiresAt } = record.value;
          if (expiresAt > now) next.set(sessionId, expiresAt);
          else forget(store, record);
        }
        for (const [sid, exp] of this.revoked) if (exp > now && !next.has(sid)) next.set(sid, exp);
        const nextCutoffs = new Map<string, NotBefore>();
        const allCutoffs = [
          ...cutoffs.map((record) => ({ record, store: this.cutoffs })),
          ...legacyCutoffs.map((record) => ({ record, store: this.legacyCutoffs })),
        ];
        for (const { record, store } of allCutoffs) {
          const { user, notBefore: at, expiresAt } = record.value;
          const listed = nextCutoffs.get(user);
          if (expiresAt <= now) forget(store, record);
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
    try {
      await this.signOuts.create(this.namespace, signOutName(sessionId), {
        data: { sessionId, expiresAt: String(expiresAt) },
      });
    } catch (err) {
      // Signed out already (another replica, a second click): the record is there.
      if (!(err instanceof RecordConflict)) throw err;
    }
  }

  /**
   * Refuses every cookie of `user` issued before `at` (a password change), on every replica;
   * `expiresAt` is when the last of them would have expired anyway.
   */
  async revokeIssuedBefore(user: string, at: number, expiresAt: number): Promise<void> {
    const previous = this.notBefore.get(user);
    if (!previous || previous.at < at) this.notBefore.set(user, { at, expiresAt });
    const name = notBeforeName(user);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.cutoffs.get(this.namespace, name);
      // Another replica's cut-off may be later: the record keeps the later of each, never lowers one.
      const notBefore = Math.max(at, stored?.value.notBefore ?? 0);
      const until = Math.max(expiresAt, stored?.value.expiresAt ?? 0);
      if (stored && stored.value.notBefore === notBefore && stored.value.expiresAt === until) return;
      const write = { data: { user, notBefore: String(notBefore), expiresAt: String(until) } };
      try {
        if (stored) await this.cutoffs.replace(this.namespace, name, stored.resourceVersion, write);
        else await this.cutoffs.create(this.namespace, name, write);
        return;
      } catch (err) {
        if (!(err instanceof RecordConflict) || attempt >= 4) throw err;
        // There, but not a valid record (so not read): this one takes its place.
        if (!stored && attempt >= 1) {
          await this.cutoffs.replace(this.namespace, name, null, write);
          return;
        }
      }
    }
  }
}

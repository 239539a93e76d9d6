import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { KubeClient } from '../../clients/kube';
import { RecordStore } from '../../clients/record-store';
import type { StoredRecord } from '../../clients/record-store';
import { CreateTokenBody, Namespaces, Role } from '../../contract/auth';
import type { ApiToken } from '../../contract/auth';
import { notFound } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { jsonText } from './credential-secrets';
import { safeEqual, sha256 } from './keys';
import type { Principal } from '../../lib/principal';

export const TOKEN_LABEL = 'mesh-console.io/api-token';
/** The `type` of a token's Secret: only Secrets of this type (and label) are read as tokens. */
export const TOKEN_SECRET_TYPE = 'mesh-console.io/api-token';
const LAST_USED_ANNOTATION = 'mesh-console.io/last-used-at';
const TOKEN_PREFIX = 'mct_';
/** How long a revoked token may still work on another replica, at most. */
const REFRESH_MS = 5000;
/** lastUsedAt is written at most this often per token. */
const LAST_USED_RESOLUTION_MS = 60_000;

interface StoredToken extends ApiToken {
  hash: string;
}

const secretName = (id: string) => `mesh-console-token-${id}`;

/** What a token's Secret must hold, checked field by field before the token is honoured. */
const TokenRecord = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  name: CreateTokenBody.shape.name,
  role: Role,
  namespaces: jsonText(Namespaces),
  createdBy: z.string().min(1).max(256),
  createdAt: z.iso.datetime(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const LastUsedAt = z.iso.datetime();

/**
 * API tokens for automation. Only the SHA-256 of a token is stored (a token has 256 random bits,
 * so a fast hash is enough; passwords, which have far fewer, get argon2). They live in the control
 * plane as Secrets of type `mesh-console.io/api-token` in the console's namespace (never
 * ConfigMaps: whoever may write Secrets there may administer the console, see the README), so
 * every replica sees them; each replica caches the list for a few seconds, and a token revoked
 * here stops working here at once. Every field read back is validated (role, namespaces, names,
 * dates, the hash); a record that does not pass is ignored and logged, never trusted.
 */
export class ApiTokens {
  private cache = new Map<string, StoredToken>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;
  private readonly store: RecordStore<z.infer<typeof TokenRecord>>;

  constructor(
    kube: KubeClient,
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly adminToken?: string,
  ) {
    this.store = new RecordStore({
      kube,
      resource: { kind: 'Secret', type: TOKEN_SECRET_TYPE },
      label: { key: TOKEN_LABEL, value: 'v1' },
      schema: TokenRecord,
      nameOf: (t) => secretName(t.id),
      what: 'API token',
      log,
    });
  }

  static isToken(value: string): boolean {
    return value.startsWith(TOKEN_PREFIX);
  }

  private async refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const next = new Map<string, StoredToken>();
        for (const record of await this.store.list(this.namespace)) {
          const t = fromRecord(record);
          next.set(t.hash, t);
        }
        this.cache = next;
        this.loadedAt = Date.now();
      } finally {
        this.loading = null;
      }
    })();
    await this.loading;
  }

  private async fresh(maxAgeMs: number): Promise<void> {
    if (Date.now() - this.loadedAt > maxAgeMs) await this.refresh();
  }
  /** The principal a bearer token stands for, or null when it is unknown or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    if (this.adminToken && safeEqual(secret, this.adminToken)) {
      return {
        name: 'admin-token',
        role: 'admin',
        namespaces: ['*'],
        via: 'token',
        groups: [],
        mustChangePassword: false,
      };
    }
    if (!ApiTokens.isToken(secret) || secret.length > 200) return null;
    const hash = sha256(secret);
    await this.fresh(REFRESH_MS);
    let token = this.cache.get(hash);
    // A token made on another replica a moment ago: look again, but at most once a second.
    if (!token) {
      await this.fresh(1000);
      token = this.cache.get(hash);
    }
    if (!token) return null;
    this.touch(token);
    return {
      name: `token:${token.name}`,
      role: token.role,
      namespaces: token.namespaces,
      via: 'token',
      groups: [],
      mustChangePassword: false,
    };
  }

  private touch(token: StoredToken): void {
    const last = token.lastUsedAt ? Date.parse(token.lastUsedAt) : 0;
    if (Date.now() - last < LAST_USED_RESOLUTION_MS) return;
    token.lastUsedAt = new Date().toISOString();
    const name = secretName(token.id);
    void (async () => {
      const stored = await this.store.get(this.namespace, name);
      if (!stored) return;
      await this.store.replace(this.namespace, name, stored.resourceVersion, {
        data: toData(stored.value),
        labels: stored.labels,
        annotations: { ...stored.annotations, [LAST_USED_ANNOTATION]: token.lastUsedAt ?? '' },
      });
    })().catch((err: unknown) =>
      this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'could not record token use'),
    );
  }

  async list(): Promise<ApiToken[]> {
    await this.refresh();
    return [...this.cache.values()]
      .map(({ hash: _hash, ...t }) => t)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async create(input: CreateTokenBody, createdBy: string): Promise<{ token: ApiToken; secret: string }> {
    const id = randomBytes(8).toString('hex');
    const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const token: StoredToken = {
      id,
      name: input.name,
      role: input.role,
      namespaces: input.role === 'admin' ? ['*'] : input.namespaces,
      createdBy,
      createdAt: new Date().toISOString(),
      lastUsedAt: null,
      hash: sha256(secret),
    };
    await this.store.create(this.namespace, secretName(id), {
      data: toData({
        id,
        name: token.name,
        role: token.role,
        namespaces: token.namespaces,
        createdBy,
        createdAt: token.createdAt,
        sha256: token.hash,
      }),
    });
    this.cache.set(token.hash, token);
    const { hash: _hash, ...visible } = token;
    return { token: visible, secret };
  }

  async revoke(id: string): Promise<void> {
    if (!/^[0-9a-f]{16}$/.test(id)) throw notFound(`Token ${id} was not found`);
    if (!(await this.store.delete(this.namespace, secretName(id))))
      throw notFound(`Token ${id} was not found`);
    for (const [hash, t] of this.cache) if (t.id === id) this.cache.delete(hash);
  }
}

function toData(t: z.infer<typeof TokenRecord>): Record<string, string> {
  return { ...t, namespaces: JSON.stringify(t.namespaces) };
}

/** The token a valid record holds; an admin token spans every namespace, whatever the record says. */
function fromRecord(record: StoredRecord<z.infer<typeof TokenRecord>>): StoredToken {
  const t = record.value;
  const lastUsed = LastUsedAt.safeParse(record.annotations[LAST_USED_ANNOTATION]);
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    namespaces: t.role === 'admin' ? ['*'] : t.namespaces,
    createdBy: t.createdBy,
    createdAt: t.createdAt,
    lastUsedAt: lastUsed.success ? lastUsed.data : null,
    hash: t.sha256,
  };
}

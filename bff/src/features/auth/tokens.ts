import { randomBytes } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeClient } from '../../clients/kube';
import { isKubeStatus } from '../../clients/kube-errors';
import type { ApiToken, CreateTokenBody, Role } from '../../contract/auth';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../mesh/model';
import { notFound } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { safeEqual, sha256 } from './keys';
import type { Principal } from './principal';

export const TOKEN_LABEL = 'mesh-console.io/api-token';
const TOKEN_PREFIX = 'mct_';
/** How long a revoked token may still work on another replica, at most. */
const REFRESH_MS = 5000;
/** lastUsedAt is written at most this often per token. */
const LAST_USED_RESOLUTION_MS = 60_000;

interface StoredToken extends ApiToken {
  hash: string;
}

/**
 * API tokens for automation. Only the SHA-256 of a token is stored (a token has 256 random bits,
 * so a fast hash is enough; passwords, which have far fewer, get argon2). They live in the control
 * plane as labelled ConfigMaps, so every replica sees them; each replica caches the list for a
 * few seconds, and a token revoked here stops working here at once.
 */
export class ApiTokens {
  private cache = new Map<string, StoredToken>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(
    /** null: tokens live in this process only (tests without a control plane). */
    private readonly kube: KubeClient | null,
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly adminToken?: string,
  ) {}

  static isToken(value: string): boolean {
    return value.startsWith(TOKEN_PREFIX);
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
          labelSelector: `${TOKEN_LABEL}=v1`,
        });
        const next = new Map<string, StoredToken>();
        for (const cm of res.items) {
          const t = fromConfigMap(cm);
          if (t) next.set(t.hash, t);
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
    const name = configMapName(token.id);
    const kube = this.kube;
    if (!kube) return;
    void (async () => {
      const cm = await kube.core.readNamespacedConfigMap({ name, namespace: this.namespace });
      cm.metadata = {
        ...cm.metadata,
        annotations: { ...cm.metadata?.annotations, 'mesh-console.io/last-used-at': token.lastUsedAt ?? '' },
      };
      await kube.core.replaceNamespacedConfigMap({ name, namespace: this.namespace, body: cm });
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
    await this.kube?.core.createNamespacedConfigMap({
      namespace: this.namespace,
      body: {
        metadata: {
          name: configMapName(id),
          namespace: this.namespace,
          labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [TOKEN_LABEL]: 'v1' },
        },
        data: {
          id,
          name: token.name,
          role: token.role,
          namespaces: JSON.stringify(token.namespaces),
          createdBy,
          createdAt: token.createdAt,
          sha256: token.hash,
        },
      },
    });
    this.cache.set(token.hash, token);
    const { hash: _hash, ...visible } = token;
    return { token: visible, secret };
  }

  async revoke(id: string): Promise<void> {
    if (!/^[0-9a-f]{16}$/.test(id)) throw notFound(`Token ${id} was not found`);
    if (!this.kube && ![...this.cache.values()].some((t) => t.id === id))
      throw notFound(`Token ${id} was not found`);
    try {
      await this.kube?.core.deleteNamespacedConfigMap({ name: configMapName(id), namespace: this.namespace });
    } catch (err) {
      if (isKubeStatus(err, 404)) throw notFound(`Token ${id} was not found`);
      throw err;
    }
    for (const [hash, t] of this.cache) if (t.id === id) this.cache.delete(hash);
  }
}

const configMapName = (id: string) => `mesh-console-token-${id}`;

function fromConfigMap(cm: V1ConfigMap): StoredToken | null {
  const d = cm.data ?? {};
  if (!d.id || !d.sha256 || !d.name || !d.role) return null;
  let namespaces: string[] = [];
  try {
    namespaces = JSON.parse(d.namespaces ?? '[]') as string[];
  } catch {
    return null;
  }
  return {
    id: d.id,
    name: d.name,
    role: d.role as Role,
    namespaces,
    createdBy: d.createdBy ?? 'unknown',
    createdAt: d.createdAt ?? '',
    lastUsedAt: cm.metadata?.annotations?.['mesh-console.io/last-used-at'] ?? null,
    hash: d.sha256,
  };
}

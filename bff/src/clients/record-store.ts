import { ApiException } from '@kubernetes/client-node';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { z } from 'zod';
import type { Logger } from '../lib/logger';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../mesh/model';
import type { KubeClient } from './kube';
import { isKubeStatus, kubeStatusOf } from './kube-errors';

/**
 * Where records are kept: ConfigMaps, or Secrets of one `type` (credentials: whoever may read
 * Secrets in the console's namespace may administer the console anyway).
 */
export type RecordResource = { kind: 'ConfigMap' } | { kind: 'Secret'; type: string };

export interface RecordStoreOptions<T> {
  kube: KubeClient;
  resource: RecordResource;
  /**
   * The label every record of this store carries, and is listed by (`mesh-console.io/audit=v1`);
   * without a value, records with any value are listed (a store that only reads).
   */
  label: { key: string; value?: string };
  /** What a record's data (text values, as written) must be; anything else is logged and ignored. */
  schema: z.ZodType<T>;
  /** The one name a record may have, from its content: a record under another name is ignored. */
  nameOf?: (value: T) => string;
  /** For the log line about an ignored record ("API token"). */
  what: string;
  log: Logger;
}

/** A record read back: its validated content and the metadata that locates and versions it. */
export interface StoredRecord<T> {
  value: T;
  namespace: string;
  name: string;
  /** For a precondition on the next replace or delete; compared for equality only. */
  resourceVersion: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** When the control plane created it (ms since the epoch; 0 when it did not say). */
  createdAt: number;
}

/** What to write: the record's data as text, and labels and annotations besides the store's own. */
export interface RecordWrite {
  data: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * Another writer created, changed or deleted the record since it was read. It is the API server's
 * error still (409, or 404 for a record gone), so code that turns Kubernetes errors into answers
 * (kube-errors.ts) treats it as before.
 */
export class RecordConflict extends ApiException<unknown> {
  constructor(
    readonly recordName: string,
    cause: unknown,
  ) {
    const status = kubeStatusOf(cause);
    super(
      status?.code ?? 409,
      `the record ${recordName} changed since it was read`,
      cause instanceof ApiException ? cause.body : (status ?? {}),
      cause instanceof ApiException ? cause.headers : {},
    );
  }
}

type RawRecord = V1ConfigMap | V1Secret;

/**
 * The console's own records in the control plane (revisions, audit records, API tokens, sign-outs):
 * labelled ConfigMaps or Secrets with deterministic names, listed by label, each field validated
 * with zod as it is read back (a record that fails is logged once, never its values, and ignored),
 * replaced and deleted only with the resourceVersion they were read at. One code path for all of
 * them, real cluster or embedded control plane alike; no record is kept anywhere else.
 */
export class RecordStore<T> {
  private readonly logged = new Set<string>();

  constructor(private readonly options: RecordStoreOptions<T>) {}

  private get kube(): KubeClient {
    return this.options.kube;
  }

  private get isSecret(): boolean {
    return this.options.resource.kind === 'Secret';
  }

  /** The store's label selector, narrowed by `also` (`mesh-console.io/rule=x,…`). */
  selector(also?: string): string {
    const { key, value } = this.options.label;
    const own = value === undefined ? key : `${key}=${value}`;
    return also ? `${own},${also}` : own;
  }

  /** The valid records in `namespace` (every namespace when null) matching the store's label and `also`. */
  async list(namespace: string | null, also?: string): Promise<StoredRecord<T>[]> {
    const labelSelector = this.selector(also);
    let items: RawRecord[];
    if (this.isSecret)
      items = (
        namespace === null
          ? await this.kube.core.listSecretForAllNamespaces({ labelSelector })
          : await this.kube.core.listNamespacedSecret({ namespace, labelSelector })
      ).items;
    else
      items = (
        namespace === null
          ? await this.kube.core.listConfigMapForAllNamespaces({ labelSelector })
          : await this.kube.core.listNamespacedConfigMap({ namespace, labelSelector })
      ).items;
    return items.flatMap((item) => this.read(item) ?? []);
  }

  /** One record, or undefined when it does not exist or is not valid. */
  async get(namespace: string, name: string): Promise<StoredRecord<T> | undefined> {
    try {
      const item = this.isSecret
        ? await this.kube.core.readNamespacedSecret({ namespace, name })
        : await this.kube.core.readNamespacedConfigMap({ namespace, name });
      return this.read(item) ?? undefined;
    } catch (err) {
      if (isKubeStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** Creates a record; `RecordConflict` when one of that name exists. */
  async create(namespace: string, name: string, write: RecordWrite): Promise<StoredRecord<T>> {
    const body = this.body(namespace, name, write);
    try {
      const created = this.isSecret
        ? await this.kube.core.createNamespacedSecret({ namespace, body })
        : await this.kube.core.createNamespacedConfigMap({ namespace, body });
      return this.written(created);
    } catch (err) {
      if (isKubeStatus(err, 409)) throw new RecordConflict(name, err);
      throw err;
    }
  }

  /**
   * Replaces a record read at `resourceVersion`; `RecordConflict` when it changed or went since.
   * Without a resourceVersion (`null`) the write is unconditional: only for records a single
   * writer owns, such as a user's own password-change cut-off.
   */
  async replace(
    namespace: string,
    name: string,
    resourceVersion: string | null,
    write: RecordWrite,
  ): Promise<StoredRecord<T>> {
    const body = this.body(namespace, name, write);
    if (resourceVersion !== null) body.metadata = { ...body.metadata, resourceVersion };
    try {
      const replaced = this.isSecret
        ? await this.kube.core.replaceNamespacedSecret({ namespace, name, body })
        : await this.kube.core.replaceNamespacedConfigMap({ namespace, name, body });
      return this.written(replaced);
    } catch (err) {
      if (isKubeStatus(err, 409) || isKubeStatus(err, 404)) throw new RecordConflict(name, err);
      throw err;
    }
  }

  /**
   * Deletes a record, only if it still has `resourceVersion` when one is given (`RecordConflict`
   * otherwise). A record already gone is not an error unless `mustExist`.
   */
  async delete(
    namespace: string,
    name: string,
    options: { resourceVersion?: string; mustExist?: boolean } = {},
  ): Promise<boolean> {
    const body = options.resourceVersion
      ? { preconditions: { resourceVersion: options.resourceVersion } }
      : {};
    try {
      if (this.isSecret) await this.kube.core.deleteNamespacedSecret({ namespace, name, body });
      else await this.kube.core.deleteNamespacedConfigMap({ namespace, name, body });
      return true;
    } catch (err) {
      if (isKubeStatus(err, 409)) throw new RecordConflict(name, err);
      if (isKubeStatus(err, 404) && !options.mustExist) return false;
      throw err;
    }
  }

  private body(namespace: string, name: string, write: RecordWrite): RawRecord {
    const { key, value } = this.options.label;
    if (value === undefined)
      throw new Error(`the ${this.options.what} store only reads (${key} has no value)`);
    const metadata = {
      name,
      namespace,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY,
        ...write.labels,
        [key]: value,
      },
      ...(write.annotations ? { annotations: write.annotations } : {}),
    };
    const { resource } = this.options;
    return resource.kind === 'Secret'
      ? { metadata, type: resource.type, stringData: write.data }
      : { metadata, data: write.data };
  }

  private written(item: RawRecord): StoredRecord<T> {
    const stored = this.read(item);
    // What was just written did not validate: a bug in the writer, not bad data from outside.
    if (!stored) throw new Error(`the ${this.options.what} record ${item.metadata?.name ?? ''} is not valid`);
    return stored;
  }

  /** A record as read back, or null (logged once) when any part of it is not valid. */
  read(item: RawRecord): StoredRecord<T> | null {
    const { resource, schema, nameOf } = this.options;
    const name = item.metadata?.name ?? '';
    if (resource.kind === 'Secret' && (item as V1Secret).type !== resource.type)
      return this.ignore(item, `its type is not ${resource.type}`);
    const data =
      resource.kind === 'Secret' ? decodeSecretData(item as V1Secret) : textData(item as V1ConfigMap);
    const parsed = schema.safeParse(data);
    if (!parsed.success) return this.ignore(item, parsed.error);
    if (nameOf && nameOf(parsed.data) !== name)
      return this.ignore(item, 'its name does not match its content');
    const created = item.metadata?.creationTimestamp;
    return {
      value: parsed.data,
      namespace: item.metadata?.namespace ?? '',
      name,
      resourceVersion: item.metadata?.resourceVersion ?? '',
      labels: { ...item.metadata?.labels },
      annotations: { ...item.metadata?.annotations },
      createdAt: created ? new Date(created).getTime() || 0 : 0,
    };
  }

  private ignore(item: RawRecord, why: string | z.ZodError): null {
    const name = item.metadata?.name ?? '';
    const key = `${name}@${item.metadata?.resourceVersion ?? ''}`;
    if (!this.logged.has(key)) {
      if (this.logged.size > 10_000) this.logged.clear();
      this.logged.add(key);
      const reason =
        typeof why === 'string'
          ? why
          : why.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.code}`).join('; ');
      this.options.log.warn(
        { record: name, kind: this.options.resource.kind, reason },
        `ignored an invalid ${this.options.what} record: it is not trusted; fix or delete it`,
      );
    }
    return null;
  }
}

/** A Secret's `data`, base64-decoded to text (what was written as `stringData`). */
export function decodeSecretData(secret: V1Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {}))
    if (typeof value === 'string') out[key] = Buffer.from(value, 'base64').toString('utf8');
  return out;
}

function textData(cm: V1ConfigMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(cm.data ?? {})) if (typeof value === 'string') out[key] = value;
  return out;
}

/** A text field holding JSON that must match `schema` (at most `maxChars` long). */
export function jsonText<T extends z.ZodType>(schema: T, maxChars = 16_384) {
  return z
    .string()
    .max(maxChars)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

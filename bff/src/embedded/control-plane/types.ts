export type { KubeResource } from '../../lib/kube-kind';
export { apiVersionOf, resourceKey } from '../../lib/kube-kind';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: unknown[];
  finalizers?: string[];
}

/** An object as the API returns it: metadata is filled in and `apiVersion` is the version asked for. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  /** Validate and return the result, write nothing (`dryRun=All`). */
  dryRun?: boolean;
  /** What to do with fields the schema does not know: fail, warn (the default) or drop silently. */
  fieldValidation?: FieldValidation;
  /** Receives the warnings a real server sends in `Warning` headers (pruned unknown fields). */
  onWarning?: (message: string) => void;
}

export interface UpdateOptions extends WriteOptions {
  /** 'status' writes only `.status`, as `PUT .../status` does. */
  subresource?: 'status';
}

export interface DeleteOptions {
  /** Preconditions: the delete fails with a Conflict unless the object still has these. */
  resourceVersion?: string;
  uid?: string;
  dryRun?: boolean;
  /**
   * What happens to the objects the deleted one owns (by `ownerReferences` uid): `Background`
   * (the default: the garbage collector deletes them after), `Foreground` (deleted with it, before
   * it) or `Orphan` (kept, their reference to it removed), as kubectl's --cascade asks.
   */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

/** A patch kind, or its media type (client-node's PatchStrategy values work as they are). */
export type PatchType =
  | 'merge'
  | 'json'
  | 'strategic'
  | 'apply'
  | 'application/merge-patch+json'
  | 'application/json-patch+json'
  | 'application/strategic-merge-patch+json'
  | 'application/apply-patch+yaml';

export interface WatchOptions extends ListOptions {
  /** Called once after the synthetic ADDED events of a watch that started without a resourceVersion. */
  onInitialEventsEnd?: (resourceVersion: string) => void;
}

export { isRecord } from '../../lib/json';

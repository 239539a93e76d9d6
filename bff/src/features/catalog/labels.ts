/** Labels and annotations the catalog reads. The `mesh-console.io/` ones are this console's own. */
export const VERSION_LABELS = [
  'version',
  'app.kubernetes.io/version',
  'service.istio.io/canonical-revision',
  // Without a version label, the pod template's hash tells one rollout's pods from another's
  // (a Deployment's ReplicaSet, a StatefulSet's revision): a version with a clear name, which a
  // new rollout replaces.
  'pod-template-hash',
  'controller-revision-hash',
];

export const APP_LABELS = ['app', 'app.kubernetes.io/name', 'service.istio.io/canonical-name'];

/** Comma-separated RPC interfaces a Dubbo or SOFARPC application exports through this Service. */
export const RPC_INTERFACES_ANNOTATION = 'mesh-console.io/rpc-interfaces';
/** Set to `spring-cloud` on a Service (or ServiceEntry) of a Spring Cloud application. */
export const FRAMEWORK_LABEL = 'mesh-console.io/framework';

export function firstLabel(labels: Record<string, string> | undefined, keys: string[]): string | null {
  if (!labels) return null;
  for (const key of keys) {
    const value = labels[key];
    if (value !== undefined && value !== '') return value;
  }
  return null;
}

export function versionOf(labels: Record<string, string> | undefined): string | null {
  return firstLabel(labels, VERSION_LABELS);
}

/** The label a version is read from (`version`, …, `pod-template-hash`), null without one. */
export function versionLabelOf(labels: Record<string, string> | undefined): string | null {
  if (!labels) return null;
  return VERSION_LABELS.find((k) => labels[k] !== undefined && labels[k] !== '') ?? null;
}

export function selectorMatches(
  selector: Record<string, string>,
  labels: Record<string, string> | undefined,
) {
  if (!labels) return false;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/**
 * `a.localeCompare(b)`, with one collator: localeCompare makes a collator on each call, which
 * costs seconds over a catalog of 20,000 services.
 */
export const compareText: (a: string, b: string) => number = new Intl.Collator().compare;

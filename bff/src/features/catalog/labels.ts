/** Labels and annotations the catalog reads. The `mesh-console.io/` ones are this console's own. */
export const VERSION_LABELS = ['version', 'app.kubernetes.io/version', 'service.istio.io/canonical-revision'];
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

export function selectorMatches(
  selector: Record<string, string>,
  labels: Record<string, string> | undefined,
) {
  if (!labels) return false;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

import { FIELD_MANAGER, MANAGED_BY, MANAGED_BY_LABEL } from './model';

/** What the console needs of an object to tell who manages it. */
interface Managed {
  metadata: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Field managers as their tools name themselves, to the tool's name. */
function toolOfManager(manager: string): string | undefined {
  if (manager === FIELD_MANAGER) return MANAGED_BY;
  if (manager.startsWith('kubectl')) return 'kubectl';
  if (manager === 'helm' || manager.startsWith('helm-')) return 'Helm';
  if (manager.startsWith('argocd')) return 'Argo CD';
  if (manager.startsWith('kustomize-controller') || manager.startsWith('helm-controller')) return 'Flux';
  return undefined;
}

/**
 * Who manages an object, as far as the object says: the `app.kubernetes.io/managed-by` label
 * (`mesh-console` for what the console created, `Helm`, …), GitOps tools' own marks (Argo CD's
 * instance label or tracking annotation, Flux's), Helm's release annotation, else the tool that
 * created it according to managedFields, else kubectl when kubectl's last-applied record is there.
 * "unknown" when nothing says.
 */
export function managedByOf(obj: Managed): string {
  const labels = obj.metadata.labels ?? {};
  const annotations = obj.metadata.annotations ?? {};
  if (annotations['argocd.argoproj.io/tracking-id'] !== undefined) return 'Argo CD';
  if (labels['argocd.argoproj.io/instance'] !== undefined) return 'Argo CD';
  if (labels['kustomize.toolkit.fluxcd.io/name'] !== undefined) return 'Flux';
  if (labels['helm.toolkit.fluxcd.io/name'] !== undefined) return 'Flux';
  const label = labels[MANAGED_BY_LABEL];
  if (label !== undefined && label !== '') return label;
  if (annotations['meta.helm.sh/release-name'] !== undefined) return 'Helm';
  const fields = obj.metadata.managedFields;
  if (Array.isArray(fields)) {
    // The first entry that names a known tool: the one that created the object, usually.
    for (const entry of fields as { manager?: unknown }[]) {
      const tool = typeof entry.manager === 'string' ? toolOfManager(entry.manager) : undefined;
      if (tool) return tool;
    }
  }
  if (annotations[LAST_APPLIED] !== undefined) return 'kubectl';
  return 'unknown';
}

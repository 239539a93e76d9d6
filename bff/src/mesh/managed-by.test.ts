import { describe, expect, it } from 'vitest';
import { managedByOf } from './managed-by';

const meta = (metadata: Record<string, unknown>) => ({ metadata });

describe('managedByOf', () => {
  it.each([
    ['the console', meta({ labels: { 'app.kubernetes.io/managed-by': 'mesh-console' } }), 'mesh-console'],
    ['a Helm chart', meta({ labels: { 'app.kubernetes.io/managed-by': 'Helm' } }), 'Helm'],
    ['a Helm release annotation', meta({ annotations: { 'meta.helm.sh/release-name': 'bookinfo' } }), 'Helm'],
    ['Argo CD by its label', meta({ labels: { 'argocd.argoproj.io/instance': 'bookinfo' } }), 'Argo CD'],
    [
      'Argo CD by its tracking annotation, over a managed-by label it also synced',
      meta({
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: { 'argocd.argoproj.io/tracking-id': 'bookinfo:networking.istio.io/VirtualService:b/r' },
      }),
      'Argo CD',
    ],
    ['Flux', meta({ labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps' } }), 'Flux'],
    [
      'kubectl, by managedFields',
      meta({ managedFields: [{ manager: 'kubectl-client-side-apply' }, { manager: 'mesh-console' }] }),
      'kubectl',
    ],
    [
      'kubectl, by its last-applied record',
      meta({ annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }),
      'kubectl',
    ],
    ['nothing says', meta({ managedFields: [{ manager: 'some-operator' }] }), 'unknown'],
  ])('%s', (_, obj, expected) => {
    expect(managedByOf(obj)).toBe(expected);
  });
});

import { RELEASE_CRD } from '../../../features/releases/crd';
import { crdSpecOf, typeFromCrd } from './crd-types';
import type { ResourceType } from './resource-type';

/**
 * The console's own kinds: the Release of progressive delivery (features/releases/crd.ts), served
 * from the same CustomResourceDefinition a cluster installs from deploy/kustomize/base.
 */
export function consoleTypes(): ResourceType[] {
  const spec = crdSpecOf(RELEASE_CRD as unknown as Record<string, unknown>);
  if (!spec) throw new Error('the Release CustomResourceDefinition lacks what a kind needs');
  return [typeFromCrd(spec)];
}

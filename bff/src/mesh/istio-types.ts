import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';

/**
 * Istio's types, generated from its CRD schema by @kubernetes-models/istio (v1beta1; the v1
 * schema is the same). Only the object metadata is ours: a plain, JSON-shaped ObjectMeta.
 */
type VirtualServiceSpec = NonNullable<IVirtualService['spec']>;
export type HttpRoute = NonNullable<VirtualServiceSpec['http']>[number];
export type HttpMatch = NonNullable<HttpRoute['match']>[number];
export type HttpRouteDestination = NonNullable<HttpRoute['route']>[number];
export type StringMatchSpec = NonNullable<HttpMatch['uri']>;
type DestinationRuleSpec = NonNullable<IDestinationRule['spec']>;
export type Subset = NonNullable<DestinationRuleSpec['subsets']>[number];

interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  [key: string]: unknown;
}

export interface MeshObject<Spec = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  [key: string]: unknown;
}

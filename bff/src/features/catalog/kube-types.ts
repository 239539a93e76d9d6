import type { KubernetesObject, V1Namespace, V1Pod, V1Service } from '@kubernetes/client-node';

export type { V1Namespace, V1Pod, V1Service };

/**
 * The field of a Gateway API Gateway the catalog reads: its class, which says whether it is a
 * waypoint (`istio-waypoint`). The full type is in the Gateway API CRDs (../shared/gateway-api).
 */
export interface Gateway extends KubernetesObject {
  spec?: { gatewayClassName?: string };
}

/**
 * The fields of Istio's ServiceEntry and WorkloadEntry that the catalog reads. The full types are
 * in the CRD schema (../shared/istio); these are the subsets the registry needs, nothing more.
 */
interface ServiceEntryPort {
  number: number;
  name?: string;
  protocol?: string;
  targetPort?: number;
}

export interface WorkloadEntrySpec {
  address?: string;
  labels?: Record<string, string>;
  ports?: Record<string, number>;
  network?: string;
  locality?: string;
  serviceAccount?: string;
  weight?: number;
}

export interface ServiceEntry extends KubernetesObject {
  spec?: {
    hosts?: string[];
    addresses?: string[];
    ports?: ServiceEntryPort[];
    location?: string;
    resolution?: string;
    endpoints?: WorkloadEntrySpec[];
    workloadSelector?: { labels?: Record<string, string> };
  };
}

export interface WorkloadEntry extends KubernetesObject {
  spec?: WorkloadEntrySpec;
  status?: { conditions?: { type?: string; status?: string }[] };
}

import type { Protocol } from '../contract/catalog';
import type { MeshObject } from './istio-types';

/** How rules for RPC services (Dubbo, SOFARPC) are written; HTTP and gRPC always use Istio's. */
export const RpcDialect = ['istio', 'dubbo', 'sofa'] as const;
export type RpcDialect = (typeof RpcDialect)[number];

export const IstioApiVersion = ['v1', 'v1beta1', 'v1alpha3'] as const;
export type IstioApiVersion = (typeof IstioApiVersion)[number];

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'mesh-console';
/**
 * The console's field manager: on a real cluster, the fields it wrote are listed under this name
 * in the object's managedFields, beside kubectl's, Helm's or Argo CD's, without the console
 * relabelling an object it did not create.
 */
export const FIELD_MANAGER = 'mesh-console';
/** Names of the DestinationRule subsets the console added, so it removes only its own. */
export const SUBSETS_ANNOTATION = 'mesh-console.io/subsets';
/** The catalog ID of the service a rule was written for. */
export const SERVICE_ANNOTATION = 'mesh-console.io/service';

/** A version of the service as routing needs it: the labels that select its instances. */
export interface TargetVersion {
  version: string;
  labels: Record<string, string>;
  readyInstances: number;
  /**
   * The labels of each of the version's ready instances, when known: an operator's subset that
   * selects exactly these (`{version: v1, track: stable}` when every v1 pod has `track: stable`)
   * is the version's subset as much as `{version: v1}` is.
   */
  instances?: Record<string, string>[];
}

/** The service a rule is for, as the translation needs it (built from the catalog). */
export interface RouteTarget {
  id: string;
  /** The RPC interface, or the service's name. */
  name: string;
  namespace: string;
  application: string;
  protocol: Protocol;
  /** The mesh host (FQDN) that Istio rules name. */
  host: string;
  versions: TargetVersion[];
}

export interface TranslateOptions {
  dialect: RpcDialect;
  istioVersion: IstioApiVersion;
}

/** The live objects a rule's translation starts from. */
export interface LiveState {
  /** The rule's own routing object, when it exists (editing). */
  route?: MeshObject;
  /** The subset object for the service's host that the console writes subsets into, when there is one. */
  destinationRule?: MeshObject;
  /**
   * The host's other DestinationRules (Istio merges the subsets of all of them): their subsets are
   * reused and read, never written.
   */
  otherDestinationRules?: MeshObject[];
  /** Other routing objects on the same host: their subsets must stay, and they deserve a warning. */
  otherRoutes: MeshObject[];
}

type WriteAction = 'create' | 'update' | 'delete' | 'unchanged';

export interface PlannedWrite {
  action: WriteAction;
  /** The object as it will be written (for delete: as it is now). */
  object: MeshObject;
  /** The object as it is now, when it exists. */
  current?: MeshObject;
}

export interface RouteWarning {
  code:
    | 'second-route-on-host'
    | 'subset-matches-no-instance'
    | 'unreachable-condition'
    | 'pruned-by-istio'
    | 'version-without-instances'
    | 'applies-to-every-interface'
    | 'reordered-by-gateway-api'
    | 'backend-service-created';
  message: string;
  field?: string;
}

export interface RoutePlan {
  writes: PlannedWrite[];
  warnings: RouteWarning[];
}

export function isRpcProtocol(p: Protocol): boolean {
  return p === 'dubbo' || p === 'sofarpc';
}

/** The dialect used for a service: the configured one for RPC services, Istio's for the rest. */
export function dialectFor(target: RouteTarget, options: TranslateOptions): RpcDialect {
  return isRpcProtocol(target.protocol) ? options.dialect : 'istio';
}

// The mesh-wide Istio config contract, shared with the BFF (bff/src/contract/istio-config.ts). Types
// only: the SPA trusts the BFF's validation and keeps zod out of its bundles. The few values the page
// needs are repeated here, typed against the contract's own constants, so a change there fails the
// type check here.
import type { ISTIO_CONFIG_KINDS as ContractKinds } from '../../../../bff/src/contract/istio-config';

export type {
  ConfigCheck,
  ConfigSeverity,
  ConfigServiceRef,
  IstioConfigItem,
  IstioConfigKind,
  IstioConfigList,
} from '../../../../bff/src/contract/istio-config';

export const ISTIO_CONFIG_KINDS: typeof ContractKinds = [
  'VirtualService',
  'DestinationRule',
  'Gateway',
  'ServiceEntry',
  'EnvoyFilter',
];

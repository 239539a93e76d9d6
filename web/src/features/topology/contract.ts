// The topology contract, shared with the BFF. Types only (zod stays out of the bundle); the few values
// the page needs are repeated here, typed against the contract's own constants.
import type { GRAPH_TYPES as ContractGraphTypes } from '../../../../bff/src/contract/topology';

export type {
  EdgeSecurity,
  GraphType,
  Health,
  TopologyEdge,
  TopologyGraph,
  TopologyGroup,
  TopologyNode,
} from '../../../../bff/src/contract/topology';

export const GRAPH_TYPES: typeof ContractGraphTypes = ['versionedApp', 'app', 'service'];

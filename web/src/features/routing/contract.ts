// The routing contract, shared with the BFF. Unlike `lib/contract.ts` (types only) the form needs
// the rules themselves at run time (architecture rule 5: the form validates with the same zod
// schema and service checks the BFF runs again), so this brings zod into the routing chunk.
export {
  RouteForm,
  WEIGHT_TOTAL,
  isCatchAll,
  unreachableConditions,
} from '../../../../bff/src/contract/routing';
export type {
  ConditionRoute,
  Destination,
  PreviewResponse,
  Revision,
  RouteApiChoice,
  RouteListResponse,
  MergedSubsets,
  RouteRule,
  RouteScope,
  RouteType,
  RouteYamlBody,
  RpcDialect,
  StringMatchType,
} from '../../../../bff/src/contract/routing';
export { checkRouteForService } from '../../../../bff/src/contract/routing-checks';
export type { RouteServiceInfo } from '../../../../bff/src/contract/routing-checks';

/** The form as the API and checks take it (`RouteForm` is also the schema's name). */
export type { RouteForm as RouteFormValue } from '../../../../bff/src/contract/routing';

// The rate-limit contract, shared with the BFF. Like routing's, the form needs the rules themselves
// at run time (the form validates with the same zod schema and service checks the BFF runs again),
// so this brings zod into the rate-limit chunk.
export {
  HTTP_METHODS,
  RateLimitForm,
  checkRateLimitForService,
  effectiveTotal,
  isEmptyMatch,
} from '../../../../bff/src/contract/ratelimit';
export type {
  OtherEnvoyFilter,
  RateLimitFormInput,
  RateLimitListResponse,
  RateLimitMatch,
  RateLimitPreview,
  RateLimitRule,
  RateScope,
  RateUnit,
} from '../../../../bff/src/contract/ratelimit';

/** The form as the API and checks take it (`RateLimitForm` is also the schema's name). */
export type { RateLimitForm as RateLimitFormValue } from '../../../../bff/src/contract/ratelimit';

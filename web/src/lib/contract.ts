// The API contract is shared with the BFF. Types only: the SPA trusts the BFF's validation and keeps
// zod out of its bundle.
export type * from '../../../bff/src/contract/common';
export type * from '../../../bff/src/contract/catalog';

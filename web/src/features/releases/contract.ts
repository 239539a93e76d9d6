// The release contract, shared with the BFF. Like routing's, the form validates with the
// contract's zod schema as the operator types (architecture rule 5), so zod comes into this chunk.
export { MAX_STEPS, ReleaseForm } from '../../../../bff/src/contract/releases';
export type {
  GateCheck,
  ReleaseAction,
  ReleaseFormInput,
  ReleaseList,
  ReleasePhase,
  ReleaseSample,
  ReleaseSpec,
  ReleaseView,
} from '../../../../bff/src/contract/releases';
/** What the preview answers: the first stage's objects, as the routes preview does. */
export type { PreviewResponse } from '../../../../bff/src/contract/routing';

// What every kind of rule shares in the contract: what a write would do (planned objects), and the
// revisions of a rule. Types only; each kind's form and checks come from its own contract file.
export type {
  PlannedObject,
  PreviewResponse,
  Revision,
  RevisionList,
  WriteAction,
} from '../../../../bff/src/contract/routing';

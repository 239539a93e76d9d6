// The diff view moved to `features/rules/`; the audit page still imports it from here.
export { DiffView } from '../rules/DiffView';

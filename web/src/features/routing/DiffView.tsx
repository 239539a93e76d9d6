// The diff view moved to `features/rules/`; the audit page still imports it from here.
export { DiffView, codeStyle } from '../rules/DiffView';
export type { DiffViewProps } from '../rules/DiffView';

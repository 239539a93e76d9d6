// The text every kind of rule shares (the editor's footer, conflicts, preview, history, discard)
// lives in the routing namespace for now; kinds add their own in their namespace. One seam, so a
// move to a `rules` namespace changes this file only.
export { useRoutingT as useRulesT } from '../routing/i18n';
export type { RoutingT as RulesT } from '../routing/i18n';

const DETAIL_TABS = ['providers', 'consumers', 'rate-limits', 'routes', 'security'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];
export const DEFAULT_DETAIL_TAB: DetailTab = 'providers';

export function parseDetailTab(value: string | null): DetailTab {
  return (DETAIL_TABS as readonly (string | null)[]).includes(value)
    ? (value as DetailTab)
    : DEFAULT_DETAIL_TAB;
}

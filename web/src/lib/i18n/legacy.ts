import type { commonEnUS } from './common';
import type { topologyEnUS } from '../../features/topology/locales';
import type { Translation } from './types';

/**
 * The default namespace, for the features not converted to namespaces yet: topology
 * (`useTranslation()` + `t('topology.title')`, `t('common.loading')`, `t('protocol.http')`) and
 * routing's protocol label. It holds no text of its own: it is put together from the `common`
 * and `topology` namespaces, so each sentence is still written once. Once topology and routing use
 * `useTranslation('topology')` / `useTranslation('common')`, delete this file and its entries in
 * `resources.ts` and `index.ts`.
 */
export function legacyNamespace<
  C extends Translation<typeof commonEnUS>,
  T extends Translation<typeof topologyEnUS>,
>(common: C, topology: T) {
  return { common, protocol: common.protocol, platform: common.platform, topology };
}

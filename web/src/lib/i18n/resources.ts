import { adminEnUS, adminZhCN } from '../../features/admin/locales';
import { auditEnUS, auditZhCN } from '../../features/audit/locales';
import { authEnUS, authZhCN } from '../../features/auth/locales';
import { catalogEnUS, catalogZhCN } from '../../features/catalog/locales';
import { monitoringEnUS, monitoringZhCN } from '../../features/monitoring/locales';
import type { ratelimitEnUS } from '../../features/ratelimit/i18n';
import type { routingEnUS } from '../../features/routing/i18n';
import { appEnUS, appZhCN } from '../../app/locales';
import { contractEnUS, contractZhCN, errorsEnUS, errorsZhCN } from '../messages/locales';
import { commonEnUS, commonZhCN } from './common';
import type { Language } from './languages';
import { legacyNamespace } from './legacy';
import { topologyEnUS, topologyZhCN } from '../../features/topology/locales';

/**
 * Every namespace of the UI, one per feature, each language's text beside its feature
 * (`features/<name>/locales.ts`). A new feature adds its two objects here; `CustomTypeOptions`
 * (index.ts) then type-checks `useTranslation('<name>')` and its keys.
 */
export const resources = {
  'en-US': {
    app: appEnUS,
    common: commonEnUS,
    catalog: catalogEnUS,
    monitoring: monitoringEnUS,
    topology: topologyEnUS,
    auth: authEnUS,
    audit: auditEnUS,
    admin: adminEnUS,
    errors: errorsEnUS,
    contract: contractEnUS,
    legacy: legacyNamespace(commonEnUS, topologyEnUS),
  },
  'zh-CN': {
    app: appZhCN,
    common: commonZhCN,
    catalog: catalogZhCN,
    monitoring: monitoringZhCN,
    topology: topologyZhCN,
    auth: authZhCN,
    audit: auditZhCN,
    admin: adminZhCN,
    errors: errorsZhCN,
    contract: contractZhCN,
    legacy: legacyNamespace(commonZhCN, topologyZhCN),
  },
} satisfies Record<Language, Record<string, unknown>>;

/**
 * The English resources' types: the keys of every namespace. `routing` and `ratelimit` still add
 * their bundles themselves when their `i18n.ts` is imported (their editors are being rewritten);
 * they are typed here already, so `useTranslation('routing')` works in new code before they move
 * to `locales.ts` files registered above.
 */
export type Resources = (typeof resources)['en-US'] & {
  routing: typeof routingEnUS;
  ratelimit: typeof ratelimitEnUS;
};

/** The namespaces the features use. */
export type Namespace = keyof Resources;

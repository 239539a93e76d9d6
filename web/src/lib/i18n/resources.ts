import { adminEnUS, adminZhCN } from '../../features/admin/locales';
import { auditEnUS, auditZhCN } from '../../features/audit/locales';
import { authEnUS, authZhCN } from '../../features/auth/locales';
import { catalogEnUS, catalogZhCN } from '../../features/catalog/locales';
import { istioConfigEnUS, istioConfigZhCN } from '../../features/istio-config/locales';
import { monitoringEnUS, monitoringZhCN } from '../../features/monitoring/locales';
import { ratelimitEnUS, ratelimitZhCN } from '../../features/ratelimit/locales';
import { releasesEnUS, releasesZhCN } from '../../features/releases/locales';
import { routingEnUS, routingZhCN } from '../../features/routing/locales';
import { rulesEnUS, rulesZhCN } from '../../features/rules/locales';
import { securityEnUS, securityZhCN } from '../../features/security/locales';
import { topologyEnUS, topologyZhCN } from '../../features/topology/locales';
import { appEnUS, appZhCN } from '../../app/locales';
import { contractEnUS, contractZhCN, errorsEnUS, errorsZhCN } from '../messages/locales';
import { commonEnUS, commonZhCN } from './common';
import type { Language } from './languages';

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
    istioConfig: istioConfigEnUS,
    rules: rulesEnUS,
    routing: routingEnUS,
    ratelimit: ratelimitEnUS,
    releases: releasesEnUS,
    security: securityEnUS,
    auth: authEnUS,
    audit: auditEnUS,
    admin: adminEnUS,
    errors: errorsEnUS,
    contract: contractEnUS,
  },
  'zh-CN': {
    app: appZhCN,
    common: commonZhCN,
    catalog: catalogZhCN,
    monitoring: monitoringZhCN,
    topology: topologyZhCN,
    istioConfig: istioConfigZhCN,
    rules: rulesZhCN,
    routing: routingZhCN,
    ratelimit: ratelimitZhCN,
    releases: releasesZhCN,
    security: securityZhCN,
    auth: authZhCN,
    audit: auditZhCN,
    admin: adminZhCN,
    errors: errorsZhCN,
    contract: contractZhCN,
  },
} satisfies Record<Language, Record<string, unknown>>;

/** The English resources' types: the keys of every namespace. */
export type Resources = (typeof resources)['en-US'];

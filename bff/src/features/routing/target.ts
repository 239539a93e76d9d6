import type { ServiceDetail } from '../../contract/catalog';
import type { RouteServiceInfo } from '../../contract/routing-checks';
import type { RpcDialect } from '../../mesh/model';

/** Every kind of rule targets a service the same way; the demo mesh imports it from here. */
export { routeTarget } from '../rules/target';

export function serviceInfo(service: ServiceDetail, dialect: RpcDialect): RouteServiceInfo {
  return {
    protocol: service.protocol,
    dialect,
    versions: service.versionDetails.map((v) => ({ version: v.version, ready: v.ready })),
  };
}

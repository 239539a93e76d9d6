import type { ServiceDetail } from '../../contract/catalog';
import type { RouteServiceInfo } from '../../contract/routing-checks';
import type { RouteTarget, RpcDialect } from '../../mesh/model';
import { VERSION_LABELS } from '../catalog/labels';

/** The label that carries a version on the service's instances (`version` unless they use another). */
function versionLabelKey(service: ServiceDetail, version: string): string {
  for (const p of service.providers) {
    if (p.version !== version) continue;
    const key = VERSION_LABELS.find((k) => p.labels[k] === version);
    if (key) return key;
  }
  return 'version';
}

/** A catalog service as the translation needs it: each version with the labels that select it. */
export function routeTarget(service: ServiceDetail): RouteTarget {
  return {
    id: service.id,
    name: service.name,
    namespace: service.namespace,
    application: service.application,
    protocol: service.protocol,
    host: service.host,
    versions: service.versionDetails.flatMap((v) =>
      v.version === null
        ? []
        : [
            {
              version: v.version,
              labels: { [versionLabelKey(service, v.version)]: v.version },
              readyInstances: v.ready,
            },
          ],
    ),
  };
}

export function serviceInfo(service: ServiceDetail, dialect: RpcDialect): RouteServiceInfo {
  return {
    protocol: service.protocol,
    dialect,
    versions: service.versionDetails.map((v) => ({ version: v.version, ready: v.ready })),
  };
}

import type { ServiceDetail } from '../../contract/catalog';
import { ApiError } from '../../lib/errors';
import type { RouteTarget } from '../../mesh/model';
import { VERSION_LABELS } from '../catalog/labels';

/** The label that carries a version on the service's instances (`version` unless they use another). */
function versionLabelKey(service: ServiceDetail, version: string): string {
  const summary = service.versionDetails.find((v) => v.version === version);
  if (summary?.label) return summary.label;
  for (const p of service.providers) {
    if (p.version !== version) continue;
    const key = VERSION_LABELS.find((k) => p.labels[k] === version);
    if (key) return key;
  }
  return 'version';
}

/** A catalog service as the translation needs it: each version with the labels that select it. */
export function routeTarget(service: ServiceDetail): RouteTarget {
  // A service ID defined in several namespaces belongs to none: rules for it would have to be
  // written into one of them, taking a side the operators have not settled.
  if (service.conflict)
    throw new ApiError(
      409,
      'ServiceConflict',
      `Service ${service.id} is defined in namespaces ${service.conflict.namespaces.join(', ')}: it has no rules until the conflict is resolved (remove or rename all but one definition)`,
    );
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
              instances: service.providers
                .filter((p) => p.version === v.version && p.ready)
                .map((p) => p.labels),
            },
          ],
    ),
  };
}

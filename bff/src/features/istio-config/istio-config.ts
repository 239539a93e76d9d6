import type { MeshObjects } from '../../clients/mesh-objects';
import type { ServiceDetail } from '../../contract/catalog';
import type {
  ConfigServiceRef,
  IstioConfigItem,
  IstioConfigKind,
  IstioConfigList,
  IstioConfigQuery,
} from '../../contract/istio-config';
import { kubeKind } from '../../lib/kube-kind';
import type { KubeKind } from '../../lib/kube-kind';
import { notFound } from '../../lib/errors';
import { checkMeshConfig } from '../../mesh/config-checks';
import type { CheckedObject } from '../../mesh/config-checks';
import type { MeshObject } from '../../mesh/istio-types';
import { managedByOf } from '../../mesh/managed-by';
import { appliesAtOf, namespaceOf } from '../../mesh/rule-scope';
import { toYaml } from '../changes/yaml';
import type { NamespaceScope } from '../auth/scope';
import { GATEWAY_KIND } from '../../mesh/plan';
import { inScope } from '../auth/scope';
import type { CatalogSource } from '../catalog/catalog';

const ISTIO = 'networking.istio.io';

/** The kinds the view lists, read in networking.istio.io/v1 (EnvoyFilter only has v1alpha3). */
const KINDS: Record<IstioConfigKind, KubeKind> = {
  VirtualService: kubeKind(`${ISTIO}/v1`, 'VirtualService', 'virtualservices'),
  DestinationRule: kubeKind(`${ISTIO}/v1`, 'DestinationRule', 'destinationrules'),
  Gateway: GATEWAY_KIND,
  ServiceEntry: kubeKind(`${ISTIO}/v1`, 'ServiceEntry', 'serviceentries'),
  EnvoyFilter: kubeKind(`${ISTIO}/v1alpha3`, 'EnvoyFilter', 'envoyfilters'),
};

interface IstioConfigDeps {
  objects: Pick<MeshObjects, 'list'>;
  catalog: CatalogSource;
}

/**
 * The mesh-wide Istio config view. Every object is judged against the whole mesh (a rule's effect
 * depends on rules elsewhere: an older VirtualService on the same host, a Gateway in istio-system,
 * a DestinationRule exported from the service's namespace), so the objects are listed across all
 * namespaces; the answer holds only the objects of the caller's namespaces, and only services of
 * those namespaces as the objects' services. A check's message may name an object of another
 * namespace when that object decides this one's effect, as the Routes tab shows such rules too.
 */
export class IstioConfigService {
  constructor(private readonly deps: IstioConfigDeps) {}

  async list(query: IstioConfigQuery, scope: NamespaceScope): Promise<IstioConfigList> {
    const view = this.deps.catalog.view();
    let service: ServiceDetail | undefined;
    if (query.service !== undefined) {
      service = view.byId.get(query.service);
      if (!service || !inScope(scope, service.namespace))
        throw notFound(`Service ${query.service} was not found`);
    }

    // An all-namespaces list: client-node's KubernetesObjectApi leaves the namespace out of the
    // path when it is empty (`/apis/networking.istio.io/v1/virtualservices`).
    const [virtualServices, destinationRules, gateways, serviceEntries, envoyFilters] = await Promise.all(
      (Object.keys(KINDS) as IstioConfigKind[]).map((kind) => this.listAll(KINDS[kind])),
    );
    const checked = checkMeshConfig(
      {
        virtualServices: virtualServices ?? [],
        destinationRules: destinationRules ?? [],
        gateways: gateways ?? [],
        serviceEntries: serviceEntries ?? [],
        envoyFilters: envoyFilters ?? [],
      },
      view.services,
    );

    const items = checked
      .filter((c) => inScope(scope, namespaceOf(c.object)))
      .filter((c) => query.namespace === undefined || namespaceOf(c.object) === query.namespace)
      .filter((c) => query.kind === undefined || c.object.kind === query.kind)
      .filter((c) => !service || c.services.some((s) => s.id === service.id))
      .filter((c) => query.severity === undefined || c.checks.some((k) => k.severity === query.severity))
      .map((c) => itemOf(c, scope))
      .sort(byKindNamespaceName);
    const checks = items.flatMap((i) => i.checks);
    return {
      items,
      summary: {
        objects: items.length,
        errors: checks.filter((c) => c.severity === 'error').length,
        warnings: checks.filter((c) => c.severity === 'warning').length,
      },
    };
  }

  /** Every object of a kind in every namespace; none when the kind's CRD is not installed. */
  private async listAll(kind: KubeKind): Promise<MeshObject[]> {
    try {
      return (await this.deps.objects.list(kind, '')) as unknown as MeshObject[];
    } catch (err) {
      if (err instanceof Error && err.message.startsWith(NOT_INSTALLED)) return [];
      throw err;
    }
  }
}

/** client-node's words when discovery does not know a kind: its CRD is not installed. */
const NOT_INSTALLED = 'Unrecognized API version and kind';

function itemOf(checked: CheckedObject, scope: NamespaceScope): IstioConfigItem {
  const o = checked.object;
  const spec = o.spec;
  const hosts =
    o.kind === 'DestinationRule'
      ? typeof spec.host === 'string'
        ? [spec.host]
        : []
      : Array.isArray(spec.hosts)
        ? spec.hosts.filter((h): h is string => typeof h === 'string')
        : [];
  const at = o.kind === 'VirtualService' ? appliesAtOf(o) : null;
  const services: ConfigServiceRef[] = checked.services
    .filter((s) => inScope(scope, s.namespace))
    .map((s) => ({ id: s.id, namespace: s.namespace, name: s.name }));
  return {
    ref: { apiVersion: o.apiVersion, kind: o.kind, namespace: namespaceOf(o), name: o.metadata.name },
    ...(o.metadata.creationTimestamp ? { createdAt: o.metadata.creationTimestamp } : {}),
    hosts,
    gateways: at ? [...(at.mesh && at.gateways.length > 0 ? ['mesh'] : []), ...at.gateways] : [],
    services,
    managedBy: managedByOf(o),
    checks: checked.checks,
    yaml: toYaml(o),
  };
}

const KIND_ORDER = Object.keys(KINDS);

function byKindNamespaceName(a: IstioConfigItem, b: IstioConfigItem): number {
  return (
    KIND_ORDER.indexOf(a.ref.kind) - KIND_ORDER.indexOf(b.ref.kind) ||
    a.ref.namespace.localeCompare(b.ref.namespace) ||
    a.ref.name.localeCompare(b.ref.name)
  );
}

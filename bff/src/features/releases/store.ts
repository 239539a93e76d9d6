import type { KubeClient } from '../../clients/kube';
import { isKubeStatus, toApiError } from '../../clients/kube-errors';
import { ApiError, notFound } from '../../lib/errors';
import { RELEASE_GROUP, RELEASE_KIND, RELEASE_PLURAL, RELEASE_VERSION } from './crd';
import type { ReleaseObject, ReleaseObjectSpec, ReleaseObjectStatus } from './crd';

const resource = { group: RELEASE_GROUP, version: RELEASE_VERSION, plural: RELEASE_PLURAL };

/** A conflict on a release's status: someone recorded a newer one since it was read. */
export class ReleaseConflict extends ApiError {
  constructor(name: string) {
    super(409, 'Conflict', `Release ${name} was changed by someone else meanwhile; reload it and try again`);
  }
}

const newestFirst = (a: ReleaseObject, b: ReleaseObject) =>
  (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
  a.metadata.name.localeCompare(b.metadata.name);

/**
 * Release objects in the control plane. The object is created as the user who starts the release
 * (`kube`, impersonating on a real cluster, so RBAC decides); its status is the console's own
 * record (`own`: the service account). Status writes carry the resourceVersion they were based on:
 * a conflict is a `ReleaseConflict`, never a silent overwrite.
 */
export class ReleaseStore {
  constructor(
    private readonly kube: KubeClient,
    private readonly own: KubeClient,
  ) {}

  async create(
    namespace: string,
    name: string,
    spec: ReleaseObjectSpec,
    status: ReleaseObjectStatus,
    labels: Record<string, string> = {},
  ): Promise<ReleaseObject> {
    const body: ReleaseObject = {
      apiVersion: `${RELEASE_GROUP}/${RELEASE_VERSION}`,
      kind: RELEASE_KIND,
      metadata: { name, namespace, labels },
      spec,
    };
    let created: ReleaseObject;
    try {
      created = (await this.kube.custom.createNamespacedCustomObject({
        ...resource,
        namespace,
        body,
      })) as ReleaseObject;
    } catch (err) {
      if (isKubeStatus(err, 409))
        throw new ApiError(
          409,
          'AlreadyExists',
          `Release ${name} already exists in namespace ${namespace}; choose another name`,
          'name',
        );
      throw toApiError(err, `Release ${name}`) ?? err;
    }
    return this.updateStatus(created, status);
  }

  async get(namespace: string, name: string): Promise<ReleaseObject> {
    const found = await this.find(namespace, name);
    if (!found) throw notFound(`Release ${name} was not found`);
    return found;
  }

  async find(namespace: string, name: string): Promise<ReleaseObject | undefined> {
    try {
      return (await this.own.custom.getNamespacedCustomObject({
        ...resource,
        namespace,
        name,
      })) as ReleaseObject;
    } catch (err) {
      if (isKubeStatus(err, 404)) return undefined;
      throw toApiError(err, `Release ${name}`) ?? err;
    }
  }

  /** The releases of a namespace (every namespace when omitted), newest first. */
  async list(namespace?: string): Promise<ReleaseObject[]> {
    try {
      const list = (
        namespace === undefined
          ? await this.own.custom.listClusterCustomObject(resource)
          : await this.own.custom.listNamespacedCustomObject({ ...resource, namespace })
      ) as { items?: ReleaseObject[] };
      return (list.items ?? []).sort(newestFirst);
    } catch (err) {
      // Without the CRD installed there are no releases (a cluster installed before issue 17).
      if (isKubeStatus(err, 404)) return [];
      throw toApiError(err, 'the releases') ?? err;
    }
  }

  /** Records a status on the version `release` was read at; a newer version is a ReleaseConflict. */
  async updateStatus(release: ReleaseObject, status: ReleaseObjectStatus): Promise<ReleaseObject> {
    const { name, namespace } = release.metadata;
    try {
      return (await this.own.custom.replaceNamespacedCustomObjectStatus({
        ...resource,
        namespace,
        name,
        body: { ...release, status },
      })) as ReleaseObject;
    } catch (err) {
      if (isKubeStatus(err, 409)) throw new ReleaseConflict(name);
      throw toApiError(err, `Release ${name}`) ?? err;
    }
  }
}

import { createHash } from 'node:crypto';
import type { ResolvedResource, ResourceRegistry } from '../registry/registry';
import type { JsonSchema } from '../registry/resource-type';
import { resourceNotFound } from '../status-error';
import { resourceKey } from '../types';

/**
 * OpenAPI v3 documents generated from the served schemas. kubectl needs them: before it sends
 * `fieldValidation=Strict` it looks for that parameter on the PATCH operation of the kind's path
 * (matched by `x-kubernetes-group-version-kind`); without a v3 document it would fall back to the
 * protobuf-only /openapi/v2 and refuse to apply. `kubectl explain` reads the schemas too.
 */

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const stringMap = { type: 'object', additionalProperties: { type: 'string', default: '' } };

const META_SCHEMAS: Record<string, JsonSchema> = {
  [`${META}.ObjectMeta`]: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      generateName: { type: 'string' },
      namespace: { type: 'string' },
      uid: { type: 'string' },
      resourceVersion: { type: 'string' },
      generation: { type: 'integer', format: 'int64' },
      creationTimestamp: { type: 'string', format: 'date-time' },
      deletionTimestamp: { type: 'string', format: 'date-time' },
      labels: stringMap,
      annotations: stringMap,
      finalizers: { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'set' },
      ownerReferences: {
        type: 'array',
        items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
      managedFields: {
        type: 'array',
        items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
  [`${META}.ListMeta`]: {
    type: 'object',
    properties: {
      resourceVersion: { type: 'string' },
      continue: { type: 'string' },
      remainingItemCount: { type: 'integer' },
    },
  },
  [`${META}.Status`]: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: ref(`${META}.ListMeta`),
      status: { type: 'string' },
      message: { type: 'string' },
      reason: { type: 'string' },
      code: { type: 'integer', format: 'int32' },
      details: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
  },
  [`${META}.DeleteOptions`]: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      dryRun: { type: 'array', items: { type: 'string' } },
      gracePeriodSeconds: { type: 'integer', format: 'int64' },
      preconditions: {
        type: 'object',
        properties: { resourceVersion: { type: 'string' }, uid: { type: 'string' } },
      },
      propagationPolicy: { type: 'string' },
    },
  },
  [`${META}.Patch`]: { type: 'object' },
  [`${META}.WatchEvent`]: {
    type: 'object',
    required: ['type', 'object'],
    properties: {
      type: { type: 'string' },
      object: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  },
};

/**
 * `networking.istio.io` → `io.istio.networking`; the core group is `io.k8s.api.core`, and the
 * built-in groups are named as kube-apiserver names them (`io.k8s.api.apps`, `io.k8s.api.discovery`).
 */
function schemaPrefix(group: string, version: string): string {
  if (group === '') return `io.k8s.api.core.${version}`;
  if (group === 'apps') return `io.k8s.api.apps.${version}`;
  if (group === 'apiextensions.k8s.io')
    return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  if (group.endsWith('.k8s.io') && !group.includes('x-k8s') && group.split('.').length === 3)
    return `io.k8s.api.${group.split('.')[0] ?? group}.${version}`;
  return `${group.split('.').reverse().join('.')}.${version}`;
}

function queryParam(name: string, type = 'string', uniqueItems = true) {
  return { name, in: 'query', schema: { type, uniqueItems } };
}

const WRITE_PARAMS = [queryParam('dryRun'), queryParam('fieldManager'), queryParam('fieldValidation')];
const LIST_PARAMS = [
  queryParam('allowWatchBookmarks', 'boolean'),
  queryParam('continue'),
  queryParam('fieldSelector'),
  queryParam('labelSelector'),
  queryParam('limit', 'integer'),
  queryParam('resourceVersion'),
  queryParam('resourceVersionMatch'),
  queryParam('sendInitialEvents', 'boolean'),
  queryParam('timeoutSeconds', 'integer'),
  queryParam('watch', 'boolean'),
];
const pathParam = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string', uniqueItems: true },
});

function jsonContent(schemaRef: object) {
  return { 'application/json': { schema: schemaRef }, 'application/yaml': { schema: schemaRef } };
}

function operation(
  action: string,
  id: string,
  gvk: { group: string; version: string; kind: string },
  response: object,
  extra: object = {},
) {
  return {
    operationId: id,
    responses: { '200': { description: 'OK', content: jsonContent(response) } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  };
}

function resourcePaths(
  { type, version }: ResolvedResource,
  prefix: string,
  names: { kind: string; list: string },
) {
  const gvk = { group: type.group, version: version.name, kind: type.kind };
  const base = type.group === '' ? `/api/${version.name}` : `/apis/${type.group}/${version.name}`;
  const collection = type.namespaced
    ? `${base}/namespaces/{namespace}/${type.plural}`
    : `${base}/${type.plural}`;
  const item = `${collection}/{name}`;
  const scopeParams = type.namespaced ? [pathParam('namespace')] : [];
  const id = `${type.kind}${version.name}`;
  const obj = ref(`${prefix}.${names.kind}`);
  const patchContent: Record<string, object> = {
    'application/json-patch+json': { schema: ref(`${META}.Patch`) },
    'application/merge-patch+json': { schema: ref(`${META}.Patch`) },
    'application/apply-patch+yaml': { schema: ref(`${META}.Patch`) },
  };
  const body = { requestBody: { content: jsonContent(obj), required: true } };
  const paths: Record<string, object> = {
    [collection]: {
      get: operation('list', `list${id}`, gvk, ref(`${prefix}.${names.list}`), { parameters: LIST_PARAMS }),
      post: operation('post', `create${id}`, gvk, obj, { parameters: WRITE_PARAMS, ...body }),
      ...(resourceKey(type) === 'namespaces'
        ? {}
        : {
            delete: operation('deletecollection', `deleteCollection${id}`, gvk, ref(`${META}.Status`), {
              parameters: LIST_PARAMS,
            }),
          }),
      parameters: scopeParams,
    },
    [item]: {
      get: operation('get', `read${id}`, gvk, obj),
      put: operation('put', `replace${id}`, gvk, obj, { parameters: WRITE_PARAMS, ...body }),
      patch: operation('patch', `patch${id}`, gvk, obj, {
        parameters: [...WRITE_PARAMS, queryParam('force', 'boolean')],
        requestBody: { content: patchContent, required: true },
      }),
      delete: operation('delete', `delete${id}`, gvk, ref(`${META}.Status`), {
        parameters: [
          queryParam('dryRun'),
          queryParam('gracePeriodSeconds', 'integer'),
          queryParam('propagationPolicy'),
        ],
        requestBody: { content: jsonContent(ref(`${META}.DeleteOptions`)) },
      }),
      parameters: [pathParam('name'), ...scopeParams],
    },
  };
  if (type.statusSubresource) {
    paths[`${item}/status`] = {
      get: operation('get', `read${id}Status`, gvk, obj),
      put: operation('put', `replace${id}Status`, gvk, obj, { parameters: WRITE_PARAMS, ...body }),
      patch: operation('patch', `patch${id}Status`, gvk, obj, {
        parameters: [...WRITE_PARAMS, queryParam('force', 'boolean')],
        requestBody: { content: patchContent, required: true },
      }),
      parameters: [pathParam('name'), ...scopeParams],
    };
  }
  if (type.namespaced) {
    paths[`${base}/${type.plural}`] = {
      get: operation('list', `list${id}ForAllNamespaces`, gvk, ref(`${prefix}.${names.list}`), {
        parameters: LIST_PARAMS,
      }),
    };
  }
  return paths;
}

function objectSchema({ type, version }: ResolvedResource): JsonSchema {
  const schema = structuredClone(
    version.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  );
  const properties = (
    typeof schema.properties === 'object' && schema.properties !== null ? schema.properties : {}
  ) as Record<string, unknown>;
  return {
    ...schema,
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { allOf: [ref(`${META}.ObjectMeta`)], default: {} },
      ...properties,
    },
    'x-kubernetes-group-version-kind': [{ group: type.group, kind: type.kind, version: version.name }],
  };
}

function listSchema({ type, version }: ResolvedResource, itemRef: string): JsonSchema {
  return {
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      items: { type: 'array', items: ref(itemRef) },
      metadata: { allOf: [ref(`${META}.ListMeta`)], default: {} },
    },
    'x-kubernetes-group-version-kind': [{ group: type.group, kind: type.listKind, version: version.name }],
  };
}

/** The OpenAPI v3 document of one group version, as served at /openapi/v3/apis/{group}/{version}. */
function groupVersionDocument(registry: ResourceRegistry, group: string, version: string) {
  const served = registry.inGroupVersion(group, version);
  if (served.length === 0) throw resourceNotFound();
  const prefix = schemaPrefix(group, version);
  const schemas: Record<string, JsonSchema> = { ...META_SCHEMAS };
  let paths: Record<string, object> = {};
  for (const resolved of served) {
    const names = { kind: resolved.type.kind, list: resolved.type.listKind };
    schemas[`${prefix}.${names.kind}`] = objectSchema(resolved);
    schemas[`${prefix}.${names.list}`] = listSchema(resolved, `${prefix}.${names.kind}`);
    paths = { ...paths, ...resourcePaths(resolved, prefix, names) };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-mesh-console-embedded' },
    paths,
    components: { schemas },
  };
}

/**
 * The document of every served group version, keyed as the /openapi/v3 index names them, with its
 * hash. Documents are built on first use and rebuilt after the registry changes (a CRD was created,
 * updated or deleted); the hash is of the content, so only the documents that changed get a new one.
 */
export class OpenApiV3 {
  private readonly documents = new Map<string, { json: string; hash: string }>();
  private builtFor: number;

  constructor(private readonly registry: ResourceRegistry) {
    this.builtFor = registry.generation;
  }

  private key(group: string, version: string): string {
    return group === '' ? `api/${version}` : `apis/${group}/${version}`;
  }

  document(group: string, version: string): string {
    if (this.builtFor !== this.registry.generation) {
      this.documents.clear();
      this.builtFor = this.registry.generation;
    }
    const key = this.key(group, version);
    let doc = this.documents.get(key);
    if (!doc) {
      const json = JSON.stringify(groupVersionDocument(this.registry, group, version));
      doc = { json, hash: createHash('sha512').update(json).digest('hex').slice(0, 128).toUpperCase() };
      this.documents.set(key, doc);
    }
    return doc.json;
  }

  index(): { paths: Record<string, { serverRelativeURL: string }> } {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    const gvs: [string, string][] = [
      ['', 'v1'],
      ...this.registry.groups().flatMap((g) => g.versions.map((v): [string, string] => [g.name, v])),
    ];
    for (const [group, version] of gvs) {
      try {
        this.document(group, version);
      } catch {
        continue;
      }
      const key = this.key(group, version);
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${this.documents.get(key)?.hash ?? ''}` };
    }
    return { paths };
  }
}

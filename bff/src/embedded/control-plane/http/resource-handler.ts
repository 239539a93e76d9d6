import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from '../auth/attributes';
import { ADMIN_USER, isMaster } from '../auth/attributes';
import type { ResolvedResource } from '../registry/registry';
import {
  StatusError,
  badRequest,
  invalid,
  methodNotAllowed,
  resourceNotFound,
  unsupportedMediaType,
} from '../status-error';
import type { DeleteOptions, FieldValidation, KubeResource, KubeObject, UpdateOptions } from '../types';
import { apiVersionOf, isRecord, resourceKey } from '../types';
import { parseObjectBody, parseOptionalJson, parsePatchBody, readBody } from './body';
import { parseLimit } from '../store/list-chunk';
import { jsonPatch, mergePatch, strategicMergePatch } from '../store/patch';
import { getScale, updateScale } from '../store/scale';
import type { FieldManagerOptions } from '../store/managed-fields';
import type { ApiContext } from './context';
import type { ResponseFormat } from './negotiate';
import { negotiate } from './negotiate';
import { sendJson, sendRawJson, sendYaml, setWarnings } from './respond';
import type { ResourceRoute } from './routes';
import type { IncludeObject } from './table';
import { buildTable } from './table';
import { serveWatch } from './watch';

const isTrue = (v: string | null) => v === 'true' || v === '1';

function dryRunOf(values: string[]): boolean {
  for (const v of values)
    if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

function fieldValidationOf(query: URLSearchParams): FieldValidation | undefined {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return undefined;
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(
    `fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
  );
}

/** The request's field manager: `fieldManager`, else the User-Agent's product name, as kube-apiserver. */
function fieldManagerOf(query: URLSearchParams, userAgent: string | undefined): string | undefined {
  const given = query.get('fieldManager');
  if (given !== null && given !== '') {
    if (given.length > 128 || /[^\x20-\x7e]/.test(given))
      throw badRequest(
        `fieldManager: Invalid value: ${JSON.stringify(given)}: must be less than 128 printable characters`,
      );
    return given;
  }
  const product = userAgent?.split('/')[0]?.trim();
  return product ? product.slice(0, 128) : undefined;
}

function forceOf(value: string | null): boolean | undefined {
  if (value === null || value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw badRequest(`force: Invalid value: "${value}": must be true or false`);
}

function includeOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function partialMetadata(object: KubeObject, version: string) {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: object.metadata };
}

function sendObject(
  res: ServerResponse,
  code: number,
  format: ResponseFormat,
  resolved: ResolvedResource,
  object: KubeObject,
  include: IncludeObject,
) {
  switch (format.kind) {
    case 'table':
      return sendJson(
        res,
        code,
        buildTable(resolved, [object], {
          include,
          metaVersion: format.version,
          withColumns: true,
          resourceVersion: object.metadata.resourceVersion,
        }),
        `application/json;as=Table;v=${format.version};g=meta.k8s.io`,
      );
    case 'partial-metadata':
      return sendJson(res, code, partialMetadata(object, format.version));
    case 'yaml':
      return sendYaml(res, code, object);
    case 'json':
      return sendJson(res, code, object);
  }
}

/** A list's metadata: its resourceVersion, and for a page, where the next starts and how many remain. */
interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

function listMeta(result: ListMeta): ListMeta {
  const meta: ListMeta = { resourceVersion: result.resourceVersion };
  if (result.continue) meta.continue = result.continue;
  if (result.remainingItemCount !== undefined) meta.remainingItemCount = result.remainingItemCount;
  return meta;
}

function sendList(
  res: ServerResponse,
  format: ResponseFormat,
  resolved: ResolvedResource,
  gvr: KubeResource,
  items: KubeObject[],
  meta: ListMeta,
  include: IncludeObject,
) {
  switch (format.kind) {
    case 'table': {
      const table = buildTable(resolved, items, {
        include,
        metaVersion: format.version,
        withColumns: true,
        resourceVersion: meta.resourceVersion,
      });
      return sendJson(
        res,
        200,
        { ...table, metadata: meta },
        `application/json;as=Table;v=${format.version};g=meta.k8s.io`,
      );
    }
    case 'partial-metadata':
      return sendJson(res, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: `meta.k8s.io/${format.version}`,
        metadata: meta,
        items: items.map((o) => partialMetadata(o, format.version)),
      });
    default: {
      const list = {
        apiVersion: apiVersionOf(gvr.group, gvr.version),
        kind: resolved.type.listKind,
        metadata: meta,
        items,
      };
      return format.kind === 'yaml' ? sendYaml(res, 200, list) : sendJson(res, 200, list);
    }
  }
}

function exists(ctx: ApiContext, gvr: KubeResource, namespace: string | undefined, name: string): boolean {
  try {
    ctx.store.get(gvr, namespace, name);
    return true;
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return false;
    throw err;
  }
}

/** DeleteOptions from the body (preconditions, dryRun) merged with the query's dryRun. */
const PROPAGATION_POLICIES = ['Background', 'Foreground', 'Orphan'] as const;

function propagationPolicyOf(value: unknown): DeleteOptions['propagationPolicy'] {
  if (value === undefined || value === null || value === '') return undefined;
  const policy = PROPAGATION_POLICIES.find((p) => p === value);
  if (!policy)
    throw badRequest(
      `propagationPolicy: Unsupported value: ${JSON.stringify(value)}: supported values: "Foreground", "Background", "Orphan"`,
    );
  return policy;
}

function deleteOptionsOf(body: unknown, query: URLSearchParams): DeleteOptions {
  const options: DeleteOptions = { dryRun: dryRunOf(query.getAll('dryRun')) };
  const fromQuery = propagationPolicyOf(query.get('propagationPolicy') ?? undefined);
  if (fromQuery) options.propagationPolicy = fromQuery;
  if (body === undefined) return options;
  const fromBody =
    propagationPolicyOf(
      body && typeof body === 'object' ? (body as Record<string, unknown>).propagationPolicy : undefined,
    ) ?? (isRecord(body) && body.orphanDependents === true ? 'Orphan' : undefined);
  if (fromBody) options.propagationPolicy = fromBody;
  if (!isRecord(body)) throw badRequest('the request body must be a DeleteOptions object');
  if (Array.isArray(body.dryRun)) options.dryRun = dryRunOf(body.dryRun.map(String)) || options.dryRun;
  if (isRecord(body.preconditions)) {
    const { uid, resourceVersion } = body.preconditions;
    if (typeof uid === 'string') options.uid = uid;
    if (typeof resourceVersion === 'string') options.resourceVersion = resourceVersion;
  }
  return options;
}

/** `/scale`: GET, PUT and PATCH of the autoscaling/v1 Scale of a kind that declares one. */
async function serveScale(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  gvr: KubeResource,
  namespace: string | undefined,
  name: string,
  query: URLSearchParams,
): Promise<void> {
  const format = negotiate(req.headers.accept, false);
  const send = (code: number, body: unknown) =>
    format.kind === 'yaml' ? sendYaml(res, code, body) : sendJson(res, code, body);
  const method = req.method ?? 'GET';
  if (method === 'GET') return send(200, getScale(ctx.store, gvr, namespace, name));
  if (method !== 'PUT' && method !== 'PATCH') throw methodNotAllowed();
  const body = await readBody(req);
  const options = {
    dryRun: dryRunOf(query.getAll('dryRun')),
    fieldManager: fieldManagerOf(query, req.headers['user-agent']),
  };
  let scale: unknown;
  if (method === 'PUT') {
    scale = parseObjectBody(req, body);
  } else {
    const { patchType, patch } = parsePatchBody(req, body);
    const current = getScale(ctx.store, gvr, namespace, name);
    if (patchType === 'json') scale = jsonPatch(current, patch);
    else if (patchType === 'merge') scale = mergePatch(current, patch);
    else if (patchType === 'strategic') scale = strategicMergePatch(current, patch);
    else throw unsupportedMediaType('application/apply-patch+yaml', ['application/merge-patch+json']);
  }
  return send(200, updateScale(ctx.store, gvr, namespace, name, scale, options));
}

export async function handleResource(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: ResourceRoute,
  query: URLSearchParams,
  user: UserInfo = ADMIN_USER,
): Promise<void> {
  const gvr: KubeResource = { group: route.group, version: route.version, plural: route.plural };
  const resolved = ctx.registry.find(gvr);
  if (!resolved) throw resourceNotFound();
  const { type } = resolved;
  if (!type.namespaced && route.namespace !== undefined) throw resourceNotFound();
  if (type.namespaced && route.namespace === undefined && route.name !== undefined) throw resourceNotFound();
  if (route.subresource === 'scale' && type.scale && route.name !== undefined)
    return serveScale(ctx, req, res, gvr, route.namespace, route.name, query);
  if (route.subresource !== undefined && (route.subresource !== 'status' || !type.statusSubresource))
    throw resourceNotFound();
  const subresource = route.subresource === 'status' ? 'status' : undefined;

  const { store } = ctx;
  const method = req.method ?? 'GET';
  const format = negotiate(req.headers.accept, true);
  const include = includeOf(query);
  const warnings: string[] = [];
  const writeOptions = (): UpdateOptions & FieldManagerOptions => ({
    dryRun: dryRunOf(query.getAll('dryRun')),
    fieldValidation: fieldValidationOf(query),
    onWarning: (w) => warnings.push(w),
    subresource,
    fieldManager: fieldManagerOf(query, req.headers['user-agent']),
    force: forceOf(query.get('force')),
  });
  const ns = route.namespace;
  const listOptions = {
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
  };

  if (method === 'GET') {
    if (route.legacyWatch || isTrue(query.get('watch'))) {
      if (subresource) throw methodNotAllowed();
      return serveWatch(ctx, req, res, {
        gvr,
        resolved,
        namespace: ns,
        name: route.name,
        query,
        format,
        include,
      });
    }
    if (route.name === undefined) {
      const pageOptions = {
        ...listOptions,
        limit: parseLimit(query.get('limit')),
        continue: query.get('continue') ?? undefined,
      };
      if (format.kind === 'json') {
        // The objects' stored JSON as it is: informers list 100,000 Pods this way.
        const body = store.listJson(gvr, ns, pageOptions, (meta) => ({
          apiVersion: apiVersionOf(gvr.group, gvr.version),
          kind: resolved.type.listKind,
          metadata: listMeta(meta),
        }));
        res.setHeader('Cache-Control', 'no-cache, private');
        return sendRawJson(res, 200, body);
      }
      const page = store.list(gvr, ns, pageOptions);
      return sendList(res, format, resolved, gvr, page.items, listMeta(page), include);
    }
    return sendObject(res, 200, format, resolved, store.get(gvr, ns, route.name), include);
  }

  if (route.legacyWatch) throw methodNotAllowed();
  const body = await readBody(req);

  if (method === 'POST' && route.name === undefined) {
    const created = store.create(gvr, ns, parseObjectBody(req, body), writeOptions());
    setWarnings(res, warnings);
    return sendObject(res, 201, format, resolved, created, include);
  }
  if (route.name === undefined) {
    if (method === 'DELETE' && !subresource && resourceKey(type) !== 'namespaces') {
      const options = deleteOptionsOf(parseOptionalJson(body), query);
      const { items, resourceVersion } = store.deleteCollection(gvr, ns, listOptions, options);
      return sendList(res, format, resolved, gvr, items, { resourceVersion }, include);
    }
    throw methodNotAllowed();
  }
  const name = route.name;
  switch (method) {
    case 'PUT': {
      const updated = store.update(gvr, ns, name, parseObjectBody(req, body), writeOptions());
      setWarnings(res, warnings);
      return sendObject(res, 200, format, resolved, updated, include);
    }
    case 'PATCH': {
      const { patchType, patch } = parsePatchBody(req, body);
      const options = writeOptions();
      if (patchType === 'apply') {
        // An apply names its manager; the User-Agent default is for other writes only.
        options.fieldManager = query.get('fieldManager') || undefined;
      } else if (options.force !== undefined) {
        throw invalid('PatchOptions', 'meta.k8s.io', '', [
          {
            reason: 'FieldValueForbidden',
            field: 'force',
            message: 'Forbidden: may not be specified for non-apply patch',
          },
        ]);
      }
      // An apply that creates the object answers 201, as kube-apiserver (checked and written in one tick).
      const created = patchType === 'apply' && !subresource && !exists(ctx, gvr, ns, name);
      // An apply that creates is also a create, and kube-apiserver authorizes it as one.
      if (created && !isMaster(user))
        ctx.auth.authorize(user, {
          kind: 'resource',
          verb: 'create',
          group: route.group,
          resource: route.plural,
          subresource: '',
          namespace: ns ?? '',
          name,
        });
      const patched = store.patch(gvr, ns, name, patchType, patch, options);
      setWarnings(res, warnings);
      return sendObject(res, created ? 201 : 200, format, resolved, patched, include);
    }
    case 'DELETE': {
      if (subresource) throw methodNotAllowed();
      const deleted = store.delete(gvr, ns, name, deleteOptionsOf(parseOptionalJson(body), query));
      return sendObject(res, 200, format, resolved, deleted, include);
    }
    default:
      throw methodNotAllowed();
  }
}

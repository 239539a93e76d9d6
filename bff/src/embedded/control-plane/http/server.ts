import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { StatusError, internalError, methodNotAllowed, resourceNotFound } from '../status-error';
import type { ApiContext } from './context';
import {
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
  rootPaths,
  versionInfo,
} from './discovery';
import { isMaster } from '../auth/attributes';
import { attributesOf, unauthorized } from '../auth/request-auth';
import { handleVirtualResource } from './auth-reviews';
import { handleTokenRequest } from './token-request';
import { negotiate } from './negotiate';
import { OPENAPI_V2_PROTOBUF, openApiV2For } from './openapi-v2';
import { handleResource } from './resource-handler';
import { sendJson, sendRawJson, sendText } from './respond';
import { parseRoute } from './routes';

function serverAddress(req: IncomingMessage): string {
  const { localAddress, localPort } = req.socket;
  const host = localAddress?.includes(':') ? `[${localAddress}]` : (localAddress ?? '127.0.0.1');
  return `${host}:${localPort ?? 0}`;
}

async function route(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const r = parseRoute(url.pathname);
  // Probes and /version answer without a token, like a kube-apiserver's anonymous defaults.
  if (r.kind === 'health') return sendText(res, 200, 'ok');
  if (r.kind === 'version') return sendJson(res, 200, versionInfo(ctx.startedAt));
  const caller = ctx.auth.authenticate(req);
  if (!caller) throw unauthorized();
  const user = ctx.auth.impersonate(req, caller);
  // Watches and chunked lists are authorized here, once, when they start.
  if (!isMaster(user)) ctx.auth.authorize(user, attributesOf(r, req.method ?? 'GET', url));
  if (r.kind === 'resource') {
    if (
      r.subresource === 'token' &&
      r.group === '' &&
      r.plural === 'serviceaccounts' &&
      r.namespace &&
      r.name
    )
      return handleTokenRequest(ctx, req, res, r.namespace, r.name);
    return handleResource(ctx, req, res, r, url.searchParams, user);
  }
  if (r.kind === 'virtual') return handleVirtualResource(ctx, req, res, r.resource, user);
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
  if (r.kind === 'openapi-v2') return serveOpenApiV2(ctx, req, res);
  // Discovery answers the legacy documents; a client asking for aggregated discovery alone gets 406.
  negotiate(req.headers.accept, false);
  switch (r.kind) {
    case 'root':
      return sendJson(res, 200, rootPaths(ctx.registry));
    case 'api':
      return sendJson(res, 200, apiVersions(serverAddress(req)));
    case 'apis':
      return sendJson(res, 200, apiGroupList(ctx.registry));
    case 'group':
      return sendJson(res, 200, apiGroupDocument(ctx.registry, r.group));
    case 'group-version':
      return sendJson(res, 200, apiResourceList(ctx.registry, r.group, r.version));
    case 'openapi-v3-index':
      return sendJson(res, 200, ctx.openapi.index());
    case 'openapi-v3':
      return sendRawJson(res, 200, ctx.openapi.document(r.group, r.version));
    default:
      throw resourceNotFound();
  }
}

/** /openapi/v2: protobuf (what kubectl asks for) or JSON, whichever the Accept header lists first. */
function serveOpenApiV2(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): void {
  const accepted = (req.headers.accept ?? '*/*')
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
  const v2 = openApiV2For(ctx.openapi);
  for (const type of accepted) {
    if (type === OPENAPI_V2_PROTOBUF) {
      const body = v2.protobuf();
      res.statusCode = 200;
      // As kube-openapi: the media type has an '@', which Go's mime parser refuses in a Content-Type.
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Content-Length', body.length);
      res.end(body);
      return;
    }
    if (type === 'application/json' || type === '*/*' || type === 'application/*' || type === '')
      return sendRawJson(res, 200, v2.json());
  }
  throw new StatusError(
    406,
    'NotAcceptable',
    `only the following media types are accepted: application/json, ${OPENAPI_V2_PROTOBUF}`,
  );
}

function sendError(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  let status;
  if (err instanceof StatusError) {
    status = err.status;
  } else {
    // Never a stack trace or an internal message in a response; the log has it.
    ctx.logger.error({ err, method: req.method, url: req.url }, 'request failed');
    status = internalError().status;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status.code === 413) res.setHeader('Connection', 'close');
  sendJson(res, status.code, status);
}

/** The API's request handler: whatever a request carries, it cannot take the server down. */
export function createRequestHandler(ctx: ApiContext): RequestListener {
  return (req, res) => {
    const started = performance.now();
    req.on('error', (err) => ctx.logger.debug({ err }, 'request stream error'));
    res.on('finish', () =>
      ctx.logger.debug(
        {
          method: req.method,
          url: req.url?.split('?')[0],
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      ),
    );
    route(ctx, req, res).catch((err: unknown) => {
      try {
        sendError(ctx, req, res, err);
      } catch (sendErr) {
        ctx.logger.error({ err: sendErr }, 'could not send an error response');
        res.destroy();
      }
    });
  };
}

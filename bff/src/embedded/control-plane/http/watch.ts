import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedResource } from '../registry/registry';
import { StatusError, badRequest } from '../status-error';
import type { KubeResource, WatchEvent } from '../types';
import { apiVersionOf } from '../types';
import type { ApiContext } from './context';
import type { ResponseFormat } from './negotiate';
import type { IncludeObject } from './table';
import { buildTable } from './table';

/** A watcher that stops reading is cut off rather than buffered without limit; it re-watches from its last resourceVersion. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface WatchRequest {
  gvr: KubeResource;
  resolved: ResolvedResource;
  namespace: string | undefined;
  /** Watching one object (`.../name?watch=1`) is a watch with a metadata.name field selector. */
  name: string | undefined;
  query: URLSearchParams;
  format: ResponseFormat;
  include: IncludeObject;
}

function timeoutMs(query: URLSearchParams): number {
  const raw = query.get('timeoutSeconds');
  if (raw === null || raw === '') {
    // kube-apiserver spreads watch lifetimes over 30-60 minutes so clients do not reconnect in step.
    return (1800 + Math.floor(Math.random() * 1800)) * 1000;
  }
  if (!/^\d+$/.test(raw))
    throw badRequest(`timeoutSeconds: Invalid value: "${raw}": must be a non-negative integer`);
  return Number(raw) * 1000;
}

const isTrue = (v: string | null) => v === 'true' || v === '1';

/**
 * Streams watch events, one JSON object per line, until the timeout, the client leaves, or the
 * server closes. Errors found before the first byte (bad selector) become ordinary error responses;
 * a resourceVersion too old becomes an ERROR event carrying 410 Expired, as kube-apiserver sends it.
 */
export function serveWatch(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  w: WatchRequest,
): void {
  const { query, resolved, gvr } = w;
  const timeout = timeoutMs(query);
  const bookmarks = isTrue(query.get('allowWatchBookmarks'));
  const sendInitialEvents = query.get('sendInitialEvents');
  let resourceVersion = query.get('resourceVersion') ?? undefined;
  if (sendInitialEvents === 'true') resourceVersion = undefined;
  else if (sendInitialEvents === 'false' && !resourceVersion) resourceVersion = ctx.store.resourceVersion;
  const fieldSelectors = [query.get('fieldSelector') ?? '', w.name ? `metadata.name=${w.name}` : ''].filter(
    Boolean,
  );
  const apiVersion = apiVersionOf(gvr.group, gvr.version);
  const table = w.format.kind === 'table' ? w.format : undefined;

  let closed = false;
  let firstObject = true;
  let unsubscribe: (() => void) | undefined;
  const timers: { bookmark?: NodeJS.Timeout; timeout?: NodeJS.Timeout } = {};

  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(timers.bookmark);
    clearTimeout(timers.timeout);
    unsubscribe?.();
    ctx.watches.delete(close);
    if (!res.writableEnded) res.end();
  };

  const write = (type: string, object: unknown) => {
    if (closed) return;
    res.write(`${JSON.stringify({ type, object })}\n`);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      ctx.logger.warn({ resource: resolved.type.plural }, 'watch client is not reading; closing its watch');
      close();
    }
  };

  const sendEvent = (event: WatchEvent) => {
    if (!table) return write(event.type, event.object);
    // kubectl get -w: each object as a one-row Table, the column definitions only in the first.
    write(
      event.type,
      buildTable(resolved, [event.object], {
        include: w.include,
        metaVersion: table.version,
        withColumns: firstObject,
      }),
    );
    firstObject = false;
  };

  const bookmark = (rv: string, annotations?: Record<string, string>) =>
    write('BOOKMARK', {
      kind: resolved.type.kind,
      apiVersion,
      metadata: { resourceVersion: rv, ...(annotations ? { annotations } : {}) },
    });

  res.statusCode = 200;
  res.setHeader(
    'Content-Type',
    table ? `application/json;as=Table;v=${table.version};g=meta.k8s.io` : 'application/json',
  );
  res.setHeader('Cache-Control', 'no-cache, private');

  try {
    unsubscribe = ctx.store.watch(gvr, w.namespace, resourceVersion, sendEvent, {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: fieldSelectors.join(',') || undefined,
      onInitialEventsEnd:
        sendInitialEvents === 'true' && bookmarks
          ? (rv) => bookmark(rv, { 'k8s.io/initial-events-end': 'true' })
          : undefined,
    });
  } catch (err) {
    if (err instanceof StatusError && err.code === 410) {
      write('ERROR', err.status);
      res.end();
      return;
    }
    throw err;
  }

  // Headers go out now, so a client waiting for the response does not wait for the first event.
  res.flushHeaders();
  ctx.watches.add(close);
  res.on('close', close);
  req.on('error', close);
  timers.timeout = setTimeout(close, timeout);
  if (bookmarks) {
    timers.bookmark = setInterval(() => {
      try {
        bookmark(ctx.store.resourceVersion);
      } catch (err) {
        ctx.logger.warn({ err }, 'could not send a bookmark; closing the watch');
        close();
      }
    }, ctx.bookmarkIntervalMs);
  }
}

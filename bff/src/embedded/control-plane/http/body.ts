import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../../lib/errors';
import { parseUserYaml } from '../../../lib/user-yaml';
import { StatusError, badRequest, unsupportedMediaType } from '../status-error';
import type { PatchType } from '../types';
import { PROTOBUF_MEDIA_TYPE, decodeProtobufObject } from './protobuf';

/** kube-apiserver's limit for a request body. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

const tooLarge = () =>
  new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY_BYTES}`);

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseText(text: string, yaml: boolean): unknown {
  if (text.trim() === '') throw badRequest('the request body is empty');
  try {
    // YAML is parsed with the console's bounded parser (aliases, depth, size): kubectl sends JSON,
    // and a YAML body of nested anchors must not hold the event loop the console shares.
    return yaml
      ? parseUserYaml(text, { field: 'body', maxBytes: 1024 * 1024, maxTokens: 300_000 })
      : (JSON.parse(text) as unknown);
  } catch (err) {
    const why = err instanceof ApiError || err instanceof Error ? err.message.split('\n')[0] : 'unreadable';
    throw badRequest(`the request body is not valid ${yaml ? 'YAML' : 'JSON'}: ${why}`);
  }
}

/** The object of a POST or PUT, JSON or YAML as a real server accepts. */
export function parseObjectBody(req: IncomingMessage, body: Buffer): unknown {
  const type = mediaType(req);
  if (type === '' || type === 'application/json' || type === '*/*')
    return parseText(body.toString('utf8'), false);
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml')
    return parseText(body.toString('utf8'), true);
  // kubectl's typed clients (create configmap|secret|deployment...) send protobuf.
  if (type === PROTOBUF_MEDIA_TYPE) return decodeProtobufObject(body);
  throw unsupportedMediaType(type, ['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE]);
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function parsePatchBody(req: IncomingMessage, body: Buffer): { patchType: PatchType; patch: unknown } {
  const type = mediaType(req);
  const patchType = PATCH_TYPES[type];
  if (!patchType)
    throw unsupportedMediaType(type, [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/apply-patch+yaml',
      'application/strategic-merge-patch+json',
    ]);
  if (type === 'application/apply-patch+cbor')
    throw unsupportedMediaType(type, ['application/apply-patch+yaml']);
  // An apply configuration is YAML (kubectl sends JSON, which is YAML too).
  return { patchType, patch: parseText(body.toString('utf8'), patchType === 'apply') };
}

/** A DELETE may carry DeleteOptions; an empty body is fine. */
export function parseOptionalJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  return text.trim() === '' ? undefined : parseText(text, false);
}

import type { ServerResponse } from 'node:http';
import { dump } from 'js-yaml';

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const text = JSON.stringify(body);
  res.statusCode = code;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-cache, private');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** A JSON document that was serialized once and is sent as is. */
export function sendRawJson(res: ServerResponse, code: number, text: string | Buffer): void {
  res.statusCode = code;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export function sendYaml(res: ServerResponse, code: number, body: unknown): void {
  const text = dump(body, { noRefs: true });
  res.statusCode = code;
  res.setHeader('Content-Type', 'application/yaml');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.statusCode = code;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** `Warning: 299 - "text"` headers, how kube-apiserver reports pruned fields and deprecations. */
export function setWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length > 0)
    res.setHeader(
      'Warning',
      warnings.map((w) => `299 - ${JSON.stringify(w)}`),
    );
}

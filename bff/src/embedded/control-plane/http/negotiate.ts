import { StatusError } from '../status-error';

/** What a response is encoded as, from the request's Accept header (first acceptable entry wins). */
export type ResponseFormat =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partial-metadata'; version: 'v1' | 'v1beta1' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim());
      const parsed: Record<string, string> = {};
      for (const p of params) {
        const eq = p.indexOf('=');
        if (eq > 0)
          parsed[p.slice(0, eq).trim().toLowerCase()] = p
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, '');
      }
      return { type: type.toLowerCase(), params: parsed };
    })
    .filter((m) => m.type !== '');
}

function formatOf(range: MediaRange, allowTransforms: boolean): ResponseFormat | undefined {
  const { type, params } = range;
  if (type === 'application/yaml' && params.as === undefined) return { kind: 'yaml' };
  if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') return undefined;
  if (params.as === undefined) return { kind: 'json' };
  if (!allowTransforms || params.g !== 'meta.k8s.io' || (params.v !== 'v1' && params.v !== 'v1beta1'))
    return undefined;
  if (params.as === 'Table') return { kind: 'table', version: params.v };
  if (params.as === 'PartialObjectMetadata' || params.as === 'PartialObjectMetadataList')
    return { kind: 'partial-metadata', version: params.v };
  return undefined;
}

/**
 * Picks the response format. `allowTransforms` is false for discovery and other non-resource
 * endpoints: asking them for `as=APIGroupDiscoveryList` (aggregated discovery) falls through to
 * plain JSON when the client also accepts it, which is how kubectl falls back to legacy discovery.
 */
export function negotiate(accept: string | undefined, allowTransforms: boolean): ResponseFormat {
  if (!accept || accept.trim() === '') return { kind: 'json' };
  for (const range of parseAccept(accept)) {
    const format = formatOf(range, allowTransforms);
    if (format) return format;
  }
  throw new StatusError(
    406,
    'NotAcceptable',
    'only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io',
  );
}

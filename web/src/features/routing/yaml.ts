import { load } from 'js-yaml';

export type YamlCheck =
  { ok: true } | { ok: false; reason: 'parse'; message: string } | { ok: false; reason: 'shape' };

/**
 * A first check of hand-edited YAML in the browser: it parses and is one object with the fields a
 * route needs. Everything else (kind, host, schema) the BFF checks in the preview.
 */
export function checkYaml(text: string): YamlCheck {
  let parsed: unknown;
  try {
    parsed = load(text);
  } catch (err) {
    return {
      ok: false,
      reason: 'parse',
      message: err instanceof Error ? (err.message.split('\n')[0] ?? '') : '',
    };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: 'shape' };
  const obj = parsed as Record<string, unknown>;
  const metadata = obj.metadata as Record<string, unknown> | undefined;
  if (
    typeof obj.apiVersion !== 'string' ||
    typeof obj.kind !== 'string' ||
    typeof metadata !== 'object' ||
    metadata === null ||
    typeof metadata.name !== 'string' ||
    typeof obj.spec !== 'object' ||
    obj.spec === null
  ) {
    return { ok: false, reason: 'shape' };
  }
  return { ok: true };
}

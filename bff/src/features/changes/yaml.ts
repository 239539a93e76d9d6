import { createTwoFilesPatch } from 'diff';
import * as yaml from 'js-yaml';

type Json = Record<string, unknown>;

/** Metadata the server owns: shown nowhere in previews and diffs, never sent back by hand. */
const SERVER_FIELDS = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
];

/** An object as an operator reads it: no server-owned metadata, no status, keys in a stable order. */
export function cleanObject(obj: object): Json {
  const { status: _status, ...rest } = obj as Json;
  const metadata = Object.fromEntries(
    Object.entries((rest.metadata as Json | undefined) ?? {}).filter(([k]) => !SERVER_FIELDS.includes(k)),
  );
  const annotations = metadata.annotations as Record<string, string> | undefined;
  if (annotations?.['kubectl.kubernetes.io/last-applied-configuration'] !== undefined) {
    const { 'kubectl.kubernetes.io/last-applied-configuration': _last, ...others } = annotations;
    metadata.annotations = others;
    if (Object.keys(others).length === 0) delete metadata.annotations;
  }
  return { apiVersion: rest.apiVersion, kind: rest.kind, metadata, ...rest };
}

export function toYaml(obj: object | undefined): string {
  if (!obj) return '';
  return yaml.dump(cleanObject(obj), { noRefs: true, lineWidth: 120, sortKeys: false });
}

/** A unified diff of two objects' YAML; empty when they read the same. */
export function yamlDiff(name: string, before: object | undefined, after: object | undefined): string {
  const a = toYaml(before);
  const b = toYaml(after);
  if (a === b) return '';
  return createTwoFilesPatch(
    before ? `live/${name}` : '/dev/null',
    after ? `new/${name}` : '/dev/null',
    a,
    b,
    '',
    '',
    {
      context: 3,
    },
  );
}

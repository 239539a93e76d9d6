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

/** A unified diff between two YAML texts; empty when they are the same. */
export function textDiff(name: string, before: string, after: string): string {
  if (before === after) return '';
  const header = (b: string, a: string) =>
    `===================================================================\n--- ${b}\n+++ ${a}\n`;
  // A new or removed object is all additions or all removals: no need to run the diff algorithm.
  if (before === '' || after === '') {
    const lines = (before || after).replace(/\n$/, '').split('\n');
    const sign = before === '' ? '+' : '-';
    const range = before === '' ? `@@ -0,0 +1,${lines.length} @@` : `@@ -1,${lines.length} +0,0 @@`;
    return `${header(before === '' ? '/dev/null' : `live/${name}`, after === '' ? '/dev/null' : `new/${name}`)}${range}\n${lines.map((l) => sign + l).join('\n')}\n`;
  }
  return createTwoFilesPatch(`live/${name}`, `new/${name}`, before, after, '', '', { context: 3 });
}

/** A unified diff of two objects' YAML; empty when they read the same. */
export function yamlDiff(name: string, before: object | undefined, after: object | undefined): string {
  return textDiff(name, toYaml(before), toYaml(after));
}

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

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * An object as an operator reads it: no server-owned metadata, no status, no kubectl bookkeeping
 * (`last-applied-configuration` repeats the whole object), keys in a stable order.
 */
export function cleanObject(obj: object): Json {
  const { status: _status, apiVersion, kind, metadata: rawMetadata, ...rest } = obj as Json;
  const metadata = Object.fromEntries(
    Object.entries((rawMetadata as Json | undefined) ?? {}).filter(([k]) => !SERVER_FIELDS.includes(k)),
  );
  const annotations = metadata.annotations as Record<string, string> | undefined;
  if (annotations?.[LAST_APPLIED] !== undefined) {
    const { [LAST_APPLIED]: _last, ...others } = annotations;
    metadata.annotations = others;
    if (Object.keys(others).length === 0) delete metadata.annotations;
  }
  return { apiVersion, kind, metadata, ...rest };
}

/**
 * YAML of frozen objects (the object cache's, deep-frozen, which a change replaces rather than edits): a live
 * rule is dumped once, not on every preview and list (js-yaml takes ~6 ms for a rule of 50
 * conditions × 20 versions).
 */
const frozenYaml = new WeakMap<object, string>();

export function toYaml(obj: object | undefined): string {
  if (!obj) return '';
  const known = frozenYaml.get(obj);
  if (known !== undefined) return known;
  const text = yaml.dump(cleanObject(obj), { noRefs: true, lineWidth: 120, sortKeys: false });
  const { spec, metadata } = obj as Json;
  if ([obj, spec ?? {}, metadata ?? {}].every((o) => Object.isFrozen(o))) frozenYaml.set(obj, text);
  return text;
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

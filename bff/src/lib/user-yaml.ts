import { Lexer, isAlias, isCollection, isMap, isPair, isScalar, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { badRequest } from './errors';

/**
 * The one parser for YAML a user wrote (the routing YAML editor, and anything else a request
 * carries as YAML). js-yaml's `load` expands aliases without limit: 610 bytes of nested anchors
 * (a "billion laughs") held the event loop for 14 s. This parser is bounded in every direction
 * that costs time or memory, and returns only what JSON can carry, so that what is validated is
 * what is sent to the control plane:
 *
 * - size: at most `maxBytes` bytes of text;
 * - one document only (a second `---` document is refused, not ignored);
 * - aliases: `maxAliasCount` as the `yaml` package counts them, no alias inside its own anchor,
 *   and at most `maxNodes` values once aliases are expanded (the result is a plain tree, no
 *   shared objects);
 * - nesting: at most `maxDepth` levels, aliases expanded;
 * - values: strings, finite numbers within ±Number.MAX_SAFE_INTEGER, booleans, null, maps with
 *   scalar keys and sequences. `.nan`, `.inf`, `1e400` or a 20-digit integer would reach the control
 *   plane as null (JSON has no NaN) or as a different number, so they are refused naming the path.
 *
 * Every refusal is a 400 (`badRequest(message, field)`) whose message names the line when the
 * parser knows it, and the path of the offending value when there is one.
 */

export interface UserYamlLimits {
  /** Bytes of UTF-8 text. */
  maxBytes: number;
  /** Levels of maps and sequences, aliases expanded (the document's top level is 1). */
  maxDepth: number;
  /** The `yaml` package's alias budget (uses of an anchor × the aliases inside it). */
  maxAliasCount: number;
  /** Values (scalars, maps, sequences) once aliases are expanded. */
  maxNodes: number;
  /** Tokens of the text (keys, values, indicators, line breaks): what a parse costs. */
  maxTokens: number;
}

/**
 * The `yaml` package parses some 100-200 KB a second on a busy core when the text is dense with
 * keys, and a parse holds the event loop: 64 KiB (several times the largest routing object a console
 * writes) and 20,000 tokens keep one parse within tens of milliseconds. Anything larger belongs in
 * kubectl, not in a form's editor.
 */
export const USER_YAML_LIMITS: UserYamlLimits = {
  maxBytes: 64 * 1024,
  maxDepth: 64,
  maxAliasCount: 100,
  maxNodes: 100_000,
  maxTokens: 20_000,
};

export interface UserYamlOptions extends Partial<UserYamlLimits> {
  /** The request field the YAML came in, named by every error (default `yaml`). */
  field?: string;
}

/** A path as the API names fields: `spec.http[0].route[1].weight`. */
function pathText(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out === '' ? '(the document)' : out;
}

const short = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The parsed value of user YAML, or a 400 saying what is wrong and where. */
export function parseUserYaml(text: string, options: UserYamlOptions = {}): unknown {
  const { field = 'yaml', ...rest } = options;
  const limits: UserYamlLimits = { ...USER_YAML_LIMITS, ...rest };
  const fail = (message: string): never => {
    throw badRequest(message, field);
  };

  if (typeof text !== 'string') fail('The YAML must be text');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) fail(`The YAML is ${bytes} bytes; at most ${limits.maxBytes} are accepted`);

  const at = (offset: number | undefined) => {
    if (offset === undefined) return '';
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const col = offset - before.lastIndexOf('\n');
    return ` at line ${line}, column ${col}`;
  };
  const nodeAt = (node: { range?: [number, number, number] | null } | null | undefined) =>
    at(node?.range?.[0]);

  // Flow collections nested thousands deep make the parser itself slow (seconds for 100,000
  // brackets) before any limit below could apply: the lexer, which is linear and sees quoted
  // strings as single tokens, measures the flow depth first and stops at the limit.
  let flowDepth = 0;
  let offset = 0;
  let tokens = 0;
  for (const token of new Lexer().lex(text)) {
    tokens += 1;
    if (tokens > limits.maxTokens)
      fail(
        `The YAML is too long to edit here${at(offset)} (at most ${limits.maxTokens} tokens); apply it with kubectl`,
      );
    if (token === '[' || token === '{') {
      flowDepth += 1;
      if (flowDepth > limits.maxDepth)
        fail(`The YAML is nested too deeply${at(offset)} (at most ${limits.maxDepth} levels)`);
    } else if (token === ']' || token === '}') flowDepth = Math.max(0, flowDepth - 1);
    // The lexer's own markers (document, scalar, flow end) are not source text.
    if (!(token.length === 1 && (token === '\u0002' || token === '\u0018' || token === '\u001f')))
      offset += token.length;
  }

  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, {
      // YAML 1.2's core schema, as js-yaml read it before (no `yes`/`no` booleans, no dates),
      // with `<<` merge keys as js-yaml and kubectl accept them.
      version: '1.2',
      schema: 'core',
      merge: true,
      // Checked below with a set: the package compares each key with every earlier one, which
      // takes seconds for a map of 50,000 keys.
      uniqueKeys: false,
      prettyErrors: false,
      strict: true,
      stringKeys: false,
    });
  } catch (err) {
    // The composer recurses: a nesting too deep for the stack ends here, not in a crash.
    if (err instanceof RangeError) fail(`The YAML is nested too deeply (at most ${limits.maxDepth} levels)`);
    throw err;
  }

  const first = doc.errors[0];
  if (first) {
    if (first.code === 'MULTIPLE_DOCS')
      fail(`The YAML must be one document; a second one starts${at(first.pos[0])}`);
    fail(`The YAML does not parse${at(first.pos[0])}: ${first.message.split('\n')[0]}`);
  }
  const unresolved = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (unresolved) fail(`The YAML uses a tag Kubernetes does not read${at(unresolved.pos[0])}`);
  if (doc.contents === null) fail('The YAML is empty');

  // The syntax tree, before anything is expanded: depth as written, keys, scalars, and aliases
  // that point into their own anchor (which would make the value contain itself).
  const ancestors = new Set<YamlNode>();
  const walk = (node: unknown, path: (string | number)[], depth: number): void => {
    if (node === null || node === undefined) return;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) fail(`The alias *${node.source}${nodeAt(node)} has no anchor before it`);
      else if (ancestors.has(target))
        fail(
          `The alias *${node.source}${nodeAt(node)} refers to a value that contains it (at ${pathText(path)})`,
        );
      return;
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'number') {
        if (!Number.isFinite(v))
          fail(`${pathText(path)}${nodeAt(node)}: ${short(String(node.source ?? v))} is not a finite number`);
        if (Math.abs(v) > Number.MAX_SAFE_INTEGER)
          fail(
            `${pathText(path)}${nodeAt(node)}: ${short(String(node.source ?? v))} is too large (at most ${Number.MAX_SAFE_INTEGER})`,
          );
      } else if (typeof v === 'bigint') {
        fail(
          `${pathText(path)}${nodeAt(node)}: the number is too large (at most ${Number.MAX_SAFE_INTEGER})`,
        );
      } else if (v !== null && typeof v !== 'string' && typeof v !== 'boolean') {
        fail(`${pathText(path)}${nodeAt(node)}: a value JSON cannot carry (tag ${node.tag ?? typeof v})`);
      }
      return;
    }
    if (!isCollection(node)) fail(`${pathText(path)}${nodeAt(node as YamlNode)}: a value JSON cannot carry`);
    const coll = node as YamlNode & { items: unknown[] };
    if (depth > limits.maxDepth)
      fail(`The YAML is nested too deeply${nodeAt(coll)} (at most ${limits.maxDepth} levels)`);
    ancestors.add(coll);
    const keys = new Set<string>();
    coll.items.forEach((item, i) => {
      if (isPair(item)) {
        const key = item.key;
        if (key !== null && !isScalar(key) && !(isAlias(key) && isScalar(key.resolve(doc))))
          fail(
            `${pathText(path)}${nodeAt(key as YamlNode)}: a map key must be a string, not a map or a list`,
          );
        const name = isScalar(key) ? String(key.value ?? '') : isAlias(key) ? `*${key.source}` : '';
        if (name !== '<<' && keys.has(name))
          fail(`${pathText([...path, name])}${nodeAt(key as YamlNode)}: the key appears twice in this map`);
        keys.add(name);
        // A merge key's value belongs to this map, not below it.
        walk(item.value, name === '<<' ? path : [...path, name], depth + 1);
      } else walk(item, [...path, isMap(coll) ? String(i) : i], depth + 1);
    });
    ancestors.delete(coll);
  };
  walk(doc.contents, [], 1);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message))
      fail(
        `The YAML uses its aliases too often (at most ${limits.maxAliasCount} expansions): ${err.message.split('\n')[0]}`,
      );
    if (err instanceof RangeError) fail(`The YAML is nested too deeply (at most ${limits.maxDepth} levels)`);
    throw err;
  }

  return expand(value, limits, fail);
}

/**
 * A plain copy of the parsed value, with aliases (shared objects) expanded, after checking that the
 * expansion stays within the node and depth limits. The size of each shared object is computed once,
 * so this check costs the size of the document, not of its expansion.
 */
function expand(value: unknown, limits: UserYamlLimits, fail: (m: string) => never): unknown {
  const size = new Map<object, { nodes: number; depth: number }>();
  const active = new Set<object>();
  const measure = (v: unknown, path: (string | number)[]): { nodes: number; depth: number } => {
    if (v === null || typeof v !== 'object') return { nodes: 1, depth: 0 };
    const known = size.get(v);
    if (known) return known;
    if (active.has(v)) fail(`${pathText(path)}: the value contains itself (a self-referencing anchor)`);
    active.add(v);
    let nodes = 1;
    let depth = 0;
    const entries: [string | number, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v as Record<string, unknown>);
    for (const [k, child] of entries) {
      const m = measure(child, [...path, k]);
      nodes += m.nodes;
      depth = Math.max(depth, m.depth);
      if (nodes > limits.maxNodes)
        fail(`The YAML expands to more than ${limits.maxNodes} values (its aliases repeat too much)`);
    }
    active.delete(v);
    const result = { nodes, depth: depth + 1 };
    if (result.depth > limits.maxDepth)
      fail(
        `${pathText(path)}: nested too deeply once aliases are expanded (at most ${limits.maxDepth} levels)`,
      );
    size.set(v, result);
    return result;
  };
  measure(value, []);

  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(copy);
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      // An own property, never the prototype, as JSON.parse does.
      Object.defineProperty(out, k, {
        value: copy(child),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return copy(value);
}

import type { JsonSchema } from '../registry/resource-type';
import { isRecord } from '../types';
import { jsonEqual } from '../../../lib/json';

/**
 * Field paths in structured-merge-diff's notation, the one `metadata.managedFields` (FieldsV1) uses:
 * `f:<field>` a field of an object or a key of a map, `k:{"name":"nginx"}` the element of a keyed
 * list, `v:"x"` the element of a set, `.` the node itself (a map or a list element that is owned
 * besides its fields). A path is a list of such elements; a field set is a set of paths, held as
 * strings joined by SEP and turned into the FieldsV1 tree for the API.
 *
 * How lists merge comes from the schema (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`,
 * `x-kubernetes-map-type: atomic`); a list without keys is atomic. The built-in kinds' schemas here
 * do not carry those markers, so their keyed lists (containers by name, ports by port and protocol,
 * ...) come from the Go types' list-map-keys, by field name.
 */

export type FieldsV1 = { [element: string]: FieldsV1 };

const SEP = '\u0001';

const joinPath = (path: readonly string[]) => path.join(SEP);
export const splitPath = (key: string) => (key === '' ? [] : key.split(SEP));

/** Whether a path names a node itself (ends in `.`), and the node's own path. */
export const isSelfPath = (key: string) => key === '.' || key.endsWith(`${SEP}.`);
export const nodeOf = (key: string) => (isSelfPath(key) ? key.slice(0, -(SEP.length + 1)) : key);
/** Whether `key` is `node` or lies below it. */
export const within = (key: string, node: string) => key === node || key.startsWith(node + SEP);

type ListShape = { kind: 'map'; keys: string[] } | { kind: 'set' } | { kind: 'atomic' };

/** list-map-keys of the built-in kinds' lists, from k8s.io/api (by the list's field name). */
const BUILTIN_LIST_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  volumes: ['name'],
  env: ['name'],
  imagePullSecrets: ['name'],
  volumeMounts: ['mountPath'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  hostAliases: ['ip'],
  resourceClaims: ['name'],
};
const BUILTIN_SETS = new Set(['finalizers']);
/** Key fields the server defaults, so an element that omits one still matches its live twin. */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

/** Where a value sits in the schema, and whether the built-in fallbacks apply. */
export class SchemaCursor {
  constructor(
    readonly schema: JsonSchema | undefined,
    readonly builtin: boolean,
    /** The field name this value is held under ('' at the root or for a list element). */
    readonly field: string = '',
    /** The field name of the list this value is an element of, if it is one. */
    readonly elementOf: string = '',
  ) {}

  property(name: string): SchemaCursor {
    const props = this.schema && isRecord(this.schema.properties) ? this.schema.properties : undefined;
    const sub = props && isRecord(props[name]) ? props[name] : undefined;
    const extra =
      sub ??
      (this.schema && isRecord(this.schema.additionalProperties)
        ? this.schema.additionalProperties
        : undefined);
    return new SchemaCursor(extra, this.builtin, name, '');
  }

  items(): SchemaCursor {
    const items = this.schema && isRecord(this.schema.items) ? this.schema.items : undefined;
    return new SchemaCursor(items, this.builtin, '', this.field);
  }

  /** A map (additionalProperties), whose keys are owned one by one and which is owned itself. */
  get isMap(): boolean {
    return !!this.schema && isRecord(this.schema.additionalProperties) && !isRecord(this.schema.properties);
  }

  atomicObject(value: Record<string, unknown>): boolean {
    if (this.schema?.['x-kubernetes-map-type'] === 'atomic') return true;
    // A LabelSelector is an atomic struct in the Go types (`spec.selector` of Deployments).
    return (
      this.builtin && this.field === 'selector' && ('matchLabels' in value || 'matchExpressions' in value)
    );
  }

  listShape(items: unknown[]): ListShape {
    const type = this.schema?.['x-kubernetes-list-type'];
    if (type === 'map') {
      const keys = this.schema?.['x-kubernetes-list-map-keys'];
      if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) return { kind: 'map', keys };
      return { kind: 'atomic' };
    }
    if (type === 'set') return { kind: 'set' };
    if (type === 'atomic' || !this.builtin) return { kind: 'atomic' };
    if (BUILTIN_SETS.has(this.field)) return { kind: 'set' };
    if (this.field === 'ports') {
      const containerPorts = items.some((i) => isRecord(i) && 'containerPort' in i);
      return { kind: 'map', keys: containerPorts ? ['containerPort', 'protocol'] : ['port', 'protocol'] };
    }
    const keys = BUILTIN_LIST_KEYS[this.field];
    return keys ? { kind: 'map', keys } : { kind: 'atomic' };
  }
}

function keyOf(item: unknown, keys: string[]): Record<string, unknown> | undefined {
  if (!isRecord(item)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = item[k] ?? KEY_DEFAULTS[k];
    if (v === undefined) {
      // Every key but a defaulted one must be there.
      return undefined;
    }
    out[k] = v;
  }
  return out;
}

const keyElement = (key: Record<string, unknown>) => `k:${JSON.stringify(key)}`;

/** `path` with `element` appended ('' is the root). */
const under = (path: string, element: string) => (path === '' ? element : path + SEP + element);

/**
 * Every path a value sets (leaves, and `.` for maps and list elements), added to out. Runs over the
 * whole object on every write and dry run: paths are built as strings as it goes down, not copied
 * as lists at each level.
 */
export function collectPaths(value: unknown, cursor: SchemaCursor, out: Set<string>): void {
  collectUnder(value, cursor, '', out);
}

function collectUnder(value: unknown, cursor: SchemaCursor, path: string, out: Set<string>): void {
  if (isRecord(value) && !cursor.atomicObject(value)) {
    let empty = true;
    for (const k in value)
      if (Object.hasOwn(value, k)) {
        empty = false;
        break;
      }
    if (path !== '' && (empty || cursor.isMap)) out.add(empty ? path : under(path, '.'));
    for (const k in value)
      if (Object.hasOwn(value, k)) collectUnder(value[k], cursor.property(k), under(path, `f:${k}`), out);
    return;
  }
  if (Array.isArray(value)) {
    const shape = cursor.listShape(value);
    if (shape.kind === 'map') {
      const itemCursor = cursor.items();
      const keyed = value.map((item) => keyOf(item, shape.keys));
      if (keyed.every((k) => k !== undefined)) {
        if (value.length === 0) out.add(path);
        value.forEach((item, i) => {
          const element = under(path, keyElement(keyed[i] ?? {}));
          out.add(under(element, '.'));
          if (isRecord(item))
            for (const k in item)
              if (Object.hasOwn(item, k))
                collectUnder(item[k], itemCursor.property(k), under(element, `f:${k}`), out);
        });
        return;
      }
    } else if (shape.kind === 'set' && value.every((v) => !isRecord(v) && !Array.isArray(v))) {
      if (value.length === 0) out.add(path);
      for (const v of value) out.add(under(path, `v:${JSON.stringify(v)}`));
      return;
    }
  }
  if (path !== '') out.add(path);
}

function matchesKey(item: unknown, key: Record<string, unknown>): boolean {
  if (!isRecord(item)) return false;
  return Object.entries(key).every(([k, v]) => jsonEqual(item[k] ?? KEY_DEFAULTS[k], v));
}

/** The value a path names in an object, or undefined when it is not there. */
export function valueAt(root: unknown, path: string[]): unknown {
  let node: unknown = root;
  for (const element of path) {
    if (element === '.') return node;
    if (element.startsWith('f:')) {
      node = isRecord(node) ? node[element.slice(2)] : undefined;
    } else if (element.startsWith('k:')) {
      const key = JSON.parse(element.slice(2)) as Record<string, unknown>;
      node = Array.isArray(node) ? node.find((item) => matchesKey(item, key)) : undefined;
    } else if (element.startsWith('v:')) {
      const wanted: unknown = JSON.parse(element.slice(2));
      node = Array.isArray(node) ? node.find((item) => jsonEqual(item, wanted)) : undefined;
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes what a path names from an object (in place); `.` removes the node holding it. */
export function removeAt(root: Record<string, unknown>, path: string[]): void {
  const target = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  if (target.length === 0) return;
  const parent = valueAt(root, target.slice(0, -1));
  const last = target[target.length - 1] ?? '';
  if (last.startsWith('f:') && isRecord(parent)) {
    Reflect.deleteProperty(parent, last.slice(2));
  } else if (Array.isArray(parent)) {
    const index = last.startsWith('k:')
      ? parent.findIndex((item) => matchesKey(item, JSON.parse(last.slice(2)) as Record<string, unknown>))
      : parent.findIndex((item) => jsonEqual(item, JSON.parse(last.slice(2))));
    if (index >= 0) parent.splice(index, 1);
  }
}

/**
 * The applied configuration merged into the live object: objects merge field by field, keyed lists
 * element by element (live elements the configuration does not name stay, after the named ones),
 * sets by value, anything else (atomic lists and maps, scalars) is replaced.
 */
export function mergeApplied(live: unknown, applied: unknown, cursor: SchemaCursor): unknown {
  if (isRecord(applied)) {
    if (!isRecord(live) || cursor.atomicObject(applied)) return structuredClone(applied);
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(live[k], v, cursor.property(k));
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const shape = cursor.listShape([...live, ...applied]);
    if (shape.kind === 'map') {
      const itemCursor = cursor.items();
      const keys = applied.map((item) => keyOf(item, shape.keys));
      if (keys.every((k) => k !== undefined)) {
        const merged = applied.map((item, i) => {
          const twin = live.find((l) => matchesKey(l, keys[i] ?? {}));
          return twin === undefined ? structuredClone(item) : mergeApplied(twin, item, itemCursor);
        });
        const rest = live.filter((l) => !keys.some((k) => matchesKey(l, k ?? {})));
        return [...merged, ...rest];
      }
    }
    if (shape.kind === 'set')
      return [...applied, ...live.filter((l) => !applied.some((a) => jsonEqual(a, l)))];
  }
  return structuredClone(applied);
}

/** `.spec.template.spec.containers[name="nginx"].image`: a path as kube-apiserver prints it in conflicts. */
export function printPath(path: string[]): string {
  let out = '';
  for (const element of path) {
    if (element === '.') continue;
    if (element.startsWith('f:')) out += `.${element.slice(2)}`;
    else if (element.startsWith('k:')) {
      const key = JSON.parse(element.slice(2)) as Record<string, unknown>;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (element.startsWith('v:')) out += `[=${element.slice(2)}]`;
  }
  return out;
}

/** A field set as the FieldsV1 tree of managedFields. */
export function toFieldsV1(paths: Iterable<string>): FieldsV1 {
  const root: FieldsV1 = {};
  for (const key of paths) {
    let node = root;
    for (const element of splitPath(key)) node = node[element] ??= {};
  }
  return root;
}

/** The field set a FieldsV1 tree holds. */
export function fromFieldsV1(tree: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, prefix: string[]) => {
    if (!isRecord(node)) return;
    const entries = Object.entries(node);
    if (entries.length === 0 && prefix.length > 0) out.add(joinPath(prefix));
    for (const [element, child] of entries) walk(child, [...prefix, element]);
  };
  walk(tree, []);
  return out;
}

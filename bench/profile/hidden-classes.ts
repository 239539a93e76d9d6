/**
 * How many objects of a V8 heap snapshot have a hidden class (Map) of their own, grouped by their
 * first properties: the signature of objects built by a literal that begins with a spread (see
 * DEVELOPERS.md). Also the heap's self size by type. Reads snapshots past V8's string limit.
 *
 *   npx tsx bench/profile/hidden-classes.ts <file.heapsnapshot>
 *
 * A console's snapshot: start it with `--heapsnapshot-signal=SIGUSR2` (in NODE_OPTIONS) and send
 * the signal. Needs memory: run with NODE_OPTIONS=--max-old-space-size=16000 for a 600 MB file.
 */
import fs from 'node:fs';

interface Meta {
  node_fields: string[];
  node_types: [string[]];
  edge_fields: string[];
  edge_types: [string[]];
}

const file = process.argv[2];
if (!file) throw new Error('usage: hidden-classes.ts <file.heapsnapshot>');
const buf = fs.readFileSync(file);
const at = (text: string, from = 0) => buf.indexOf(Buffer.from(text), from);

/** The integers of a JSON array starting at `from`, without making it a string. */
function ints(from: number, count: number): [Float64Array, number] {
  const out = new Float64Array(count);
  let k = 0;
  let n = 0;
  let inNumber = false;
  let i = from;
  for (; k < count; i++) {
    const c = buf[i] as number;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      inNumber = true;
    } else if (inNumber) {
      out[k++] = n;
      n = 0;
      inNumber = false;
    }
  }
  return [out, i];
}

const nodesAt = at('"nodes":[');
const head = buf.subarray(0, nodesAt).toString();
const snapshot = JSON.parse(head.slice(head.indexOf('{"meta"'), head.lastIndexOf('}') + 1)) as {
  meta: Meta;
  node_count: number;
  edge_count: number;
};
const { meta } = snapshot;
const N = meta.node_fields.length;
const E = meta.edge_fields.length;
const [nodes, afterNodes] = ints(nodesAt + 9, snapshot.node_count * N);
const [edges] = ints(at('"edges":[', afterNodes - 10) + 9, snapshot.edge_count * E);
const stringsAt = at('"strings":[');
const strings = JSON.parse(buf.subarray(stringsAt + 10, buf.lastIndexOf(']') + 1).toString()) as string[];

const field = (name: string) => meta.node_fields.indexOf(name);
const [TYPE, NAME, SIZE, EDGES] = [field('type'), field('name'), field('self_size'), field('edge_count')];
const [ETYPE, ENAME, ETO] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [
  number,
  number,
  number,
];
const nodeType = (n: number) => meta.node_types[0][nodes[n * N + TYPE] as number] as string;
const edgeType = (e: number) => meta.edge_types[0][edges[e * E + ETYPE] as number] as string;

const firstEdge = new Float64Array(snapshot.node_count);
for (let n = 0, sum = 0; n < snapshot.node_count; n++) {
  firstEdge[n] = sum;
  sum += nodes[n * N + EDGES] as number;
}
const edgesOf = function* (n: number) {
  const from = firstEdge[n] as number;
  for (let e = from; e < from + (nodes[n * N + EDGES] as number); e++) yield e;
};

const bySize = new Map<string, number>();
const mapOf = new Map<number, number>();
const users = new Map<number, number>();
for (let n = 0; n < snapshot.node_count; n++) {
  const type = nodeType(n);
  bySize.set(type, (bySize.get(type) ?? 0) + (nodes[n * N + SIZE] as number));
  if (type !== 'object' && type !== 'array' && type !== 'closure') continue;
  for (const e of edgesOf(n)) {
    if (edgeType(e) === 'internal' && strings[edges[e * E + ENAME] as number] === 'map') {
      const map = edges[e * E + ETO] as number;
      mapOf.set(n, map);
      users.set(map, (users.get(map) ?? 0) + 1);
      break;
    }
  }
}
const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
console.log('Self size by type (MiB):');
for (const [type, size] of [...bySize].sort((a, b) => b[1] - a[1]).slice(0, 10))
  console.log(`  ${mib(size).padStart(8)}  ${type}`);

const alone = new Map<string, number>();
let count = 0;
for (const [n, map] of mapOf) {
  if (users.get(map) !== 1) continue;
  count++;
  const keys: string[] = [];
  for (const e of edgesOf(n)) {
    if (edgeType(e) === 'property') keys.push(strings[edges[e * E + ENAME] as number] as string);
    if (keys.length >= 5) break;
  }
  const key = `${strings[nodes[n * N + NAME] as number]} {${keys.join(', ')}}`;
  alone.set(key, (alone.get(key) ?? 0) + 1);
}
console.log(`\n${users.size} hidden classes; ${count} objects have one of their own. The most common:`);
for (const [key, n] of [...alone].sort((a, b) => b[1] - a[1]).slice(0, 20))
  console.log(`  ${String(n).padStart(8)}  ${key}`);

import { describe, expect, it } from 'vitest';
import {
  SPACING,
  chooseLayout,
  clusteredLayout,
  computeLayout,
  fastLayout,
  layeredLayout,
  placeNew,
  ranks,
} from './layout';

const node = (id: string, namespace = 'a', group: string | null = null) => ({ id, namespace, group });
const edge = (source: string, target: string) => ({ source, target });

describe('layouts', () => {
  it('ranks callers before what they call, by the longest path, and survives cycles', () => {
    const r = ranks(
      [node('gw'), node('a'), node('b'), node('c')],
      [edge('gw', 'a'), edge('a', 'b'), edge('gw', 'b'), edge('b', 'c'), edge('c', 'a')],
    );
    expect(r.get('gw')).toBe(0);
    expect(r.get('a')).toBe(1);
    expect(r.get('b')).toBe(2);
    expect(r.get('c')).toBe(3);
  });

  it('layered: ranks left to right, no two nodes in one place, a group kept together', () => {
    const nodes = [
      node('svc'),
      node('v1', 'a', 'g'),
      node('x'),
      node('v2', 'a', 'g'),
      node('caller'),
      node('other'),
    ];
    const edges = [
      edge('caller', 'svc'),
      edge('caller', 'other'),
      edge('svc', 'v1'),
      edge('svc', 'v2'),
      edge('other', 'x'),
    ];
    const p = layeredLayout(nodes, edges);
    expect((p.get('svc')?.x ?? 0) - (p.get('caller')?.x ?? 0)).toBe(SPACING.rank);
    const places = new Set([...p.values()].map((q) => `${q.x},${q.y}`));
    expect(places.size).toBe(nodes.length);
    // v1 and v2 share a rank with x; the group's members are adjacent.
    const rank2 = ['v1', 'v2', 'x'].sort((a, b) => (p.get(a)?.y ?? 0) - (p.get(b)?.y ?? 0));
    expect(Math.abs(rank2.indexOf('v1') - rank2.indexOf('v2'))).toBe(1);
  });

  it('fast: namespaces in separate blocks, every node placed once, quickly at 20,000 nodes', () => {
    const n = 20_000;
    const nodes = Array.from({ length: n }, (_, i) => node(`n${i}`, `ns-${i % 40}`));
    const edges = Array.from({ length: n * 3 }, (_, k) =>
      edge(`n${Math.floor(k / 3) % n}`, `n${(k * 7919) % n}`),
    );
    const t0 = performance.now();
    const p = fastLayout(nodes, edges);
    const ms = performance.now() - t0;
    expect(p.size).toBe(n);
    expect(new Set([...p.values()].map((q) => `${q.x},${q.y}`)).size).toBe(n);
    expect(ms).toBeLessThan(2000);
  });

  it('chooses the fast layout for large graphs only', () => {
    expect(chooseLayout(50)).toBe('layered');
    expect(chooseLayout(5000)).toBe('fast');
  });

  it('an update keeps every placed node where it was and puts a new one next to its neighbour', () => {
    const nodes = [node('a'), node('b')];
    const edges = [edge('a', 'b')];
    const before = computeLayout('layered', nodes, edges);
    const { positions, added } = placeNew(
      [...nodes, node('c'), node('lonely')],
      [...edges, edge('b', 'c')],
      before,
    );
    expect(added).toEqual(['c', 'lonely']);
    expect(positions.get('a')).toEqual(before.get('a'));
    expect(positions.get('b')).toEqual(before.get('b'));
    const b = before.get('b') as { x: number; y: number };
    const c = positions.get('c') as { x: number; y: number };
    expect(Math.hypot(c.x - b.x, c.y - b.y)).toBeLessThanOrEqual(SPACING.row * 1.5);
    expect(positions.get('lonely')).toBeDefined();
    expect(positions.get('lonely')).not.toEqual(c);
  });

  it('the whole mesh: each namespace in a region of its own, packed wider than tall', () => {
    const nodes = ['shop', 'books', 'rpc', 'spring'].flatMap((ns) =>
      Array.from({ length: 8 }, (_, i) => node(`${ns}-${i}`, ns)),
    );
    nodes.push(node('ingress', 'istio-system'));
    const edges = ['shop', 'books', 'rpc', 'spring'].flatMap((ns) => [
      edge('ingress', `${ns}-0`),
      ...Array.from({ length: 7 }, (_, i) => edge(`${ns}-${i >> 1}`, `${ns}-${i + 1}`)),
    ]);
    const p = clusteredLayout(nodes, edges);
    expect(p.size).toBe(nodes.length);
    const boxes = new Map<string, { x1: number; x2: number; y1: number; y2: number }>();
    for (const n of nodes) {
      const at = p.get(n.id) as { x: number; y: number };
      const b = boxes.get(n.namespace) ?? { x1: Infinity, x2: -Infinity, y1: Infinity, y2: -Infinity };
      boxes.set(n.namespace, {
        x1: Math.min(b.x1, at.x),
        x2: Math.max(b.x2, at.x),
        y1: Math.min(b.y1, at.y),
        y2: Math.max(b.y2, at.y),
      });
    }
    const list = [...boxes.entries()];
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const [na, a] = list[i] as [string, { x1: number; x2: number; y1: number; y2: number }];
        const [nb, b] = list[j] as [string, { x1: number; x2: number; y1: number; y2: number }];
        const apart = a.x2 < b.x1 || b.x2 < a.x1 || a.y2 < b.y1 || b.y2 < a.y1;
        expect(apart, `${na} and ${nb}`).toBe(true);
      }
    const all = [...p.values()];
    const width = Math.max(...all.map((q) => q.x)) - Math.min(...all.map((q) => q.x));
    const height = Math.max(...all.map((q) => q.y)) - Math.min(...all.map((q) => q.y));
    expect(width).toBeGreaterThan(height);
    // One namespace: the layered layout as it is.
    const one = nodes.filter((n) => n.namespace === 'shop');
    expect(clusteredLayout(one, edges)).toEqual(layeredLayout(one, edges));
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { TestStore } from '../testing/fixtures';
import { CONFIGMAPS, openStore, statusErrorOf } from '../testing/fixtures';

const configMap = (name: string, namespace: string, tier: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, labels: { tier } },
  data: { name },
});

const codeOf = (fn: () => unknown): number => statusErrorOf(fn).code;

describe('chunked lists (limit and continue)', () => {
  let t: TestStore | undefined;
  afterEach(() => t?.close());

  it('pages through every object once, in order, with the first page’s resourceVersion', () => {
    t = openStore({ eventRetention: 1000 });
    const names: string[] = [];
    for (const ns of ['default', 'istio-system'])
      for (const n of ['a', 'b', 'c']) {
        t.store.create(CONFIGMAPS, ns, configMap(n, ns, n === 'b' ? 'back' : 'front'));
        names.push(`${ns}/${n}`);
      }
    const first = t.store.list(CONFIGMAPS, undefined, { limit: 4 });
    expect(first.items).toHaveLength(4);
    expect(first.remainingItemCount).toBe(2);
    expect(first.continue).toBeTruthy();
    // A write between pages does not change the resourceVersion the pages report.
    t.store.create(CONFIGMAPS, 'default', configMap('aa', 'default', 'front'));
    const second = t.store.list(CONFIGMAPS, undefined, { limit: 4, continue: first.continue });
    expect(second.resourceVersion).toBe(first.resourceVersion);
    expect(second.continue).toBeUndefined();
    expect(second.remainingItemCount).toBeUndefined();
    const seen = [...first.items, ...second.items].map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(seen.filter((k) => k !== 'default/aa')).toEqual(names);

    // With a selector, pages count matches only and the remaining count is not given.
    const selected = t.store.list(CONFIGMAPS, undefined, { limit: 1, labelSelector: 'tier=back' });
    expect(selected.items.map((o) => o.metadata.namespace)).toEqual(['default']);
    expect(selected.remainingItemCount).toBeUndefined();
    const rest = t.store.list(CONFIGMAPS, undefined, {
      limit: 1,
      labelSelector: 'tier=back',
      continue: selected.continue,
    });
    expect(rest.items.map((o) => o.metadata.namespace)).toEqual(['istio-system']);
    expect(rest.continue).toBeUndefined();
  });

  it('answers 400 for a token it cannot read and 410 for one older than the event log', () => {
    t = openStore({ eventRetention: 5 });
    for (const n of ['a', 'b', 'c']) t.store.create(CONFIGMAPS, 'default', configMap(n, 'default', 'x'));
    const page = t.store.list(CONFIGMAPS, 'default', { limit: 1 });
    expect(codeOf(() => t?.store.list(CONFIGMAPS, 'default', { limit: 1, continue: 'not-a-token' }))).toBe(
      400,
    );
    for (let i = 0; i < 20; i++) t.store.create(CONFIGMAPS, 'default', configMap(`n${i}`, 'default', 'x'));
    expect(codeOf(() => t?.store.list(CONFIGMAPS, 'default', { limit: 1, continue: page.continue }))).toBe(
      410,
    );
  });
});

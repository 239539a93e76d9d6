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

  it('listJson answers what list answers, as JSON text: pages, selectors, and rows stored in any key order', () => {
    t = openStore({ eventRetention: 1000 });
    for (const ns of ['default', 'istio-system'])
      for (const n of ['a', 'b', 'c'])
        t.store.create(CONFIGMAPS, ns, configMap(n, ns, n === 'b' ? 'back' : 'front'));
    // A row written before objects were stored apiVersion first (an older data directory).
    const held = t.store.get(CONFIGMAPS, 'default', 'c');
    const { apiVersion, ...rest } = held;
    t.db.putObject({
      resource: 'configmaps',
      namespace: 'default',
      name: 'c',
      rv: Number(held.metadata.resourceVersion),
      body: JSON.stringify({ ...rest, apiVersion }),
    });
    for (const options of [
      {},
      { limit: 4 },
      { limit: 2, labelSelector: 'tier=front' },
      { fieldSelector: 'metadata.namespace=istio-system' },
    ]) {
      let token: string | undefined;
      do {
        const page = { ...options, ...(token ? { continue: token } : {}) };
        const objects = t.store.list(CONFIGMAPS, undefined, page);
        const bytes = t.store.listJson(CONFIGMAPS, undefined, page, (meta) => ({
          kind: 'ConfigMapList',
          meta,
        }));
        const json = JSON.parse(bytes.toString('utf8')) as { kind: string; meta: unknown; items: unknown[] };
        expect(json.items).toEqual(objects.items);
        expect(bytes.toString('utf8')).toMatch(/"items":\[(\{"apiVersion":"v1",.*)?\]\}$/);
        expect(json.kind).toBe('ConfigMapList');
        expect({ ...(json.meta as object), items: [] }).toEqual({ ...objects, items: [] });
        token = objects.continue;
      } while (token);
    }
  });

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

  it('pages 2,100 objects in pages of 100: each once, in order, counting what remains', () => {
    t = openStore({ eventRetention: 10_000 });
    const store = t.store;
    const namespaces = ['default', 'istio-system', 'kube-system'];
    const keys: string[] = [];
    for (const ns of namespaces) {
      const names = Array.from({ length: 700 }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
      store.createMany(
        CONFIGMAPS,
        ns,
        names.map((n, i) => configMap(n, ns, i % 3 === 0 ? 'back' : 'front')),
      );
      keys.push(...names.map((n) => `${ns}/${n}`));
    }
    const keyOf = (o: { metadata: { namespace?: string; name?: string } }) =>
      `${o.metadata.namespace}/${o.metadata.name}`;

    // Every page full but the last, remainingItemCount exact, the first page's resourceVersion.
    const seen: string[] = [];
    let token: string | undefined;
    let rv: string | undefined;
    do {
      const page = store.list(CONFIGMAPS, undefined, { limit: 100, continue: token });
      rv ??= page.resourceVersion;
      expect(page.resourceVersion).toBe(rv);
      seen.push(...page.items.map(keyOf));
      expect(page.items).toHaveLength(100);
      if (seen.length < keys.length) expect(page.remainingItemCount).toBe(keys.length - seen.length);
      else expect(page.remainingItemCount).toBeUndefined();
      token = page.continue;
      expect(token === undefined).toBe(seen.length === keys.length);
    } while (token);
    expect(seen).toEqual(keys);

    // Writes between pages: an object changed after the cursor is listed once (as it is now), one
    // changed before it is not listed again, a new one after it is listed, one before it is not.
    const before: string[] = [];
    const first = store.list(CONFIGMAPS, undefined, { limit: 100 });
    before.push(...first.items.map(keyOf));
    store.patch(CONFIGMAPS, 'default', 'cm-0000', 'merge', { data: { changed: 'yes' } });
    store.patch(CONFIGMAPS, 'istio-system', 'cm-0500', 'merge', { data: { changed: 'yes' } });
    store.create(CONFIGMAPS, 'default', configMap('a-new', 'default', 'front'));
    store.create(CONFIGMAPS, 'kube-system', configMap('zz-new', 'kube-system', 'front'));
    const rest: string[] = [];
    token = first.continue;
    let changed: unknown;
    while (token) {
      const page = store.list(CONFIGMAPS, undefined, { limit: 100, continue: token });
      expect(page.resourceVersion).toBe(first.resourceVersion);
      rest.push(...page.items.map(keyOf));
      changed ??= page.items.find((o) => keyOf(o) === 'istio-system/cm-0500')?.data;
      // The count is the first page's, carried in the token, less what each page returned: the
      // object created meanwhile is not in it (kube-apiserver counts at the list's revision too), and
      // a page that saw one more says at least one remains.
      if (page.continue)
        expect(page.remainingItemCount).toBe(Math.max(1, keys.length - before.length - rest.length));
      token = page.continue;
    }
    expect([...before, ...rest]).toEqual([...keys, 'kube-system/zz-new']);
    expect(changed).toMatchObject({ changed: 'yes' });

    // With a selector: pages still fill (matches are read past the first limit + 1 rows), no count.
    const back = keys.filter((_, i) => (i % 700) % 3 === 0);
    const selected: string[] = [];
    token = undefined;
    do {
      const page = store.list(CONFIGMAPS, undefined, {
        limit: 100,
        labelSelector: 'tier=back',
        continue: token,
      });
      expect(page.remainingItemCount).toBeUndefined();
      selected.push(...page.items.map(keyOf));
      if (page.continue) expect(page.items).toHaveLength(100);
      token = page.continue;
    } while (token);
    expect(selected).toEqual(back);

    // One namespace, and a token from a list of all namespaces used on one (keys order the same).
    const inNs: string[] = [];
    token = undefined;
    do {
      const page = store.list(CONFIGMAPS, 'istio-system', { limit: 100, continue: token });
      inNs.push(...page.items.map(keyOf));
      if (page.continue) expect(page.remainingItemCount).toBe(700 - inNs.length);
      token = page.continue;
    } while (token);
    expect(inNs).toEqual(keys.filter((k) => k.startsWith('istio-system/')));
    const allFirst = store.list(CONFIGMAPS, undefined, { limit: 100 });
    expect(
      store.list(CONFIGMAPS, 'istio-system', { limit: 100, continue: allFirst.continue }).items[0],
    ).toMatchObject({
      metadata: { namespace: 'istio-system', name: 'cm-0000' },
    });
    expect(
      store.list(CONFIGMAPS, 'default', { limit: 100, continue: first.continue }).items[0],
    ).toMatchObject({
      metadata: { namespace: 'default', name: 'cm-0100' },
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../index';
import { NAMESPACES, SERVICES, removeDir, startTestControlPlane } from '../testing/fixtures';

/** The targets the lead benchmarks, checked with headroom so a slow CI machine does not flake. */
describe('performance with 10,000 Services stored', () => {
  let cp: ControlPlane & { dataDir: string };
  let seedMs = 0;

  beforeAll(async () => {
    // The store and the HTTP watch are measured, not the controllers (which would give each of the
    // 10,000 Services its Endpoints and EndpointSlice meanwhile).
    cp = await startTestControlPlane({ controllers: false });
    const started = performance.now();
    cp.store.transaction(() => {
      for (let n = 0; n < 20; n++) cp.store.create(NAMESPACES, undefined, { metadata: { name: `ns-${n}` } });
      for (let i = 0; i < 10_000; i++) {
        cp.store.create(SERVICES, `ns-${i % 20}`, {
          metadata: { name: `svc-${i}`, labels: { app: `app-${i % 100}` } },
          spec: { selector: { app: `app-${i % 100}` }, ports: [{ name: 'http', port: 80 }] },
        });
      }
    });
    seedMs = performance.now() - started;
  });
  afterAll(async () => {
    await cp.close();
    removeDir(cp.dataDir);
  });

  it('seeds them in one transaction well under 10 s', () => {
    expect(seedMs).toBeLessThan(10_000);
    expect(cp.store.list(SERVICES, undefined).items).toHaveLength(10_000);
  });

  it('lists one namespace without reading the others', () => {
    const started = performance.now();
    const { items } = cp.store.list(SERVICES, 'ns-3');
    expect(items).toHaveLength(500);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('delivers a write to an HTTP watch in under 50 ms', async () => {
    const res = await fetch(`${cp.url}/api/v1/services?watch=1&resourceVersion=${cp.store.resourceVersion}`, {
      headers: { Authorization: `Bearer ${cp.token}` },
    });
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let buffered = '';
    const delays: number[] = [];
    for (let i = 0; i < 40; i++) {
      const started = performance.now();
      cp.store.patch(SERVICES, `ns-${i % 20}`, `svc-${i}`, 'merge', {
        metadata: { labels: { touched: String(i) } },
      });
      while (!buffered.includes('\n')) {
        const { value, done } = await reader.read();
        if (done) throw new Error('watch ended');
        buffered += decoder.decode(value, { stream: true });
      }
      buffered = buffered.slice(buffered.indexOf('\n') + 1);
      delays.push(performance.now() - started);
    }
    await reader.cancel();
    delays.sort((a, b) => a - b);
    const p95 = delays[Math.floor(delays.length * 0.95)] ?? Infinity;
    expect(p95).toBeLessThan(50);
  });
});

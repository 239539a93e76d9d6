import { describe, expect, it } from 'vitest';
import { simulation } from '../../embedded/demo-mesh/traffic/testing';
import { EmbeddedTelemetry } from '../monitoring/embedded-source';
import { resolveWindow } from '../monitoring/window';
import { buildGraph, nodeIds } from './graph';

const ECHO = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';

describe("the demo mesh's links, as the topology reads them", () => {
  // Half of EchoService's requests are turned away by a rate limit (429, a 4xx), none elsewhere.
  const demo = simulation({
    admission: { admit: (flow, count) => (flow.serviceId === ECHO ? Math.floor(count / 2) : count) },
  });
  demo.advance(120);
  const telemetry = new EmbeddedTelemetry(demo.store);
  const q = resolveWindow('5m', telemetry.scrapeIntervalSeconds);

  it('tells 4xx from 5xx, per caller and per version, and both sides count the same requests', async () => {
    const { calls, versions } = await telemetry.edges(q);
    const toEcho = calls.filter((c) => c.serviceId === ECHO);
    expect(toEcho.map((c) => c.source.app)).toContain('echo-consumer');
    const requests = toEcho.reduce((s, c) => s + c.requests, 0);
    const limited = toEcho.reduce((s, c) => s + c.clientErrors, 0);
    // About half (rounding down per instance and tick turns away a little more).
    expect(limited / requests).toBeGreaterThan(0.4);
    expect(limited / requests).toBeLessThan(0.8);
    const echoVersions = versions.filter((v) => v.serviceId === ECHO);
    expect(echoVersions.reduce((s, v) => s + v.requests, 0)).toBeCloseTo(requests, 6);
    expect(echoVersions.reduce((s, v) => s + v.clientErrors, 0)).toBeCloseTo(limited, 6);
    // Elsewhere no 4xx at all, and the p95 of a call is a latency, not a placeholder.
    const others = calls.filter((c) => c.serviceId !== ECHO);
    expect(others.reduce((s, c) => s + c.clientErrors, 0)).toBe(0);
    for (const c of calls.filter((x) => x.requests > 0)) expect(c.p95).toBeGreaterThan(0);
  });

  it('makes echo-provider failing on 4xx alone (≥ 20%), as Kiali would', async () => {
    const graph = buildGraph({
      links: await telemetry.edges(q),
      catalog: demo.catalog.view(),
      graphType: 'app',
    });
    const echo = graph.nodes.find((n) => n.id === nodeIds.app('dubbo-demo', 'echo-provider'));
    expect(echo?.health).toBe('failing');
    expect(echo?.inbound.clientErrorRate).toBeGreaterThan(0.4);
  });
});

import { describe, expect, it } from 'vitest';
import { DEMO_CHARACTERS } from '../../embedded/demo-mesh/traffic/profiles';
import { EmbeddedTelemetry } from '../../embedded/demo-mesh/traffic/telemetry-source';
import { simulation } from '../../embedded/demo-mesh/traffic/testing';
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

  it("draws the demo's sidecar calls as mutual TLS (productpage → details), and its L4 links as unknown", async () => {
    const graph = buildGraph({
      links: await telemetry.edges(q),
      catalog: demo.catalog.view(),
      graphType: 'versionedApp',
    });
    const toDetails = graph.edges.find(
      (e) =>
        e.source === nodeIds.version('bookinfo', 'productpage', 'v1') &&
        e.target === nodeIds.service('details.bookinfo.svc.cluster.local'),
    );
    expect(toDetails?.security).toBe('mutual_tls');
    for (const e of graph.edges.filter((x) => x.layer === 'l4')) expect(e.security, e.id).toBeNull();
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

describe("the demo mesh's health mix, as the whole-mesh topology shows it", () => {
  const apps = (health: string, nodes: { namespace: string; application: string; health: string }[]) =>
    nodes
      .filter((n) => n.health === health)
      .map((n) => `${n.namespace}/${n.application}`)
      .sort();

  // Several seeds and a long run: the mix is by design, not by luck of the draw.
  it.each([7, 11, 2019])(
    'is mostly healthy, with the seed’s characters degraded or failing (seed %i)',
    async (seed) => {
      const demo = simulation({ seed });
      const telemetry = new EmbeddedTelemetry(demo.store);
      const q = resolveWindow('5m', telemetry.scrapeIntervalSeconds);
      for (let minute = 0; minute < 10; minute++) {
        demo.advance(60);
        const graph = buildGraph({
          links: await telemetry.edges(q),
          catalog: demo.catalog.view(),
          graphType: 'app',
        });
        const inCatalog = graph.nodes.filter((n) => n.inCatalog);
        expect(apps('failing', inCatalog)).toEqual([...DEMO_CHARACTERS.failing].sort());
        expect(apps('degraded', inCatalog)).toEqual([...DEMO_CHARACTERS.degraded].sort());
        const healthy = apps('healthy', inCatalog);
        // Applications with L4 traffic alone (a TCP database, ambient without a waypoint) have no
        // requests to judge their health by: neither healthy nor not.
        const judged = inCatalog.filter((n) => !(n.inbound.requestsPerMinute === 0 && n.inboundTcp !== null));
        expect(healthy.length).toBeGreaterThan(judged.length * 0.8);
        // Edges into a healthy application are healthy too.
        const healthyIds = new Set(inCatalog.filter((n) => n.health === 'healthy').map((n) => n.id));
        for (const e of graph.edges.filter((x) => healthyIds.has(x.target) && x.health !== 'none'))
          expect(e.health, e.id).toBe('healthy');
      }
    },
  );

  it('tells the degraded version apart in the versioned graph', async () => {
    const demo = simulation();
    demo.advance(300);
    const telemetry = new EmbeddedTelemetry(demo.store);
    const graph = buildGraph({
      links: await telemetry.edges(resolveWindow('5m', telemetry.scrapeIntervalSeconds)),
      catalog: demo.catalog.view(),
      graphType: 'versionedApp',
    });
    const health = (app: string, version: string) =>
      graph.nodes.find((n) => n.id === nodeIds.version('shop', app, version))?.health;
    expect(health('payment', 'v1')).toBe('healthy');
    expect(health('payment', 'v2')).toBe('degraded');
  });
});

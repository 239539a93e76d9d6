import http from 'node:http';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshObjects } from './clients/mesh-objects';
import type { KubeObject, WriteOptions } from './clients/mesh-objects';
import { LEADER_LEASE } from './console';
import type { Console } from './console';
import { listenWhileBuilding, serve } from './server';
import { ADMIN_HEADER } from './testing/auth';
import { startTestControlPlane, testConsole } from './testing/console';
import type { TestControlPlane } from './testing/console';

/** Writes that wait at a gate the test opens: a change in flight while the console shuts down. */
class GatedObjects extends MeshObjects {
  gate: Promise<void> | null = null;
  entered: (() => void) | null = null;
  override async replace(obj: KubeObject, opts?: WriteOptions) {
    if (this.gate && !opts?.dryRun) {
      this.entered?.();
      await this.gate;
    }
    return super.replace(obj, opts);
  }
}

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const ROUTES = `/api/v1/services/${encodeURIComponent(REVIEWS)}/routes`;
const form = (a: number, b: number, extra: Record<string, unknown> = {}) => ({
  name: 'reviews-drain',
  routeType: 'version',
  trafficSplit: true,
  destinations: [
    { version: 'v1', weight: a },
    { version: 'v2', weight: b },
  ],
  ...extra,
});
const json = { ...ADMIN_HEADER, 'content-type': 'application/json' };

describe('the drain on SIGTERM', () => {
  let plane: TestControlPlane;

  beforeAll(async () => {
    plane = await startTestControlPlane();
  });

  afterAll(async () => {
    await plane?.close();
  });

  it('turns unready at once, finishes the write in flight, ends the streams, refuses what comes after, releases the lease', async () => {
    const objects = new GatedObjects(plane.kube);
    const built = await testConsole({ kube: plane.kube, catalog: plane.catalog, objects });
    const serving = await serve(built, { port: 0, host: '127.0.0.1', drainDelayMs: 400, graceMs: 10_000 });
    const url = serving.url;
    expect(built.leader.isLeader).toBe(true);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const created = await fetch(`${url}${ROUTES}`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(form(90, 10)),
    });
    expect(created.status).toBe(201);
    const { resourceVersion } = (await created.json()) as { resourceVersion: string };

    // A stream client, reading until the server ends its stream.
    const stream = await fetch(`${url}/api/v1/stream?window=5m`, { headers: ADMIN_HEADER });
    expect(stream.status).toBe(200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    const streamEnded = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return true;
        received += new TextDecoder().decode(value);
      }
    })();
    await expect.poll(() => built.stream.clientCount).toBe(1);
    expect(await built.metrics.openStreams.get()).toMatchObject({ values: [{ value: 1 }] });

    // A release's stream too (progressive delivery), on another service.
    const RELEASES = `/api/v1/services/${encodeURIComponent('ratings.bookinfo.svc.cluster.local')}/releases`;
    const release = await fetch(`${url}${RELEASES}`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        name: 'ratings-drain',
        stable: 'v1',
        canary: 'v2',
        steps: [
          { weight: 10, holdSeconds: 60 },
          { weight: 100, holdSeconds: 60 },
        ],
        gates: { maxErrorRate: 1, maxP99Ms: 400, minRequests: 1000 },
      }),
    });
    expect(release.status).toBe(201);
    const releaseStream = await fetch(`${url}${RELEASES}/ratings-drain/events`, { headers: ADMIN_HEADER });
    expect(releaseStream.status).toBe(200);
    const releaseReader = (releaseStream.body as ReadableStream<Uint8Array>).getReader();
    let releaseReceived = '';
    const releaseStreamEnded = (async () => {
      for (;;) {
        const { done, value } = await releaseReader.read();
        if (done) return true;
        releaseReceived += new TextDecoder().decode(value);
      }
    })();
    await expect.poll(() => releaseReceived).toContain('event: release');

    // A change held in the middle of its write.
    let open = () => {};
    objects.gate = new Promise<void>((resolve) => (open = resolve));
    const entered = new Promise<void>((resolve) => (objects.entered = resolve));
    const put = fetch(`${url}${ROUTES}/reviews-drain`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify(form(30, 70, { resourceVersion })),
    });
    await entered;

    const closing = serving.close();
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'shutting down' });

    // After the delay the listener is closed: a new request is refused (or, on a connection kept
    // alive, answered 503).
    await expect.poll(() => built.readiness.closed).toBe(true);
    const late = await fetch(`${url}/api/v1/services`, { headers: ADMIN_HEADER }).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);

    // The stream ended cleanly with its last frame, while the write still waits.
    expect(await streamEnded).toBe(true);
    expect(received).toContain('event: shutdown');
    expect(built.stream.clientCount).toBe(0);
    expect(await releaseStreamEnded).toBe(true);
    expect(releaseReceived).toContain('event: shutdown');

    open();
    const answered = await put;
    expect(answered.status).toBe(200);
    await closing;

    const live = (await plane.kube.custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: 'bookinfo',
      plural: 'virtualservices',
      name: 'reviews-drain',
    })) as { spec: { http: { route: { weight?: number }[] }[] } };
    expect(live.spec.http.at(-1)?.route.map((r) => r.weight)).toEqual([30, 70]);

    // Released: the next replica takes the lease on its next try, not after 10 s.
    const lease = await plane.kube.kubeConfig
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: LEADER_LEASE, namespace: 'default' });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
    expect(built.leader.isLeader).toBe(false);
  }, 60_000);
});

describe('listening before the console is built', () => {
  let plane: TestControlPlane;

  beforeAll(async () => {
    plane = await startTestControlPlane();
  });

  afterAll(async () => {
    await plane?.close();
  });

  it('answers the probes while building (alive, not ready: starting), then serves the console on the same listener', async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let building = false;
    const listening = await listenWhileBuilding(
      async () => {
        building = true;
        await gate;
        return testConsole({ kube: plane.kube, catalog: plane.catalog });
      },
      { port: 0, host: '127.0.0.1' },
    );
    const { url } = listening;
    expect(building).toBe(true);
    // The prototypes each request and response are born with (a listener before the app's).
    const born: { req: object; res: object }[] = [];
    listening.server.prependListener('request', (req, res) =>
      born.push({ req: Object.getPrototypeOf(req) as object, res: Object.getPrototypeOf(res) as object }),
    );

    const live = await fetch(`${url}/livez`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, reason: 'starting' });
    const api = await fetch(`${url}/api/v1/services`, { headers: ADMIN_HEADER });
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('5');
    expect(await api.json()).toMatchObject({ message: expect.stringContaining('starting') });
    expect(born.at(-1)).toEqual({ req: http.IncomingMessage.prototype, res: http.ServerResponse.prototype });

    open();
    const serving = await listening.serving;
    expect(serving.url).toBe(url);
    expect(serving.server).toBe(listening.server);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    const services = await fetch(`${url}/api/v1/services`, { headers: ADMIN_HEADER });
    expect(services.status).toBe(200);
    expect(((await services.json()) as { total: number }).total).toBeGreaterThan(0);
    // Born with the app's prototypes: Express's Object.setPrototypeOf of each request is a no-op
    // (server.ts, appServer: changing them made each request's objects outlive their collection).
    const { app } = serving.console;
    expect(born.at(-1)?.req).toBe(app.request);
    expect(born.at(-1)?.res).toBe(app.response);
    await serving.close();
    await expect(fetch(`${url}/livez`)).rejects.toThrow();
  }, 60_000);

  it('closes the listener and rejects with the cause when the build fails', async () => {
    let fail = (_err: Error) => {};
    const failing = new Promise<Console>((_resolve, reject) => (fail = reject));
    const listening = await listenWhileBuilding(() => failing, { port: 0, host: '127.0.0.1' });
    expect((await fetch(`${listening.url}/livez`)).status).toBe(200);
    fail(new Error('the control plane refused the lease'));
    await expect(listening.serving).rejects.toThrow('the control plane refused the lease');
    expect(listening.server.listening).toBe(false);
    await expect(fetch(`${listening.url}/livez`)).rejects.toThrow();
  });
});

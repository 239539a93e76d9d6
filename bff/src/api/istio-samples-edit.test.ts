import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../clients/mesh-objects';
import { MeshObjects } from '../clients/mesh-objects';
import { asAdmin, testAuth } from '../testing/auth';
import { fullApp, startTestControlPlane } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

/**
 * Every VirtualService of Istio's Bookinfo networking samples, applied as `kubectl apply` would
 * (with Bookinfo's DestinationRules), then opened on its service's Routes tab: where it shows (the
 * form, or YAML with the reasons, or read-only on another service's tab), and what an edit of its
 * weights leaves unchanged: everything else, byte for byte in JSON, metadata included.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const SAMPLES = path.resolve(here, '../testing/istio-samples/bookinfo/networking');
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Doc = KubeObject & { spec: Record<string, unknown> };
interface Destination {
  destination: { host: string; subset?: string };
  weight?: number;
}
interface Route {
  match?: unknown[];
  route?: Destination[];
}
interface Row {
  name: string;
  form: { destinations: { version: string; weight: number }[]; trafficSplit: boolean } | null;
  reasons: string[];
  scope: { namespace: string; match: string; editable: boolean; effect: string };
  resourceVersion: string;
}

function docs(file: string): Doc[] {
  return (yaml.loadAll(fs.readFileSync(path.join(SAMPLES, file), 'utf8')) as (Doc | null)[]).filter(
    (d): d is Doc => d !== null && typeof d === 'object',
  );
}

/** As kubectl's client-side apply leaves an object: its last-applied record among the annotations. */
const applied = (doc: Doc): Doc => ({
  ...doc,
  metadata: {
    ...doc.metadata,
    namespace: 'bookinfo',
    annotations: { ...(doc.metadata.annotations ?? {}), [LAST_APPLIED]: JSON.stringify(doc) },
  },
});

const BOOKINFO = ['productpage', 'details', 'reviews', 'ratings'];
const virtualServices = fs
  .readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => docs(f).map((d, i) => [`${f}#${i}`, d] as const))
  .filter(([, d]) => d.kind === 'VirtualService');

/** The Bookinfo service a rule is about: the one its hosts name, else the one its routes send to. */
function serviceOf(doc: Doc): string | undefined {
  const hosts = (doc.spec.hosts as string[] | undefined) ?? [];
  const named = hosts.find((h) => BOOKINFO.includes(h));
  if (named) return named;
  const routes = [
    ...((doc.spec.http as Route[] | undefined) ?? []),
    ...((doc.spec.tcp as Route[] | undefined) ?? []),
  ];
  return routes
    .flatMap((r) => r.route ?? [])
    .map((d) => d.destination.host)
    .find((h) => BOOKINFO.includes(h));
}

describe("Istio's Bookinfo VirtualServices on the Routes tab", () => {
  let plane: TestControlPlane;
  let app: ReturnType<typeof asAdmin>;
  let closeApp: () => Promise<void>;
  let objects: MeshObjects;
  /** How many samples opened in the form (19 of 23 when this was written; the rest as YAML or read-only). */
  let inForm = 0;

  beforeAll(async () => {
    plane = await startTestControlPlane();
    const built = await fullApp(plane, testAuth({ kube: plane.kube }));
    app = asAdmin(built.app);
    closeApp = built.close;
    objects = new MeshObjects(plane.kube);
    for (const file of ['destination-rule-all.yaml', 'bookinfo-gateway.yaml'])
      for (const d of docs(file)) if (d.kind !== 'VirtualService') await objects.create(applied(d));
  });
  afterAll(async () => {
    // The form is how operators edit these: most samples must open in it.
    expect(inForm).toBeGreaterThanOrEqual(18);
    await closeApp?.();
    await plane?.close();
  });

  it('covers every VirtualService of the samples that is about a Bookinfo service', () => {
    expect(virtualServices.filter(([, d]) => serviceOf(d)).length).toBeGreaterThanOrEqual(15);
  });

  it.each(virtualServices.filter(([, d]) => serviceOf(d)))('%s', async (file, doc) => {
    const service = `${serviceOf(doc)}.bookinfo.svc.cluster.local`;
    const routes = `/api/v1/services/${encodeURIComponent(service)}/routes`;
    const live = await objects.create(applied(doc));
    try {
      const list = await request(app).get(routes).expect(200);
      const row = (list.body.items as Row[]).find((r) => r.name === doc.metadata.name);
      expect(row, `${file} is listed on ${service}`).toBeDefined();
      if (!row) return;
      const read = async () =>
        objects.get({ apiVersion: doc.apiVersion, kind: 'VirtualService' }, 'bookinfo', doc.metadata.name);

      if (!row.scope.editable) {
        // A gateway's rule for another host: shown, read-only, never as the service's own.
        expect(row.form).toBeNull();
        expect(row.reasons.length).toBeGreaterThan(0);
        return;
      }
      if (!row.form) {
        // Opens as YAML, saying why in words naming the place.
        expect(row.reasons.length).toBeGreaterThan(0);
        return;
      }
      inForm += 1;
      const before = await read();
      const dests = row.form.destinations;
      if (dests.length < 2) {
        // Nothing to re-weigh: saved as it is, nothing is written.
        await request(app).put(`${routes}/${doc.metadata.name}`).send(row.form).expect(200);
        expect(await read()).toEqual(before);
        return;
      }
      const weights = dests.map((_, i) =>
        dests[0]?.weight === 100 ? (i === 1 ? 100 : 0) : i === 0 ? 100 : 0,
      );
      const edited = { ...row.form, destinations: dests.map((d, i) => ({ ...d, weight: weights[i] })) };
      await request(app).put(`${routes}/${doc.metadata.name}`).send(edited).expect(200);
      const after = await read();
      // Everything but the default route's weights is as kubectl applied it.
      const expected = structuredClone(live.spec) as { http: Route[] };
      const defaultRoute = expected.http[expected.http.length - 1] as Route;
      (defaultRoute.route ?? []).forEach((d, i) => {
        d.weight = weights[i];
      });
      expect(JSON.stringify(after.spec)).toBe(JSON.stringify(expected));
      // managedFields record the console's write (its time moves with every change, as on a cluster).
      const { resourceVersion: _a, generation: _b, managedFields: _e, ...metaAfter } = after.metadata;
      const { resourceVersion: _c, generation: _d, managedFields: _f, ...metaBefore } = before.metadata;
      expect(metaAfter).toEqual(metaBefore);
    } finally {
      await objects.delete(
        await objects.get(
          { apiVersion: doc.apiVersion, kind: 'VirtualService' },
          'bookinfo',
          doc.metadata.name,
        ),
      );
    }
  });
});

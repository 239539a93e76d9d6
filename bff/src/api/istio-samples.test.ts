import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../clients/mesh-objects';
import { MeshObjects } from '../clients/mesh-objects';
import { validateIstioObject } from '../mesh/istio-validation';
import { asAdmin, testAuth } from '../testing/auth';
import { fullApp, startTestControlPlane } from '../testing/console';
import type { TestControlPlane } from '../testing/console';

/**
 * Istio's own Bookinfo rules, unchanged, through the console's YAML editor: what Istio accepts must
 * not be refused by the console's checks (validation, hosts as stored, subsets defined), and what
 * is written must be what the file says. Read from the committed copy in testing/istio-samples.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
/** The committed copy (testing/istio-samples/README.md), so the test runs on any clone. */
const SAMPLES = path.resolve(here, '../testing/istio-samples/bookinfo/networking');
/** The material the project was given, when it is beside the project. */
const SHARED = path.resolve(here, '../../../../shared/istio/samples/bookinfo/networking');

type Doc = KubeObject & { spec: Record<string, unknown> };

function docs(file: string): Doc[] {
  return (yaml.loadAll(fs.readFileSync(path.join(SAMPLES, file), 'utf8')) as (Doc | null)[]).filter(
    (d): d is Doc => d !== null && typeof d === 'object',
  );
}

it.skipIf(!fs.existsSync(SHARED))('uses a copy of Istio’s Bookinfo rules identical to the shared one', () => {
  const files = (dir: string) => fs.readdirSync(dir).sort();
  expect(files(SAMPLES)).toEqual(files(SHARED));
  for (const file of files(SHARED)) {
    expect(fs.readFileSync(path.join(SAMPLES, file), 'utf8'), file).toBe(
      fs.readFileSync(path.join(SHARED, file), 'utf8'),
    );
  }
});

describe("Istio's Bookinfo rules through the YAML editor", () => {
  let plane: TestControlPlane;
  let app: ReturnType<typeof asAdmin>;
  let closeApp: () => Promise<void>;

  beforeAll(async () => {
    plane = await startTestControlPlane();
    const built = await fullApp(plane, testAuth({ kube: plane.kube }));
    app = asAdmin(built.app);
    closeApp = built.close;
    // As Istio's task does first: the subsets of every Bookinfo service.
    const objects = new MeshObjects(plane.kube);
    for (const dr of docs('destination-rule-all.yaml'))
      await objects.create({ ...dr, metadata: { ...dr.metadata, namespace: 'bookinfo' } });
  });
  afterAll(async () => {
    await closeApp?.();
    await plane?.close();
  });

  it('finds nothing to refuse in any networking object of the samples', () => {
    const files = fs.readdirSync(SAMPLES).filter((f) => f.endsWith('.yaml'));
    const refused = files.flatMap((f) =>
      docs(f)
        .filter((d) => d.apiVersion.startsWith('networking.istio.io/'))
        .flatMap((d) => validateIstioObject(d).map((p) => `${f} ${d.kind} ${p.field}: ${p.message}`)),
    );
    expect(files.length).toBeGreaterThan(10);
    expect(refused).toEqual([]);
  });

  const bookinfoServices = new Set(['productpage', 'details', 'reviews', 'ratings']);
  const mesh = fs.existsSync(SAMPLES)
    ? fs
        .readdirSync(SAMPLES)
        .filter((f) => f.startsWith('virtual-service-') || f.startsWith('fault-injection-'))
        .flatMap((f) => docs(f).map((d, i) => [`${f}#${i}`, d] as const))
        .filter(([, d]) => {
          const hosts = d.spec.hosts as string[] | undefined;
          return d.kind === 'VirtualService' && hosts?.length === 1 && bookinfoServices.has(hosts[0] ?? '');
        })
    : [];

  /**
   * Subsets whose workloads Istio's task deploys first (ratings-v2-mysql, ratings-v2-mysql-vm) and
   * the demo mesh does not run: sending traffic there would fail, so the console refuses, naming
   * the subset, as it would on a cluster where they are not deployed.
   */
  const NOT_DEPLOYED = new Set(['v2-mysql', 'v2-mysql-vm']);
  const subsetsOf = (doc: Doc) =>
    (JSON.stringify(doc.spec).match(/"subset":"[^"]+"/g) ?? []).map((m) => m.slice(10, -1));

  it.each(mesh)('takes %s as Istio does, and writes what it says', async (_, doc) => {
    const host = `${(doc.spec.hosts as string[])[0]}.bookinfo.svc.cluster.local`;
    const routes = `/api/v1/services/${encodeURIComponent(host)}/routes`;
    const res = await request(app)
      .post(routes)
      .send({ yaml: yaml.dump(doc) });
    const absent = subsetsOf(doc).find((s) => NOT_DEPLOYED.has(s));
    if (absent) {
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(`subset ${absent} selects no ready instance of ${host}`);
      return;
    }
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const live = (await plane.kube.custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: doc.apiVersion.split('/')[1] ?? 'v1',
      namespace: 'bookinfo',
      plural: 'virtualservices',
      name: doc.metadata.name,
    })) as Doc;
    expect(live.spec).toEqual(doc.spec);
    await request(app).delete(`${routes}/${doc.metadata.name}`).expect(204);
  });
});

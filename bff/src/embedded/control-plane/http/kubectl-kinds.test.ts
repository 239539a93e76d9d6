import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../index';
import { removeDir, startTestControlPlane, tempDir } from '../testing/fixtures';
import { kubectlInstalled, kubectlRunner } from '../testing/kubectl';

/**
 * Real manifests through a real kubectl: Istio's Bookinfo (Deployments run by the controllers),
 * Gateway API objects (vendored CRDs), and a CRD the test defines itself.
 */

/** The project's committed copy of Istio's Bookinfo (kept identical to ../shared by api/istio-samples.test.ts). */
const BOOKINFO = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../testing/istio-samples/bookinfo/platform/kube/bookinfo.yaml',
);

interface Obj {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  subsets?: { addresses?: { ip: string }[] }[];
}
interface List {
  items: Obj[];
}

describe.skipIf(!kubectlInstalled || !fs.existsSync(BOOKINFO))(
  kubectlInstalled ? 'real manifests through kubectl' : 'real manifests (SKIPPED: kubectl is not on PATH)',
  () => {
    let cp: ControlPlane & { dataDir: string };
    let work: string;

    const kubectl = kubectlRunner(
      () => cp.kubeconfigPath,
      () => work,
    );
    const json = async <T>(...args: string[]) => JSON.parse(await kubectl(...args, '-o', 'json')) as T;
    const write = (name: string, text: string) => {
      const file = path.join(work, name);
      fs.writeFileSync(file, text);
      return file;
    };

    beforeAll(async () => {
      cp = await startTestControlPlane();
      work = tempDir('cp-kubectl-kinds-');
      cp.store.create({ group: '', version: 'v1', plural: 'namespaces' }, undefined, {
        metadata: { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } },
      });
    });
    afterAll(async () => {
      await cp.close();
      removeDir(cp.dataDir);
      removeDir(work);
    });

    it('applies Bookinfo with validation on; its Deployments become ready pods behind the Services, and roll out, scale and go', async () => {
      const applied = await kubectl('apply', '-n', 'bookinfo', '-f', BOOKINFO);
      expect(applied).toContain('serviceaccount/bookinfo-reviews created');
      expect(applied).toContain('deployment.apps/reviews-v1 created');
      await kubectl(
        'wait',
        '-n',
        'bookinfo',
        '--for=condition=Available',
        'deployment',
        '--all',
        '--timeout=20s',
      );
      const table = (await kubectl('get', 'deployments', '-n', 'bookinfo')).trim().split('\n');
      expect(table[0]?.split(/\s+/)).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      expect(
        table
          .find((l) => l.startsWith('reviews-v1 '))
          ?.split(/\s+/)
          .slice(0, 4),
      ).toEqual(['reviews-v1', '1/1', '1', '1']);

      const pods = await json<List>('get', 'pods', '-n', 'bookinfo', '-l', 'app=reviews');
      expect(pods.items).toHaveLength(3);
      for (const pod of pods.items) {
        expect(pod.metadata.labels?.['security.istio.io/tlsMode']).toBe('istio');
        expect((pod.spec?.containers as { name: string }[]).map((c) => c.name)).toEqual([
          'reviews',
          'istio-proxy',
        ]);
      }
      const podIps = pods.items.map((p) => String(p.status?.podIP)).sort();
      const endpoints = await json<Obj>('get', 'endpoints', 'reviews', '-n', 'bookinfo');
      expect(
        endpoints.subsets
          ?.flatMap((s) => s.addresses ?? [])
          .map((a) => a.ip)
          .sort(),
      ).toEqual(podIps);

      // A rollout: a new ReplicaSet (revision 2) takes the pods, the old one is kept at 0.
      await kubectl('set', 'image', '-n', 'bookinfo', 'deployment/reviews-v1', 'reviews=example/reviews:2');
      await kubectl('rollout', 'status', '-n', 'bookinfo', 'deployment/reviews-v1', '--timeout=20s');
      const sets = await json<List>('get', 'rs', '-n', 'bookinfo', '-l', 'app=reviews,version=v1');
      const byRevision = Object.fromEntries(
        sets.items.map((rs) => [
          rs.metadata.annotations?.['deployment.kubernetes.io/revision'],
          rs.spec?.replicas,
        ]),
      );
      expect(byRevision).toEqual({ '1': 0, '2': 1 });
      const rolled = await json<List>('get', 'pods', '-n', 'bookinfo', '-l', 'app=reviews,version=v1');
      expect(rolled.items.map((p) => (p.spec?.containers as { image: string }[])[0]?.image)).toEqual([
        'example/reviews:2',
      ]);

      expect(await kubectl('scale', '-n', 'bookinfo', 'deployment/reviews-v1', '--replicas=3')).toContain(
        'scaled',
      );
      await kubectl('rollout', 'status', '-n', 'bookinfo', 'deployment/reviews-v1', '--timeout=20s');
      expect(
        (await json<List>('get', 'pods', '-n', 'bookinfo', '-l', 'app=reviews,version=v1')).items,
      ).toHaveLength(3);

      expect(await kubectl('delete', '-n', 'bookinfo', 'deployment', 'reviews-v1')).toContain('deleted');
      await cp.controllersIdle();
      expect(
        await kubectl('get', 'pods,rs', '-n', 'bookinfo', '-l', 'app=reviews,version=v1', '-o', 'name'),
      ).toBe('');

      // --cascade=orphan keeps the ReplicaSet and its Pods, no longer owned by the Deployment.
      await kubectl('delete', '-n', 'bookinfo', 'deployment', 'reviews-v2', '--cascade=orphan');
      await cp.controllersIdle();
      const orphans = await json<List>('get', 'rs', '-n', 'bookinfo', '-l', 'app=reviews,version=v2');
      expect(orphans.items).toHaveLength(1);
      expect(orphans.items[0]?.metadata).not.toHaveProperty('ownerReferences');
      expect(
        (await kubectl('get', 'pods', '-n', 'bookinfo', '-l', 'app=reviews,version=v2', '-o', 'name')).trim(),
      ).not.toBe('');
      // --cascade=foreground: the dependents are gone when the delete returns.
      await kubectl('delete', '-n', 'bookinfo', 'deployment', 'reviews-v3', '--cascade=foreground');
      expect(
        await kubectl('get', 'pods,rs', '-n', 'bookinfo', '-l', 'app=reviews,version=v3', '-o', 'name'),
      ).toBe('');
    });

    it('explains built-in and Istio fields with their descriptions', async () => {
      expect(await kubectl('explain', 'deployment.spec.replicas')).toMatch(
        /FIELD: replicas <integer>[\s\S]*Number of desired pods/,
      );
      expect(await kubectl('explain', 'virtualservice.spec.http')).toMatch(
        /FIELD: http <\[\]Object>[\s\S]*An ordered list of route rules for HTTP traffic/,
      );
    });

    it('serves Gateway API kinds from start, refusing an invalid route by its field', async () => {
      const file = write(
        'gateway.yaml',
        `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: bookinfo-gateway
  namespace: bookinfo
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: bookinfo
  namespace: bookinfo
spec:
  parentRefs:
  - name: bookinfo-gateway
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /productpage
    backendRefs:
    - name: productpage
      port: 9080
`,
      );
      const applied = await kubectl('apply', '-f', file);
      expect(applied).toContain('gateway.gateway.networking.k8s.io/bookinfo-gateway created');
      expect(applied).toContain('httproute.gateway.networking.k8s.io/bookinfo created');
      expect(await kubectl('get', 'httproutes', '-n', 'bookinfo', '-o', 'name')).toBe(
        'httproute.gateway.networking.k8s.io/bookinfo\n',
      );
      const bad = write(
        'bad-route.yaml',
        fs
          .readFileSync(file, 'utf8')
          .split('---\n')[1]
          ?.replace('name: bookinfo\n', 'name: bad\n')
          .replace('port: 9080', 'port: 70000') ?? '',
      );
      await expect(kubectl('apply', '-f', bad)).rejects.toThrow(/spec\.rules\[0\]\.backendRefs\[0\]\.port/);
    });

    it('serves the kind of a CRD a user applies, with its printer columns and descriptions, until the CRD is deleted', async () => {
      const crd = write(
        'crd.yaml',
        `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wdg]
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - name: Size
      type: integer
      jsonPath: .spec.size
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What a widget should be.
            properties:
              size:
                type: integer
                minimum: 1
                description: How big the widget is, in furlongs.
`,
      );
      expect(await kubectl('apply', '-f', crd)).toContain(
        'customresourcedefinition.apiextensions.k8s.io/widgets.example.com created',
      );
      await kubectl('wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=10s');
      const widget = write(
        'widget.yaml',
        'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n',
      );
      expect(await kubectl('apply', '-f', widget)).toContain('widget.example.com/w1 created');
      const [header, row] = (await kubectl('get', 'wdg')).trim().split('\n');
      expect(header?.split(/\s+/)).toEqual(['NAME', 'SIZE']);
      expect(row).toMatch(/^w1\s+3$/);
      expect(await kubectl('explain', 'widget.spec.size')).toContain('How big the widget is, in furlongs.');
      await expect(
        kubectl(
          'apply',
          '-f',
          write('bad-widget.yaml', fs.readFileSync(widget, 'utf8').replace('size: 3', 'size: 0')),
        ),
      ).rejects.toThrow(/spec\.size/);

      await kubectl('delete', '-f', crd);
      await expect(kubectl('get', 'widgets.example.com', 'w1')).rejects.toThrow(
        /the server doesn't have a resource type|could not find the requested resource|NotFound/,
      );
      const missing = await fetch(`${cp.url}/apis/example.com/v1/namespaces/default/widgets`, {
        headers: { authorization: `Bearer ${cp.token}` },
      });
      expect(missing.status).toBe(404);
    });
  },
);

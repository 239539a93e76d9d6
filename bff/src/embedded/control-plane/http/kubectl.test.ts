import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../index';
import { removeDir, startTestControlPlane, tempDir } from '../testing/fixtures';
import { kubectlInstalled, kubectlRunner } from '../testing/kubectl';

const VS_YAML = (weights: [number, number]) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  labels:
    app: reviews
spec:
  hosts:
  - reviews
  gateways:
  - mesh
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: ${weights[0]}
    - destination:
        host: reviews
        subset: v2
      weight: ${weights[1]}
`;

describe.skipIf(!kubectlInstalled)(
  kubectlInstalled ? 'a real kubectl with default flags' : 'a real kubectl (SKIPPED: kubectl is not on PATH)',
  () => {
    let cp: ControlPlane & { dataDir: string };
    let work: string;

    const kubectl = kubectlRunner(
      () => cp.kubeconfigPath,
      () => work,
    );

    beforeAll(async () => {
      cp = await startTestControlPlane();
      work = tempDir('cp-kubectl-');
    });
    afterAll(async () => {
      await cp.close();
      removeDir(cp.dataDir);
      removeDir(work);
    });

    it('applies, gets, lists, updates and deletes a VirtualService', async () => {
      const file = path.join(work, 'vs.yaml');
      fs.writeFileSync(file, VS_YAML([80, 20]));
      expect(await kubectl('apply', '-f', file)).toContain(
        'virtualservice.networking.istio.io/reviews created',
      );

      const applied = load(await kubectl('get', 'virtualservice', 'reviews', '-o', 'yaml')) as {
        apiVersion: string;
        metadata: { labels: Record<string, string>; generation: number; annotations: Record<string, string> };
        spec: unknown;
      };
      expect(applied.apiVersion).toBe('networking.istio.io/v1');
      expect(applied.metadata.labels).toEqual({ app: 'reviews' });
      expect(applied.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBeTruthy();
      expect(applied.spec).toEqual((load(VS_YAML([80, 20])) as { spec: unknown }).spec);

      const table = await kubectl('get', 'vs');
      const [header, row] = table.trim().split('\n');
      expect(header?.split(/\s+/)).toEqual(['NAME', 'GATEWAYS', 'HOSTS', 'AGE']);
      expect(row).toMatch(/^reviews\s+\["mesh"\]\s+\["reviews"\]\s+\d+s$/);

      fs.writeFileSync(file, VS_YAML([50, 50]));
      expect(await kubectl('apply', '-f', file)).toContain(
        'virtualservice.networking.istio.io/reviews configured',
      );
      expect(await kubectl('apply', '-f', file)).toContain(
        'virtualservice.networking.istio.io/reviews unchanged',
      );
      const updated = JSON.parse(await kubectl('get', 'vs', 'reviews', '-o', 'json')) as {
        metadata: { generation: number };
        spec: { http: { route: { weight: number }[] }[] };
      };
      expect(updated.spec.http[0]?.route.map((r) => r.weight)).toEqual([50, 50]);
      expect(updated.metadata.generation).toBe(2);

      expect(await kubectl('delete', 'virtualservice', 'reviews')).toContain(
        'virtualservice.networking.istio.io "reviews" deleted',
      );
      await expect(kubectl('get', 'vs', 'reviews')).rejects.toThrow(/NotFound|not found/);
    });

    it('shows the server-side validation errors kubectl users expect', async () => {
      const file = path.join(work, 'bad.yaml');
      fs.writeFileSync(
        file,
        VS_YAML([80, 20]).replace('weight: 80', 'weight: 79.5').replace('name: reviews', 'name: bad'),
      );
      await expect(kubectl('apply', '-f', file)).rejects.toThrow(
        /spec\.http\[0\]\.route\[0\]\.weight in body must be of type integer/,
      );
      fs.writeFileSync(file, `${VS_YAML([80, 20]).replace('name: reviews', 'name: bad')}  dubbo: {}\n`);
      await expect(kubectl('apply', '-f', file)).rejects.toThrow(
        /strict decoding error: unknown field "spec.dubbo"/,
      );
    });

    it('discovers, watches, dry-runs on the server, selects by field and writes status', async () => {
      const resources = await kubectl('api-resources', '-o', 'name');
      for (const r of [
        'pods',
        'deployments.apps',
        'virtualservices.networking.istio.io',
        'httproutes.gateway.networking.k8s.io',
        'customresourcedefinitions.apiextensions.k8s.io',
        'selfsubjectreviews.authentication.k8s.io',
      ]) {
        expect(resources.split('\n')).toContain(r);
      }
      expect(await kubectl('api-versions')).toContain('networking.istio.io/v1beta1');

      // `kubectl get --watch-only`: a change made after the watch starts arrives on it.
      const watcher = spawn(
        'kubectl',
        [
          '--kubeconfig',
          cp.kubeconfigPath,
          'get',
          'configmaps',
          '-n',
          'default',
          '--watch-only',
          '-o',
          'name',
        ],
        { env: { ...process.env, KUBECONFIG: '', HOME: work } },
      );
      let seen = '';
      watcher.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
      try {
        // A moment for the watch to open.
        await new Promise((r) => setTimeout(r, 1_000));
        const file = path.join(work, 'watched.yaml');
        fs.writeFileSync(
          file,
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n  namespace: default\n',
        );
        // --dry-run=server validates and answers without writing.
        expect(await kubectl('apply', '--dry-run=server', '-f', file)).toContain('(server dry run)');
        expect(
          await kubectl(
            'get',
            'cm',
            '-n',
            'default',
            '--field-selector',
            'metadata.name=watched',
            '-o',
            'name',
          ),
        ).toBe('');
        await kubectl('apply', '-f', file);
        const deadline = Date.now() + 10_000;
        while (!/configmap\/watched/.test(seen) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(seen).toMatch(/configmap\/watched/);
      } finally {
        watcher.kill();
      }
      expect(
        await kubectl(
          'get',
          'cm',
          '-n',
          'default',
          '--field-selector',
          'metadata.name=watched',
          '-o',
          'name',
        ),
      ).toBe('configmap/watched\n');

      // The status subresource: kubectl patch --subresource=status writes .status only.
      const deploy = path.join(work, 'deploy.yaml');
      fs.writeFileSync(
        deploy,
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  replicas: 0\n' +
          '  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n' +
          '    spec:\n      containers:\n      - name: web\n        image: nginx\n',
      );
      await kubectl('apply', '-f', deploy);
      await kubectl(
        'patch',
        'deployment',
        'web',
        '-n',
        'default',
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"observedGeneration":1,"replicas":0}}',
      );
      // A status change through the main resource is ignored, as on a real server.
      await kubectl(
        'patch',
        'deployment',
        'web',
        '-n',
        'default',
        '--type=merge',
        '-p',
        '{"spec":{"replicas":0},"status":{"observedGeneration":99}}',
      );
      expect(
        await kubectl(
          'get',
          'deployment',
          'web',
          '-n',
          'default',
          '-o',
          'jsonpath={.status.observedGeneration}',
        ),
      ).not.toBe('99');
    });

    it('creates, labels and lists core kinds from files', async () => {
      // Manifests go through the JSON path (imperative generators send protobuf: kubectl-protocol.test.ts).
      const file = path.join(work, 'core.yaml');
      fs.writeFileSync(
        file,
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n' +
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  a: b\n',
      );
      expect(await kubectl('create', '-f', file)).toContain('configmap/settings created');
      expect(await kubectl('label', 'cm', 'settings', '-n', 'shop', 'tier=back')).toContain(
        'configmap/settings labeled',
      );
      expect(await kubectl('get', 'cm', '-A', '-l', 'tier=back', '-o', 'name')).toBe('configmap/settings\n');
      const namespaces = await kubectl('get', 'namespaces', '-o', 'name');
      expect(namespaces.split('\n')).toEqual(
        expect.arrayContaining([
          'namespace/default',
          'namespace/istio-system',
          'namespace/kube-system',
          'namespace/shop',
        ]),
      );
      expect(await kubectl('delete', 'namespace', 'shop')).toContain('namespace "shop" deleted');
      expect(await kubectl('get', 'cm', '-A', '-l', 'tier=back', '-o', 'name')).toBe('');
    });
  },
);

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../index';
import { removeDir, startTestControlPlane, tempDir } from '../testing/fixtures';
import { kubectlInstalled, kubectlRunner } from '../testing/kubectl';
import { VIRTUAL_RESOURCES } from './virtual-resources';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; managedFields?: ManagedField[] };
  [field: string]: unknown;
}
interface ManagedField {
  manager: string;
  operation: string;
  fieldsV1: Record<string, unknown>;
}

/** A protobuf length-delimited field: key, length, bytes (lengths here stay under 128). */
const ld = (field: number, bytes: Uint8Array | string) => {
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
  return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
};

describe.skipIf(!kubectlInstalled)(
  kubectlInstalled
    ? 'kubectl protocol: protobuf, server-side apply, chunking, auth, scale'
    : 'kubectl protocol (SKIPPED: kubectl is not on PATH)',
  () => {
    let cp: ControlPlane & { dataDir: string };
    let work: string;

    const kubectl = kubectlRunner(
      () => cp.kubeconfigPath,
      () => work,
    );
    const getJson = async <T = Obj>(...args: string[]) =>
      JSON.parse(await kubectl('get', ...args, '-o', 'json')) as T;
    const raw = (p: string, init: RequestInit = {}) =>
      fetch(cp.url + p, {
        ...init,
        headers: { Authorization: `Bearer ${cp.token}`, ...(init.headers as Record<string, string>) },
      });

    beforeAll(async () => {
      cp = await startTestControlPlane();
      work = tempDir('cp-kubectl-protocol-');
    });
    afterAll(async () => {
      await cp.close();
      removeDir(cp.dataDir);
      removeDir(work);
    });

    it("creates what kubectl's imperative generators send as protobuf", async () => {
      const out = [
        await kubectl('create', 'namespace', 'shop'),
        await kubectl(
          'create',
          'configmap',
          'settings',
          '-n',
          'shop',
          '--from-literal=a=b',
          '--from-literal=c=d',
        ),
        await kubectl('create', 'secret', 'generic', 'creds', '-n', 'shop', '--from-literal=pw=hunter2'),
        await kubectl('create', 'serviceaccount', 'reviews', '-n', 'shop'),
        await kubectl('create', 'service', 'clusterip', 'web', '-n', 'shop', '--tcp=5678:8080'),
        await kubectl(
          'create',
          'deployment',
          'web',
          '-n',
          'shop',
          '--image=nginx:1.27',
          '--replicas=2',
          '--port=80',
        ),
      ].join('');
      for (const created of [
        'namespace/shop',
        'configmap/settings',
        'secret/creds',
        'serviceaccount/reviews',
        'service/web',
        'deployment.apps/web',
      ])
        expect(out).toContain(`${created} created`);

      const { items } = await getJson<{ items: Obj[] }>(
        '-n',
        'shop',
        'configmap/settings',
        'secret/creds',
        'serviceaccount/reviews',
        'service/web',
        'deployment/web',
      );
      const [cm, secret, sa, svc, deploy] = items;
      expect(cm?.data).toEqual({ a: 'b', c: 'd' });
      expect(secret).toMatchObject({
        type: 'Opaque',
        data: { pw: Buffer.from('hunter2').toString('base64') },
      });
      expect(sa).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'reviews' } });
      expect(svc?.spec).toMatchObject({
        type: 'ClusterIP',
        selector: { app: 'web' },
        ports: [{ name: '5678-8080', port: 5678, protocol: 'TCP', targetPort: 8080 }],
      });
      expect(deploy?.spec).toMatchObject({
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
        },
      });
      // Zero values protobuf writes but JSON omits (generateName "", hostNetwork false) stay absent.
      expect(cm?.metadata).not.toHaveProperty('generateName');
      expect(deploy?.spec).not.toHaveProperty('paused');
    });

    it('answers 415 naming a kind it cannot decode from protobuf, 400 for a broken body', async () => {
      const typeMeta = Buffer.concat([ld(1, 'batch/v1'), ld(2, 'Job')]);
      const envelope = Buffer.concat([
        Buffer.from('k8s\0', 'binary'),
        ld(1, typeMeta),
        ld(2, ld(1, ld(1, 'j'))),
      ]);
      const protobuf = { 'Content-Type': 'application/vnd.kubernetes.protobuf' };
      const job = await raw('/api/v1/namespaces/default/configmaps', {
        method: 'POST',
        headers: protobuf,
        body: envelope,
      });
      expect(job.status).toBe(415);
      expect(((await job.json()) as { message: string }).message).toMatch(
        /Job \(batch\/v1\) cannot be decoded/,
      );
      const broken = await raw('/api/v1/namespaces/default/configmaps', {
        method: 'POST',
        headers: protobuf,
        body: Buffer.from('k8s\0\x0a\x7f', 'binary'),
      });
      expect(broken.status).toBe(400);
    });
    it('lists in chunks (--chunk-size) and answers auth can-i, can-i --list and whoami', async () => {
      for (const n of ['c1', 'c2', 'c3', 'c4', 'c5'])
        await raw('/api/v1/namespaces/default/configmaps', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ metadata: { name: n }, data: { n } }),
        });
      const page = (await (await raw('/api/v1/namespaces/default/configmaps?limit=2')).json()) as {
        metadata: { continue?: string; remainingItemCount?: number };
        items: Obj[];
      };
      expect(page.items.map((o) => o.metadata.name)).toEqual(['c1', 'c2']);
      expect(page.metadata.remainingItemCount).toBe(3);
      expect(page.metadata.continue).toBeTruthy();
      const chunked = await kubectl('get', 'configmaps', '-n', 'default', '--chunk-size=2', '-o', 'name');
      expect(chunked.trim().split('\n')).toEqual(['c1', 'c2', 'c3', 'c4', 'c5'].map((n) => `configmap/${n}`));

      expect(await kubectl('auth', 'can-i', 'delete', 'deployments', '-n', 'shop')).toBe('yes\n');
      // Every virtual resource answers a POST with its status filled in, and stores nothing.
      for (const r of VIRTUAL_RESOURCES) {
        const res = await raw(`/apis/${r.group}/${r.version}/${r.plural}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            apiVersion: `${r.group}/${r.version}`,
            kind: r.kind,
            spec: { resourceAttributes: { verb: 'get', resource: 'pods' } },
          }),
        });
        expect(res.status).toBe(201);
        expect(((await res.json()) as { status?: unknown }).status).toBeTruthy();
        expect((await raw(`/apis/${r.group}/${r.version}/${r.plural}`)).status).toBe(405);
      }
      const rules = await kubectl('auth', 'can-i', '--list');
      expect(rules).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
      const whoami = JSON.parse(await kubectl('auth', 'whoami', '-o', 'json')) as {
        status: { userInfo: { username: string; groups: string[] } };
      };
      expect(whoami.status.userInfo).toEqual({
        username: 'mesh-console-admin',
        groups: ['system:masters', 'system:authenticated'],
      });
    });
    it('server-side applies with field managers: conflicts, --force-conflicts, removal of dropped fields', async () => {
      const file = path.join(work, 'ssa.yaml');
      const manifest = (data: Record<string, string>, labels = '') =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n${labels}data:\n` +
        Object.entries(data)
          .map(([k, v]) => `  ${k}: "${v}"\n`)
          .join('');
      const apply = (manager: string, ...extra: string[]) =>
        kubectl('apply', '--server-side', '-f', file, `--field-manager=${manager}`, ...extra);

      fs.writeFileSync(file, manifest({ a: '1', b: '2' }, '  labels:\n    team: a\n'));
      expect(await apply('alice')).toBe('configmap/ssa serverside-applied\n');
      fs.writeFileSync(file, manifest({ a: '9' }));
      await expect(apply('bob')).rejects.toThrow(
        'Apply failed with 1 conflict: conflict with "alice": .data.a',
      );
      await apply('bob', '--force-conflicts');
      fs.writeFileSync(file, manifest({ b: '2' }));
      await apply('alice');

      const cm = await getJson('configmap', 'ssa', '--show-managed-fields');
      expect(cm.data).toEqual({ a: '9', b: '2' });
      expect(cm.metadata.labels).toBeUndefined();
      const owners = Object.fromEntries((cm.metadata.managedFields ?? []).map((e) => [e.manager, e]));
      expect(owners.alice).toMatchObject({ operation: 'Apply', fieldsV1: { 'f:data': { 'f:b': {} } } });
      expect(owners.bob).toMatchObject({ operation: 'Apply', fieldsV1: { 'f:data': { 'f:a': {} } } });

      // PatchOptions as kube-apiserver checks them: an apply names its manager, force is for applies only.
      const patch = (query: string, type: string, body: unknown) =>
        raw(`/api/v1/namespaces/default/configmaps/ssa${query}`, {
          method: 'PATCH',
          headers: { 'Content-Type': type },
          body: JSON.stringify(body),
        });
      const unnamed = await patch('', 'application/apply-patch+yaml', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
      });
      expect(unnamed.status).toBe(422);
      expect(((await unnamed.json()) as { message: string }).message).toBe(
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
      expect((await patch('?force=true', 'application/merge-patch+json', { data: { z: '1' } })).status).toBe(
        422,
      );
      // An apply that creates answers 201 Created, one that changes 200, and YAML is taken as sent.
      const yamlApply = (data: string) =>
        raw('/api/v1/namespaces/default/configmaps/from-yaml?fieldManager=flux', {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/apply-patch+yaml' },
          body: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  x: "${data}"\n`,
        });
      expect((await yamlApply('1')).status).toBe(201);
      const changed = await yamlApply('2');
      expect(changed.status).toBe(200);
      expect(((await changed.json()) as Obj).data).toEqual({ x: '2' });
    });
    it('scales a Deployment with kubectl scale (the /scale subresource)', async () => {
      // The Deployment created by the first test.
      expect(await kubectl('scale', 'deployment', 'web', '-n', 'shop', '--replicas=3')).toBe(
        'deployment.apps/web scaled\n',
      );
      const scale = JSON.parse(
        await kubectl('get', '--raw', '/apis/apps/v1/namespaces/shop/deployments/web/scale'),
      ) as { kind: string; spec: { replicas: number }; status: { selector: string } };
      expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 3 }, status: { selector: 'app=web' } });
      const notScalable = await raw('/api/v1/namespaces/shop/configmaps/settings/scale');
      expect(notScalable.status).toBe(404);
    });
    it('serves /openapi/v2, so kubectl validates a file with a kind it does not serve object by object', async () => {
      const file = path.join(work, 'mixed.yaml');
      fs.writeFileSync(
        file,
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mixed\ndata:\n  a: b\n---\n' +
          'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n' +
          '      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n',
      );
      // kubectl reads the protobuf v2 document when v3 lacks the Job; unreadable, it refuses the whole file.
      await expect(kubectl('apply', '-f', file)).rejects.toThrow(
        /no matches for kind "Job" in version "batch\/v1"/,
      );
      expect((await getJson('configmap', 'mixed')).data).toEqual({ a: 'b' });

      const swagger = (await (
        await raw('/openapi/v2', { headers: { Accept: 'application/json' } })
      ).json()) as {
        swagger: string;
        definitions: Record<
          string,
          { 'x-kubernetes-group-version-kind'?: unknown[]; properties?: Record<string, unknown> }
        >;
        paths: Record<string, { patch?: { parameters?: { in: string; schema?: unknown }[] } }>;
      };
      expect(swagger.swagger).toBe('2.0');
      const deployment = swagger.definitions['io.k8s.api.apps.v1.Deployment'];
      expect(deployment?.['x-kubernetes-group-version-kind']).toEqual([
        { group: 'apps', kind: 'Deployment', version: 'v1' },
      ]);
      expect(deployment?.properties?.metadata).toEqual({
        $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      });
      const patch = swagger.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
      expect(patch?.parameters?.find((p) => p.in === 'body')).toBeTruthy();
      const pb = await raw('/openapi/v2', {
        headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' },
      });
      expect(pb.headers.get('content-type')).toBe('application/octet-stream');
      expect((await raw('/openapi/v2', { headers: { Accept: 'text/html' } })).status).toBe(406);
    });
  },
);

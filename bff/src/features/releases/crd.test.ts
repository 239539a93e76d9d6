import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../clients/kube';
import { kubeStatusOf } from '../../clients/kube-errors';
import { startControlPlane } from '../../embedded/control-plane';
import type { ControlPlane } from '../../embedded/control-plane';
import { silentLogger } from '../../lib/logger';
import { startRelease } from '../../mesh/release';
import { RELEASE_CRD } from './crd';
import type { ReleaseObjectSpec } from './crd';
import { ReleaseConflict, ReleaseStore } from './store';

const SHIPPED = new URL('../../../../deploy/kustomize/base/release-crd.yaml', import.meta.url);

const spec: ReleaseObjectSpec = {
  stable: 'v1',
  canary: 'v3',
  steps: [
    { weight: 20, holdSeconds: 5 },
    { weight: 100, holdSeconds: 5 },
  ],
  gates: { maxErrorRate: 1, maxP99Ms: 400, minRequests: 10 },
  onFailure: 'rollback',
  target: {
    serviceId: 'reviews.bookinfo.svc.cluster.local',
    host: 'reviews.bookinfo.svc.cluster.local',
    routeKind: 'VirtualService',
    routeName: 'reviews',
  },
  createdBy: { name: 'alice', role: 'operator', groups: [] },
};

describe('the Release custom resource', () => {
  let cp: ControlPlane;
  let kube: KubeClient;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-release-crd-'));
    cp = await startControlPlane({ dataDir, logger: silentLogger(), controllers: false });
    kube = KubeClient.forLoopback(cp.url, cp.token);
    await kube.core.createNamespace({ body: { metadata: { name: 'bookinfo' } } });
  });
  afterAll(async () => {
    await cp?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is shipped in the kustomize base as the embedded control plane serves it', () => {
    expect(yaml.load(fs.readFileSync(SHIPPED, 'utf8'))).toEqual(RELEASE_CRD);
    const kustomization = fs.readFileSync(new URL('kustomization.yaml', SHIPPED), 'utf8');
    expect(kustomization).toMatch(/^ {2}- release-crd\.yaml$/m);
  });

  it('stores a release with its status on the status subresource, and refuses a stale status', async () => {
    const store = new ReleaseStore(kube, kube);
    const status = startRelease({ name: 'crd-ok', ...spec }, new Date()).status;
    const created = await store.create('bookinfo', 'crd-ok', spec, status);
    expect(created.status?.phase).toBe('Progressing');
    expect(created.spec.target.routeName).toBe('reviews');
    const next = await store.updateStatus(created, { ...status, step: 1 });
    expect(next.status?.step).toBe(1);
    await expect(store.updateStatus(created, { ...status, step: 1 })).rejects.toBeInstanceOf(ReleaseConflict);
    // The status subresource: a write of the object itself leaves the status as it was.
    const replaced = (await kube.custom.replaceNamespacedCustomObject({
      group: 'mesh-console.io',
      version: 'v1alpha1',
      plural: 'releases',
      namespace: 'bookinfo',
      name: 'crd-ok',
      body: { ...next, status: { ...next.status, step: 0 } },
    })) as { status: { step: number } };
    expect(replaced.status.step).toBe(1);
    expect((await store.list('bookinfo')).map((r) => r.metadata.name)).toEqual(['crd-ok']);
  });

  it.each([
    ['a weight above 100', { steps: [{ weight: 200, holdSeconds: 5 }] }, 'spec.steps[0].weight'],
    ['a hold below 5 s', { steps: [{ weight: 100, holdSeconds: 1 }] }, 'spec.steps[0].holdSeconds'],
    ['another failure policy', { onFailure: 'ignore' }, 'spec.onFailure'],
    ['no gates', { gates: undefined }, 'spec.gates'],
    ['another route kind', { target: { ...spec.target, routeKind: 'GRPCRoute' } }, 'spec.target.routeKind'],
  ])('refuses %s (422 naming the field)', async (_, change, field) => {
    const err = await kube.custom
      .createNamespacedCustomObject({
        group: 'mesh-console.io',
        version: 'v1alpha1',
        plural: 'releases',
        namespace: 'bookinfo',
        body: {
          apiVersion: 'mesh-console.io/v1alpha1',
          kind: 'Release',
          metadata: { name: 'crd-bad' },
          spec: JSON.parse(JSON.stringify({ ...spec, ...change })) as unknown,
        },
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(kubeStatusOf(err)?.code).toBe(422);
    expect(JSON.stringify(kubeStatusOf(err))).toContain(field);
  });
});

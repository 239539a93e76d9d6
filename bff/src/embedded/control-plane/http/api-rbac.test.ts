import fs from 'node:fs';
import path from 'node:path';
import { ApiException, AuthenticationV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../index';
import { eventually, removeDir, startTestControlPlane, tempDir } from '../testing/fixtures';

/**
 * A client in a pod, through @kubernetes/client-node: `loadFromCluster` reads the ServiceAccount
 * token and CA from the pod's files and the address from KUBERNETES_SERVICE_HOST/PORT, and RBAC
 * decides what that identity may do. The admin sets up the ServiceAccount, its binding and its token.
 */

const RBAC = 'rbac.authorization.k8s.io';

describe('ServiceAccount tokens and RBAC, through @kubernetes/client-node', () => {
  let cp: ControlPlane & { dataDir: string };
  let podFiles: string;
  let admin: CoreV1Api;
  let inPod: KubeConfig;

  const adminFetch = (p: string, body: unknown) =>
    fetch(cp.url + p, {
      method: 'POST',
      headers: { Authorization: `Bearer ${cp.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    cp = await startTestControlPlane({ controllers: false });
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    admin = kc.makeApiClient(CoreV1Api);
    await admin.createNamespace({ body: { metadata: { name: 'mesh' } } });
    await admin.createNamespacedServiceAccount({
      namespace: 'mesh',
      body: { metadata: { name: 'console' } },
    });
    await adminFetch(`/apis/${RBAC}/v1/clusterroles`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'console' },
      rules: [
        { apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['alice'] },
      ],
    });
    await adminFetch(`/apis/${RBAC}/v1/clusterrolebindings`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'console' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'console' },
      subjects: [{ kind: 'ServiceAccount', name: 'console', namespace: 'mesh' }],
    });
    const tr = await admin.createNamespacedServiceAccountToken({
      namespace: 'mesh',
      name: 'console',
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });

    // The files a kubelet mounts into the pod, and the environment it sets.
    podFiles = tempDir('cp-pod-');
    const sa = path.join(podFiles, 'var/run/secrets/kubernetes.io/serviceaccount');
    fs.mkdirSync(sa, { recursive: true });
    fs.writeFileSync(path.join(sa, 'token'), tr.status?.token ?? '');
    fs.writeFileSync(path.join(sa, 'namespace'), 'mesh');
    const caData = kc.getCurrentCluster()?.caData ?? '';
    fs.writeFileSync(path.join(sa, 'ca.crt'), Buffer.from(caData, 'base64'));
    const server = new URL(kc.getCurrentCluster()?.server ?? '');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = server.hostname;
    process.env.KUBERNETES_SERVICE_PORT = server.port;
    try {
      inPod = new KubeConfig();
      inPod.loadFromCluster(podFiles);
    } finally {
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      else process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      else process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });
  afterAll(async () => {
    await cp.close();
    removeDir(cp.dataDir);
    removeDir(podFiles);
  });

  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      if (err instanceof ApiException)
        return { code: err.code, body: JSON.parse(String(err.body)) as unknown };
      throw err;
    }
    throw new Error('expected a refusal');
  };

  it('lists what its ClusterRole grants, cluster-wide, over TLS with the mounted CA', async () => {
    const core = inPod.makeApiClient(CoreV1Api);
    await admin.createNamespacedService({
      namespace: 'mesh',
      body: { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } },
    });
    const services = await core.listServiceForAllNamespaces();
    expect(services.items.map((s) => s.metadata?.name)).toContain('web');
    const who = await inPod.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(who.status?.userInfo?.username).toBe('system:serviceaccount:mesh:console');
  });

  it('is refused what its ClusterRole does not grant, with a 403 Status', async () => {
    const core = inPod.makeApiClient(CoreV1Api);
    expect(
      await refusal(core.createNamespacedConfigMap({ namespace: 'mesh', body: { metadata: { name: 'x' } } })),
    ).toEqual({
      code: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'configmaps is forbidden: User "system:serviceaccount:mesh:console" cannot create resource "configmaps" in API group "" in the namespace "mesh"',
        reason: 'Forbidden',
        details: { kind: 'configmaps' },
        code: 403,
      },
    });
  });

  it('starts a watch it may make and is refused one it may not', async () => {
    await admin.createNamespacedPod({
      namespace: 'mesh',
      body: { metadata: { name: 'web-1' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
    });
    const events: string[] = [];
    let ended: unknown;
    const allowed = await new Watch(inPod).watch(
      '/api/v1/pods',
      {},
      (type, pod: { metadata?: { name?: string } }) => events.push(`${type} ${pod.metadata?.name ?? ''}`),
      (err) => (ended = err),
    );
    await eventually(() => events.length > 0 || ended !== undefined, 5000, 'the first watch event');
    expect(events).toEqual(['ADDED web-1']);
    allowed.abort();
    const refused = await new Promise<unknown>((resolve) => {
      void new Watch(inPod).watch('/api/v1/secrets', {}, () => undefined, resolve);
    });
    expect((refused as { statusCode?: number }).statusCode).toBe(403);
  });

  it('impersonates only the user its rule names', async () => {
    const as = (user: string) => {
      const cluster = inPod.getCurrentCluster();
      const podUser = inPod.getCurrentUser();
      if (!cluster || !podUser) throw new Error('no in-cluster config');
      const kc = new KubeConfig();
      kc.loadFromClusterAndUser(cluster, { ...podUser, impersonateUser: user });
      return kc.makeApiClient(CoreV1Api);
    };
    // alice may be impersonated but has no grants of her own.
    const alice = await refusal(as('alice').listNamespacedPod({ namespace: 'mesh' }));
    expect(alice.code).toBe(403);
    expect(JSON.stringify(alice.body)).toContain('User \\"alice\\" cannot list resource \\"pods\\"');
    const bob = await refusal(as('bob').listNamespacedPod({ namespace: 'mesh' }));
    expect(JSON.stringify(bob.body)).toContain(
      'users \\"bob\\" is forbidden: User \\"system:serviceaccount:mesh:console\\" cannot impersonate resource \\"users\\"',
    );
  });
});

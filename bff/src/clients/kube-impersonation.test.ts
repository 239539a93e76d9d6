import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAs } from '../lib/request-context';
import type { Principal } from '../lib/principal';
import { KubeClient } from './kube';
import { toApiError } from './kube-errors';

/**
 * With a real cluster, the console's writes impersonate the signed-in user. A small API server
 * records what arrives and refuses one user, as RBAC would.
 */
describe('impersonation', () => {
  let server: Server;
  let url: string;
  const seen: { method: string; headers: IncomingHttpHeaders; raw: string[] }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method ?? '', headers: req.headers, raw: req.rawHeaders });
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.headers['impersonate-user'] === 'mallory') {
          res.statusCode = 403;
          res.end(
            JSON.stringify({
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              reason: 'Forbidden',
              code: 403,
              message:
                'configmaps is forbidden: User "mallory" cannot create resource "configmaps" in API group "" in the namespace "demo"',
            }),
          );
          return;
        }
        res.end(
          JSON.stringify(
            req.method === 'GET'
              ? { kind: 'ConfigMapList', apiVersion: 'v1', metadata: {}, items: [] }
              : { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', namespace: 'demo' } },
          ),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const user = (name: string, groups: string[] = []): Principal => ({
    name,
    role: 'operator',
    namespaces: ['demo'],
    via: 'oidc',
    groups,
    mustChangePassword: false,
  });
  const create = (kube: KubeClient) =>
    kube.core.createNamespacedConfigMap({ namespace: 'demo', body: { metadata: { name: 'x' } } });
  const impersonation = (raw: string[]) => {
    const pairs: [string, string][] = [];
    for (let i = 0; i < raw.length; i += 2)
      if (/^impersonate-/i.test(raw[i] as string))
        pairs.push([(raw[i] as string).toLowerCase(), raw[i + 1] as string]);
    return pairs;
  };

  it('sends Impersonate-User and one Impersonate-Group per group on writes, keeping the credentials', async () => {
    const kube = KubeClient.forLoopback(url, 'console-token', { impersonate: true });
    seen.length = 0;
    await runAs({ ...user('oidc:0b9e1c', ['platform', 'oncall']), displayName: 'alice' }, () => create(kube));
    const write = seen.at(-1);
    expect(write?.method).toBe('POST');
    expect(write?.headers.authorization).toBe('Bearer console-token');
    // The stable identity (not the display name); the provider's groups prefixed, the role's not.
    expect(impersonation(write?.raw ?? [])).toEqual([
      ['impersonate-user', 'oidc:0b9e1c'],
      ['impersonate-group', 'mesh-console:operator'],
      ['impersonate-group', 'oidc:platform'],
      ['impersonate-group', 'oidc:oncall'],
    ]);
  });

  it('never lets a provider group pass as one of the cluster’s own', async () => {
    const kube = KubeClient.forLoopback(url, 'console-token', { impersonate: true });
    seen.length = 0;
    await runAs(user('oidc:mallory-sub', ['system:masters', 'mesh-console:admin']), () => create(kube));
    const groups = impersonation(seen.at(-1)?.raw ?? [])
      .filter(([name]) => name === 'impersonate-group')
      .map(([, value]) => value);
    expect(groups).toEqual(['mesh-console:operator', 'oidc:system:masters', 'oidc:mesh-console:admin']);
    expect(groups).not.toContain('system:masters');
  });

  it('does not impersonate on reads, outside a request, or for the console’s own client', async () => {
    const kube = KubeClient.forLoopback(url, 'console-token', { impersonate: true });
    seen.length = 0;
    await runAs(user('alice'), () => kube.core.listNamespacedConfigMap({ namespace: 'demo' }));
    await create(kube);
    await runAs(user('alice'), () => create(kube.withoutImpersonation()));
    await runAs(user('alice'), () => create(KubeClient.forLoopback(url, 'console-token')));
    expect(seen.map((s) => impersonation(s.raw).length)).toEqual([0, 0, 0, 0]);
  });

  it('turns a refusal by Kubernetes RBAC into a clear 403', async () => {
    const kube = KubeClient.forLoopback(url, 'console-token', { impersonate: true });
    const err = await runAs(user('mallory'), () => create(kube)).then(
      () => null,
      (e: unknown) => e,
    );
    const api = toApiError(err, 'Routing rule reviews');
    expect(api?.status).toBe(403);
    expect(api?.toBody()).toEqual({
      code: 'KubernetesForbidden',
      message: expect.stringContaining('User "mallory" cannot create resource "configmaps"'),
    });
    expect(api?.message).toMatch(/^Kubernetes does not allow you this change to Routing rule reviews/);
  });
});

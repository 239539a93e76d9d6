import { describe, expect, it } from 'vitest';
import { parseRoute } from '../http/routes';
import { attributesOf } from './request-auth';

const attrs = (method: string, url: string) => {
  const u = new URL(url, 'https://cp');
  return attributesOf(parseRoute(u.pathname), method, u);
};

describe('request attributes, as kube-apiserver resolves them', () => {
  it('names the verb from the method, whether a name is given and watch', () => {
    expect(attrs('GET', '/api/v1/namespaces/a/pods')).toMatchObject({
      verb: 'list',
      namespace: 'a',
      name: '',
    });
    expect(attrs('GET', '/api/v1/namespaces/a/pods/p')).toMatchObject({ verb: 'get', name: 'p' });
    expect(attrs('GET', '/api/v1/pods?watch=true')).toMatchObject({ verb: 'watch', namespace: '' });
    expect(attrs('GET', '/api/v1/watch/namespaces/a/pods')).toMatchObject({ verb: 'watch', namespace: 'a' });
    expect(attrs('POST', '/apis/apps/v1/namespaces/a/deployments')).toMatchObject({
      verb: 'create',
      group: 'apps',
      resource: 'deployments',
    });
    expect(attrs('PUT', '/apis/apps/v1/namespaces/a/deployments/d/scale')).toMatchObject({
      verb: 'update',
      subresource: 'scale',
      name: 'd',
    });
    expect(attrs('PATCH', '/api/v1/namespaces/a/services/s/status')).toMatchObject({
      verb: 'patch',
      subresource: 'status',
    });
    expect(attrs('DELETE', '/api/v1/namespaces/a/configmaps/c')).toMatchObject({ verb: 'delete' });
    expect(attrs('DELETE', '/api/v1/namespaces/a/configmaps')).toMatchObject({ verb: 'deletecollection' });
  });

  it('limits a list or watch by a metadata.name field selector to that name', () => {
    expect(attrs('GET', '/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%3Ds1')).toMatchObject({
      verb: 'list',
      name: 's1',
    });
    expect(
      attrs('GET', '/api/v1/namespaces/a/secrets?watch=1&fieldSelector=type%3Dx,metadata.name%3D%3Ds2'),
    ).toMatchObject({ verb: 'watch', name: 's2' });
  });

  it('puts a Namespace in itself and treats other paths as non-resource requests', () => {
    expect(attrs('GET', '/api/v1/namespaces/team')).toMatchObject({
      resource: 'namespaces',
      namespace: 'team',
      name: 'team',
    });
    expect(attrs('GET', '/api/v1/namespaces')).toMatchObject({ namespace: '' });
    expect(attrs('GET', '/apis/apps/v1')).toEqual({
      kind: 'non-resource',
      verb: 'get',
      path: '/apis/apps/v1',
    });
    expect(attrs('GET', '/openapi/v3/apis/apps/v1')).toMatchObject({ kind: 'non-resource' });
    expect(attrs('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).toMatchObject({
      kind: 'resource',
      verb: 'create',
      group: 'authorization.k8s.io',
      resource: 'selfsubjectaccessreviews',
    });
  });
});

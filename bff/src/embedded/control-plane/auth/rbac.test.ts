import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestStore } from '../testing/fixtures';
import { openStore } from '../testing/fixtures';
import type { ResourceAttributes } from './attributes';
import { ADMIN_USER, serviceAccountUser } from './attributes';
import type { PolicyRule } from './rbac';
import { RbacAuthorizer, ruleAllows } from './rbac';

const rule = (r: Partial<PolicyRule>): PolicyRule => ({
  verbs: [],
  apiGroups: [],
  resources: [],
  resourceNames: [],
  nonResourceURLs: [],
  ...r,
});

const req = (r: Partial<ResourceAttributes>): ResourceAttributes => ({
  kind: 'resource',
  verb: 'get',
  group: '',
  resource: 'pods',
  subresource: '',
  namespace: 'default',
  name: '',
  ...r,
});

describe('RBAC rule matching', () => {
  it('matches verbs, groups and resources, with * for each as Kubernetes defines it', () => {
    const pods = rule({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] });
    expect(ruleAllows(pods, req({ verb: 'list' }))).toBe(true);
    expect(ruleAllows(pods, req({ verb: 'watch' }))).toBe(false);
    expect(ruleAllows(pods, req({ group: 'apps' }))).toBe(false);
    expect(ruleAllows(pods, req({ resource: 'services' }))).toBe(false);
    // A rule for a resource does not reach its subresources.
    expect(ruleAllows(pods, req({ subresource: 'status' }))).toBe(false);
    const all = rule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    expect(ruleAllows(all, req({ verb: 'deletecollection', group: 'apps', resource: 'deployments' }))).toBe(
      true,
    );
    expect(ruleAllows(all, req({ resource: 'deployments', subresource: 'scale' }))).toBe(true);
  });

  it('matches subresources by name or by */subresource, and names by resourceNames', () => {
    const scale = rule({ verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] });
    const scaleReq = req({ verb: 'update', group: 'apps', resource: 'deployments', subresource: 'scale' });
    expect(ruleAllows(scale, scaleReq)).toBe(true);
    expect(ruleAllows(scale, { ...scaleReq, subresource: '' })).toBe(false);
    const anyStatus = rule({ verbs: ['patch'], apiGroups: ['*'], resources: ['*/status'] });
    expect(ruleAllows(anyStatus, req({ verb: 'patch', resource: 'services', subresource: 'status' }))).toBe(
      true,
    );
    expect(ruleAllows(anyStatus, req({ verb: 'patch', resource: 'services' }))).toBe(false);
    const named = rule({
      verbs: ['get', 'create'],
      apiGroups: [''],
      resources: ['secrets'],
      resourceNames: ['a'],
    });
    expect(ruleAllows(named, req({ resource: 'secrets', name: 'a' }))).toBe(true);
    expect(ruleAllows(named, req({ resource: 'secrets', name: 'b' }))).toBe(false);
    // A create names no object, so a rule limited to names never allows it.
    expect(ruleAllows(named, req({ verb: 'create', resource: 'secrets' }))).toBe(false);
  });

  it('matches non-resource URLs exactly or by a trailing *', () => {
    const discovery = rule({ verbs: ['get'], nonResourceURLs: ['/apis/*', '/version'] });
    expect(ruleAllows(discovery, { kind: 'non-resource', verb: 'get', path: '/apis/apps/v1' })).toBe(true);
    expect(ruleAllows(discovery, { kind: 'non-resource', verb: 'get', path: '/version' })).toBe(true);
    expect(ruleAllows(discovery, { kind: 'non-resource', verb: 'get', path: '/metrics' })).toBe(false);
    expect(ruleAllows(discovery, { kind: 'non-resource', verb: 'post', path: '/version' })).toBe(false);
    // A resource rule says nothing about paths, and a path rule nothing about resources.
    expect(
      ruleAllows(rule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }), {
        kind: 'non-resource',
        verb: 'get',
        path: '/x',
      }),
    ).toBe(false);
  });
});

describe('RbacAuthorizer', () => {
  let ts: TestStore;
  let rbac: RbacAuthorizer;
  const sa = serviceAccountUser('mesh', 'console');
  const RBAC = 'rbac.authorization.k8s.io';
  const gvr = (plural: string) => ({ group: RBAC, version: 'v1', plural });

  beforeEach(() => {
    ts = openStore();
    ts.store.ensureNamespaces(['mesh', 'team']);
    rbac = new RbacAuthorizer(ts.store);
  });
  afterEach(() => {
    rbac.stop();
    ts.close();
  });

  const clusterRole = (name: string, rules: Partial<PolicyRule>[], labels?: Record<string, string>) =>
    ts.store.create(gvr('clusterroles'), undefined, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name, ...(labels ? { labels } : {}) },
      rules,
    });
  const binding = (
    kind: 'RoleBinding' | 'ClusterRoleBinding',
    name: string,
    role: string,
    namespace?: string,
    subjectNamespace: string | null = 'mesh',
  ) =>
    ts.store.create(gvr(kind === 'RoleBinding' ? 'rolebindings' : 'clusterrolebindings'), namespace, {
      apiVersion: `${RBAC}/v1`,
      kind,
      metadata: { name },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: 'console',
          ...(subjectNamespace ? { namespace: subjectNamespace } : {}),
        },
      ],
    });

  it('sees RBAC changes on the next request, and a RoleBinding only in its namespace', () => {
    const listPods = req({ verb: 'list', namespace: 'team' });
    expect(rbac.allows(sa, listPods)).toBe(false);
    clusterRole('reader', [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]);
    expect(rbac.allows(sa, listPods)).toBe(false);
    binding('RoleBinding', 'reader', 'reader', 'team');
    expect(rbac.allows(sa, listPods)).toBe(true);
    expect(rbac.allows(sa, { ...listPods, namespace: 'mesh' })).toBe(false);
    expect(rbac.allows(sa, { ...listPods, namespace: '' })).toBe(false);
    // Another ServiceAccount of the same name elsewhere is someone else.
    expect(rbac.allows(serviceAccountUser('team', 'other'), listPods)).toBe(false);
    binding('ClusterRoleBinding', 'reader', 'reader');
    expect(rbac.allows(sa, { ...listPods, namespace: '' })).toBe(true);
    ts.store.delete(gvr('clusterrolebindings'), undefined, 'reader');
    ts.store.delete(gvr('rolebindings'), 'team', 'reader');
    expect(rbac.allows(sa, listPods)).toBe(false);
    expect(rbac.allows(ADMIN_USER, listPods)).toBe(true);
    // A RoleBinding's ServiceAccount subject without a namespace is in the binding's namespace.
    binding('RoleBinding', 'local', 'reader', 'team', null);
    expect(rbac.allows(sa, listPods)).toBe(false);
    expect(rbac.allows(serviceAccountUser('team', 'console'), listPods)).toBe(true);
  });

  it('gives a ClusterRole with an aggregationRule the rules of the ClusterRoles it selects', () => {
    ts.store.create(gvr('clusterroles'), undefined, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'aggregate' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'mesh/aggregate': 'true' } }] },
      rules: [],
    });
    binding('ClusterRoleBinding', 'aggregate', 'aggregate');
    const getSvc = req({ resource: 'services', namespace: 'mesh' });
    expect(rbac.allows(sa, getSvc)).toBe(false);
    clusterRole('svc', [{ verbs: ['get'], apiGroups: [''], resources: ['services'] }], {
      'mesh/aggregate': 'true',
    });
    expect(rbac.allows(sa, getSvc)).toBe(true);
  });

  it('grants every authenticated user discovery and the self reviews, nothing more', () => {
    expect(rbac.allows(sa, { kind: 'non-resource', verb: 'get', path: '/apis/apps/v1' })).toBe(true);
    expect(rbac.allows(sa, { kind: 'non-resource', verb: 'get', path: '/openapi/v3' })).toBe(true);
    expect(
      rbac.allows(
        sa,
        req({
          verb: 'create',
          group: 'authorization.k8s.io',
          resource: 'selfsubjectaccessreviews',
          namespace: '',
        }),
      ),
    ).toBe(true);
    expect(rbac.allows(sa, req({ verb: 'list', resource: 'namespaces', namespace: '' }))).toBe(false);
    expect(
      rbac.allows({ username: 'nobody', groups: [] }, { kind: 'non-resource', verb: 'get', path: '/api' }),
    ).toBe(false);
  });
});

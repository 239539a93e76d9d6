import os from 'node:os';
import type { ApiGroup, ResourceRegistry } from '../registry/registry';
import { resourceNotFound } from '../status-error';
import { resourceKey } from '../types';
import { VIRTUAL_RESOURCES } from './virtual-resources';

/**
 * Legacy discovery documents (/api, /apis, /apis/{group}, /apis/{group}/{version}) and /version.
 * They are built from the registry on every request, so a CRD's kind shows up (and goes) at once.
 */

const VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
// A real server does not offer deletecollection on namespaces.
const NAMESPACE_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

const groupVersion = (group: string, version: string) => ({ groupVersion: `${group}/${version}`, version });

function apiGroup(name: string, versions: string[]) {
  const preferred = versions[0] ?? 'v1';
  return {
    name,
    versions: versions.map((v) => groupVersion(name, v)),
    preferredVersion: groupVersion(name, preferred),
  };
}

/** The registry's groups and those of the virtual resources (the self reviews), most preferred version first. */
function servedGroups(registry: ResourceRegistry): ApiGroup[] {
  const groups = registry.groups();
  for (const v of VIRTUAL_RESOURCES) {
    const found = groups.find((g) => g.name === v.group);
    if (!found) groups.push({ name: v.group, versions: [v.version] });
    else if (!found.versions.includes(v.version)) found.versions.push(v.version);
  }
  return groups.sort((a, b) => a.name.localeCompare(b.name));
}

export function apiGroupList(registry: ResourceRegistry) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: servedGroups(registry).map((g) => apiGroup(g.name, g.versions)),
  };
}

export function apiGroupDocument(registry: ResourceRegistry, group: string) {
  const found = servedGroups(registry).find((g) => g.name === group);
  if (!found) throw resourceNotFound();
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(found.name, found.versions) };
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string) {
  const served = registry.inGroupVersion(group, version);
  const virtual = VIRTUAL_RESOURCES.filter((v) => v.group === group && v.version === version).map((v) => ({
    name: v.plural,
    singularName: v.singular,
    namespaced: v.namespaced,
    kind: v.kind,
    verbs: v.verbs,
  }));
  if (served.length === 0 && virtual.length === 0) throw resourceNotFound();
  const resources = served.flatMap(({ type }) => {
    const main = {
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: resourceKey(type) === 'namespaces' ? NAMESPACE_VERBS : VERBS,
      ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    };
    const subresources: (typeof main | Record<string, unknown>)[] = [];
    if (type.statusSubresource)
      subresources.push({
        name: `${type.plural}/status`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: STATUS_VERBS,
      });
    // `kubectl scale` finds the subresource here; it speaks autoscaling/v1 Scale whatever the kind.
    if (type.scale)
      subresources.push({
        name: `${type.plural}/scale`,
        singularName: '',
        namespaced: type.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: STATUS_VERBS,
      });
    // `kubectl create token` posts here; listed as kube-apiserver lists it.
    if (resourceKey(type) === 'serviceaccounts')
      subresources.push({
        name: 'serviceaccounts/token',
        singularName: '',
        namespaced: true,
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'TokenRequest',
        verbs: ['create'],
      });
    return [main, ...subresources];
  });
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: [...resources, ...virtual],
  };
}

const GO_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

/** kubectl's dispatcher (and `kubectl version`) read this; 1.32 matches the kubectl the tests use. */
export function versionInfo(startedAt: Date) {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-mesh-console-embedded',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    goVersion: `node${process.versions.node}`,
    compiler: 'node',
    platform: `${os.platform()}/${GO_ARCH[os.arch()] ?? os.arch()}`,
  };
}

export function rootPaths(registry: ResourceRegistry) {
  const paths = ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/openapi/v3', '/readyz', '/version'];
  for (const g of servedGroups(registry)) {
    paths.push(`/apis/${g.name}`);
    for (const v of g.versions) paths.push(`/apis/${g.name}/${v}`);
  }
  return { paths: paths.sort() };
}

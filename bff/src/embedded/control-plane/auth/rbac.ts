import type { ResourceStore } from '../store/resource-store';
import type { KubeObject, KubeResource } from '../types';
import { isRecord } from '../types';
import { selectorMatches } from '../validation/label-selector';
import type { RequestAttributes, UserInfo } from './attributes';
import { AUTHENTICATED_GROUP, isMaster } from './attributes';

/**
 * RBAC as kube-apiserver's authorizer evaluates it: a request is allowed when one rule of a role
 * bound to the user (by name, by one of its groups, or as a ServiceAccount) matches it; a
 * ClusterRoleBinding counts everywhere, a RoleBinding only for requests in its namespace. Nothing
 * denies; what no rule allows is refused.
 *
 * The bindings are compiled into an index by subject and rebuilt only after an RBAC object changes
 * (the store's watch tells), so a request costs a few map lookups.
 */

export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const gvr = (plural: string): KubeResource => ({ group: RBAC_GROUP, version: 'v1', plural });
const ROLES = gvr('roles');
const CLUSTER_ROLES = gvr('clusterroles');
const ROLE_BINDINGS = gvr('rolebindings');
const CLUSTER_ROLE_BINDINGS = gvr('clusterrolebindings');

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function rulesOf(role: KubeObject | undefined): PolicyRule[] {
  if (!role || !Array.isArray(role.rules)) return [];
  return role.rules.filter(isRecord).map((r) => ({
    verbs: strings(r.verbs),
    apiGroups: strings(r.apiGroups),
    resources: strings(r.resources),
    resourceNames: strings(r.resourceNames),
    nonResourceURLs: strings(r.nonResourceURLs),
  }));
}

const rule = (verbs: string[], extra: Partial<PolicyRule>): PolicyRule => ({
  verbs,
  apiGroups: [],
  resources: [],
  resourceNames: [],
  nonResourceURLs: [],
  ...extra,
});

/**
 * What the default ClusterRoles system:discovery, system:public-info-viewer and system:basic-user
 * grant every authenticated user: discovery, OpenAPI, health, version and the self reviews.
 */
const AUTHENTICATED_RULES: readonly PolicyRule[] = [
  rule(['get'], {
    nonResourceURLs: [
      '/api',
      '/api/*',
      '/apis',
      '/apis/*',
      '/healthz',
      '/livez',
      '/readyz',
      '/openapi',
      '/openapi/*',
      '/version',
      '/version/',
    ],
  }),
  rule(['create'], {
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  }),
  rule(['create'], { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] }),
];

const has = (list: string[], value: string) => list.includes('*') || list.includes(value);

function resourceMatches(ruleResources: string[], resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of ruleResources) {
    if (r === '*' || r === combined) return true;
    // '*/scale' is the scale subresource of every resource.
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

function nonResourceUrlMatches(urls: string[], path: string): boolean {
  for (const u of urls) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(r: PolicyRule, attrs: RequestAttributes): boolean {
  if (!has(r.verbs, attrs.verb)) return false;
  if (attrs.kind === 'non-resource') return nonResourceUrlMatches(r.nonResourceURLs, attrs.path);
  if (!has(r.apiGroups, attrs.group)) return false;
  if (!resourceMatches(r.resources, attrs.resource, attrs.subresource)) return false;
  return r.resourceNames.length === 0 || r.resourceNames.includes(attrs.name);
}

/** Rules granted to each subject: `User:<name>` (ServiceAccounts by their username) or `Group:<name>`. */
type SubjectIndex = Map<string, PolicyRule[][]>;

interface Compiled {
  cluster: SubjectIndex;
  byNamespace: Map<string, SubjectIndex>;
}

function subjectKeys(binding: KubeObject): string[] {
  const keys: string[] = [];
  const namespace = binding.metadata.namespace ?? '';
  for (const s of Array.isArray(binding.subjects) ? binding.subjects.filter(isRecord) : []) {
    if (typeof s.name !== 'string') continue;
    if (s.kind === 'User') keys.push(`User:${s.name}`);
    else if (s.kind === 'Group') keys.push(`Group:${s.name}`);
    else if (s.kind === 'ServiceAccount') {
      // A RoleBinding's ServiceAccount subject without a namespace means the binding's own.
      const ns = typeof s.namespace === 'string' && s.namespace !== '' ? s.namespace : namespace;
      if (ns) keys.push(`User:system:serviceaccount:${ns}:${s.name}`);
    }
  }
  return keys;
}

function addTo(index: SubjectIndex, keys: string[], rules: PolicyRule[]): void {
  if (rules.length === 0) return;
  for (const key of keys) {
    const list = index.get(key);
    if (list) list.push(rules);
    else index.set(key, [rules]);
  }
}

export class RbacAuthorizer {
  private compiled: Compiled | undefined;
  private readonly stops: (() => void)[] = [];

  constructor(private readonly store: ResourceStore) {
    const invalidate = () => {
      this.compiled = undefined;
    };
    // From the current resourceVersion: only later changes are reported, each one invalidating.
    for (const kind of [ROLES, CLUSTER_ROLES, ROLE_BINDINGS, CLUSTER_ROLE_BINDINGS])
      this.stops.push(store.watch(kind, undefined, store.resourceVersion, invalidate));
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  /** Whether RBAC (or membership of system:masters) allows the request. */
  allows(user: UserInfo, attrs: RequestAttributes): boolean {
    if (isMaster(user)) return true;
    for (const rules of this.rulesFor(user, attrs.kind === 'resource' ? attrs.namespace : ''))
      for (const r of rules) if (ruleAllows(r, attrs)) return true;
    return false;
  }

  /**
   * The rule lists that apply to the user in a namespace ('' for cluster-scoped and non-resource
   * requests): the ClusterRoleBindings', the namespace's RoleBindings', and the defaults every
   * authenticated user has.
   */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[][] {
    const { cluster, byNamespace } = this.compile();
    const keys = [`User:${user.username}`, ...user.groups.map((g) => `Group:${g}`)];
    const out: PolicyRule[][] = [];
    if (user.groups.includes(AUTHENTICATED_GROUP)) out.push([...AUTHENTICATED_RULES]);
    const local = namespace ? byNamespace.get(namespace) : undefined;
    for (const key of keys) {
      out.push(...(cluster.get(key) ?? []));
      if (local) out.push(...(local.get(key) ?? []));
    }
    return out;
  }

  private compile(): Compiled {
    if (this.compiled) return this.compiled;
    const list = (kind: KubeResource) => this.store.list(kind, undefined).items;
    const clusterRoles = new Map<string, PolicyRule[]>();
    const clusterRoleObjects = list(CLUSTER_ROLES);
    for (const role of clusterRoleObjects) {
      const rules = rulesOf(role);
      // An aggregated ClusterRole also has the rules of the ClusterRoles its selectors pick.
      const aggregation = isRecord(role.aggregationRule) ? role.aggregationRule : undefined;
      const selectors = Array.isArray(aggregation?.clusterRoleSelectors)
        ? aggregation.clusterRoleSelectors
        : [];
      if (selectors.length > 0)
        for (const other of clusterRoleObjects)
          if (other !== role && selectors.some((s) => selectorMatches(s, other.metadata.labels ?? {})))
            rules.push(...rulesOf(other));
      clusterRoles.set(role.metadata.name ?? '', rules);
    }
    const roles = new Map<string, PolicyRule[]>();
    for (const role of list(ROLES))
      roles.set(`${role.metadata.namespace ?? ''}/${role.metadata.name ?? ''}`, rulesOf(role));

    const refRules = (binding: KubeObject): PolicyRule[] => {
      const ref = isRecord(binding.roleRef) ? binding.roleRef : {};
      const name = typeof ref.name === 'string' ? ref.name : '';
      if (ref.kind === 'ClusterRole') return clusterRoles.get(name) ?? [];
      if (ref.kind === 'Role') return roles.get(`${binding.metadata.namespace ?? ''}/${name}`) ?? [];
      return [];
    };

    const cluster: SubjectIndex = new Map();
    for (const b of list(CLUSTER_ROLE_BINDINGS)) {
      if (isRecord(b.roleRef) && b.roleRef.kind === 'ClusterRole')
        addTo(cluster, subjectKeys(b), refRules(b));
    }
    const byNamespace = new Map<string, SubjectIndex>();
    for (const b of list(ROLE_BINDINGS)) {
      const ns = b.metadata.namespace ?? '';
      let index = byNamespace.get(ns);
      if (!index) byNamespace.set(ns, (index = new Map()));
      addTo(index, subjectKeys(b), refRules(b));
    }
    this.compiled = { cluster, byNamespace };
    return this.compiled;
  }
}

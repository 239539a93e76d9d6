import { builtin } from './builtin-types';
import type { JsonSchema, ResourceType } from './resource-type';

/**
 * rbac.authorization.k8s.io/v1 (Role, ClusterRole, RoleBinding, ClusterRoleBinding) and policy/v1
 * PodDisruptionBudget: what an install manifest of an in-cluster console ships. The RBAC objects
 * are also what ../auth authorizes every request that is not the admin's with. The schemas declare
 * the fields of the upstream types closed (no unknown fields kept), so a misspelt field in a rule
 * fails `kubectl apply` by its path, as it does against kube-apiserver.
 */

const strings = (description: string): JsonSchema => ({
  type: 'array',
  description,
  items: { type: 'string' },
});

const closed = (properties: Record<string, JsonSchema>, extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  properties,
  ...extra,
});

const policyRule = closed(
  {
    verbs: strings("Verbs the rule allows ('get', 'list', 'watch', 'create', …); '*' is every verb."),
    apiGroups: strings("API groups of the resources; '' is the core group, '*' every group."),
    resources: strings(
      "Resources the rule applies to; 'pods/status' names a subresource, '*/scale' a subresource of any resource, '*' every resource.",
    ),
    resourceNames: strings('Names the rule is limited to; empty means every name.'),
    nonResourceURLs: strings(
      "Paths that are not resources ('/healthz', '/apis/*'); ClusterRoles bound by a ClusterRoleBinding only.",
    ),
  },
  { required: ['verbs'], description: 'Operations allowed on resources or non-resource URLs.' },
);

const rules = {
  type: 'array',
  description: 'The rules of this role.',
  items: policyRule,
};

const roleRef = closed(
  {
    apiGroup: { type: 'string', description: 'The group of the referenced role: rbac.authorization.k8s.io.' },
    kind: { type: 'string', description: 'Role or ClusterRole.' },
    name: { type: 'string', description: 'The name of the referenced role.' },
  },
  {
    required: ['apiGroup', 'kind', 'name'],
    description: 'The role this binding grants; it cannot change after creation.',
    'x-kubernetes-map-type': 'atomic',
  },
);

const subject = closed(
  {
    kind: { type: 'string', description: 'ServiceAccount, User or Group.' },
    apiGroup: {
      type: 'string',
      description: "'' for ServiceAccount subjects, rbac.authorization.k8s.io for User and Group.",
    },
    name: { type: 'string', description: 'The name of the subject.' },
    namespace: { type: 'string', description: 'The namespace of a ServiceAccount subject.' },
  },
  { required: ['kind', 'name'], description: 'A user, group or service account the role is granted to.' },
);

const subjects = { type: 'array', description: 'Who the role is granted to.', items: subject };

const roleSchema = closed({ rules });
const clusterRoleSchema = closed({
  rules,
  aggregationRule: {
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    description: 'Selects ClusterRoles whose rules are aggregated into this one (not acted on here).',
  },
});
const bindingSchema = closed({ subjects, roleRef }, { required: ['roleRef'] });

const intOrString: JsonSchema = {
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
};

const pdbSchema: JsonSchema = {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    spec: closed(
      {
        minAvailable: {
          ...intOrString,
          description: 'Pods that must stay available after an eviction: a number or a percentage.',
        },
        maxUnavailable: {
          ...intOrString,
          description: 'Pods that may be unavailable after an eviction: a number or a percentage.',
        },
        selector: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          description: 'Label query over the pods the budget covers.',
        },
        unhealthyPodEvictionPolicy: {
          type: 'string',
          enum: ['IfHealthyBudget', 'AlwaysAllow'],
          description: 'When unhealthy running pods may be evicted.',
        },
      },
      { description: 'The desired state of the budget: minAvailable or maxUnavailable, not both.' },
    ),
    status: {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      description: 'The observed state of the budget.',
    },
  },
};

const RBAC = 'rbac.authorization.k8s.io';

export function rbacAndPolicyTypes(): ResourceType[] {
  return [
    builtin(RBAC, 'roles', 'Role', [], roleSchema),
    builtin(RBAC, 'clusterroles', 'ClusterRole', [], clusterRoleSchema, { namespaced: false }),
    builtin(RBAC, 'rolebindings', 'RoleBinding', [], bindingSchema),
    builtin(RBAC, 'clusterrolebindings', 'ClusterRoleBinding', [], bindingSchema, { namespaced: false }),
    builtin('policy', 'poddisruptionbudgets', 'PodDisruptionBudget', ['pdb'], pdbSchema, {
      statusSubresource: true,
    }),
  ];
}

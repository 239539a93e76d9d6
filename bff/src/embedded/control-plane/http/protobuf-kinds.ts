/**
 * The protobuf messages of the kinds kubectl's imperative `create` commands send
 * (`create configmap|secret|namespace|serviceaccount|service|deployment`), described field by field
 * from k8s.io/api core/v1 and apps/v1 and k8s.io/apimachinery meta/v1 generated.proto: field number,
 * JSON name, type. Fields are listed in the Go structs' order, the order the JSON encoding uses.
 *
 * Only what these kinds and commands need is described; a field this table does not know makes the
 * decoder refuse the request (415) rather than drop what the client meant to store.
 */

/** A scalar or well-known value, or the name of a message in MESSAGES. */
export type ValueType =
  | 'string'
  | 'bool'
  | 'int32'
  | 'int64'
  /** base64 in JSON, as Go encodes []byte. */
  | 'bytes'
  /** meta/v1 Time {seconds=1, nanos=2}: RFC 3339 in JSON, absent when zero. */
  | 'time'
  /** util/intstr IntOrString {type=1, intVal=2, strVal=3}. */
  | 'intOrString'
  /** api/resource Quantity {string=1}. */
  | 'quantity'
  /** meta/v1 FieldsV1 {Raw=1}: the raw JSON. */
  | 'fieldsV1'
  | { message: string };

export interface FieldDescriptor {
  number: number;
  name: string;
  type: ValueType;
  repeated?: boolean;
  /** map<string, type>: repeated entries {key=1, value=2}. */
  map?: boolean;
  /**
   * A pointer (or non-omitempty) field in Go: its zero value is meaningful and kept. Other scalars
   * are `omitempty`, and the protobuf encoding writes them even when empty, so '', 0 and false are dropped.
   */
  keepZero?: boolean;
  /** An embedded struct whose fields JSON inlines into the parent (LocalObjectReference in key selectors). */
  inline?: boolean;
}

export type MessageDescriptor = FieldDescriptor[];

const f = (
  number: number,
  name: string,
  type: ValueType,
  extra: Partial<FieldDescriptor> = {},
): FieldDescriptor => ({ number, name, type, ...extra });
const msg = (message: string): ValueType => ({ message });
const ptr = { keepZero: true };
const list = { repeated: true };
const map = { map: true };

export const MESSAGES: Record<string, MessageDescriptor> = {
  // ---- meta/v1 ----
  ObjectMeta: [
    f(1, 'name', 'string'),
    f(2, 'generateName', 'string'),
    f(3, 'namespace', 'string'),
    f(4, 'selfLink', 'string'),
    f(5, 'uid', 'string'),
    f(6, 'resourceVersion', 'string'),
    f(7, 'generation', 'int64'),
    f(8, 'creationTimestamp', 'time'),
    f(9, 'deletionTimestamp', 'time'),
    f(10, 'deletionGracePeriodSeconds', 'int64', ptr),
    f(11, 'labels', 'string', map),
    f(12, 'annotations', 'string', map),
    f(13, 'ownerReferences', msg('OwnerReference'), list),
    f(14, 'finalizers', 'string', list),
    f(17, 'managedFields', msg('ManagedFieldsEntry'), list),
  ],
  OwnerReference: [
    f(5, 'apiVersion', 'string', ptr),
    f(1, 'kind', 'string', ptr),
    f(3, 'name', 'string', ptr),
    f(4, 'uid', 'string', ptr),
    f(6, 'controller', 'bool', ptr),
    f(7, 'blockOwnerDeletion', 'bool', ptr),
  ],
  ManagedFieldsEntry: [
    f(1, 'manager', 'string'),
    f(2, 'operation', 'string'),
    f(3, 'apiVersion', 'string'),
    f(4, 'time', 'time'),
    f(6, 'fieldsType', 'string'),
    f(7, 'fieldsV1', 'fieldsV1'),
    f(8, 'subresource', 'string'),
  ],
  LabelSelector: [
    f(1, 'matchLabels', 'string', map),
    f(2, 'matchExpressions', msg('LabelSelectorRequirement'), list),
  ],
  LabelSelectorRequirement: [
    f(1, 'key', 'string', ptr),
    f(2, 'operator', 'string', ptr),
    f(3, 'values', 'string', list),
  ],

  // ---- core/v1 ----
  ConfigMap: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(4, 'immutable', 'bool', ptr),
    f(2, 'data', 'string', map),
    f(3, 'binaryData', 'bytes', map),
  ],
  Secret: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(5, 'immutable', 'bool', ptr),
    f(2, 'data', 'bytes', map),
    f(4, 'stringData', 'string', map),
    f(3, 'type', 'string'),
  ],
  Namespace: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'spec', msg('NamespaceSpec')),
    f(3, 'status', msg('NamespaceStatus')),
  ],
  NamespaceSpec: [f(1, 'finalizers', 'string', list)],
  NamespaceStatus: [f(1, 'phase', 'string')],
  ServiceAccount: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'secrets', msg('ObjectReference'), list),
    f(3, 'imagePullSecrets', msg('LocalObjectReference'), list),
    f(4, 'automountServiceAccountToken', 'bool', ptr),
  ],
  ObjectReference: [
    f(1, 'kind', 'string'),
    f(2, 'namespace', 'string'),
    f(3, 'name', 'string'),
    f(4, 'uid', 'string'),
    f(5, 'apiVersion', 'string'),
    f(6, 'resourceVersion', 'string'),
    f(7, 'fieldPath', 'string'),
  ],
  LocalObjectReference: [f(1, 'name', 'string')],
  Service: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'spec', msg('ServiceSpec')),
    f(3, 'status', msg('ServiceStatus')),
  ],
  ServiceSpec: [
    f(1, 'ports', msg('ServicePort'), list),
    f(2, 'selector', 'string', map),
    f(3, 'clusterIP', 'string'),
    f(18, 'clusterIPs', 'string', list),
    f(4, 'type', 'string'),
    f(5, 'externalIPs', 'string', list),
    f(7, 'sessionAffinity', 'string'),
    f(8, 'loadBalancerIP', 'string'),
    f(9, 'loadBalancerSourceRanges', 'string', list),
    f(10, 'externalName', 'string'),
    f(11, 'externalTrafficPolicy', 'string'),
    f(12, 'healthCheckNodePort', 'int32'),
    f(13, 'publishNotReadyAddresses', 'bool'),
    f(19, 'ipFamilies', 'string', list),
    f(17, 'ipFamilyPolicy', 'string', ptr),
    f(20, 'allocateLoadBalancerNodePorts', 'bool', ptr),
    f(21, 'loadBalancerClass', 'string', ptr),
    f(22, 'internalTrafficPolicy', 'string', ptr),
    f(23, 'trafficDistribution', 'string', ptr),
  ],
  ServicePort: [
    f(1, 'name', 'string'),
    f(2, 'protocol', 'string'),
    f(6, 'appProtocol', 'string', ptr),
    f(3, 'port', 'int32', ptr),
    f(4, 'targetPort', 'intOrString'),
    f(5, 'nodePort', 'int32'),
  ],
  // A Service's status is written by controllers; kubectl sends it empty (loadBalancer: {}).
  ServiceStatus: [f(1, 'loadBalancer', msg('LoadBalancerStatus'))],
  LoadBalancerStatus: [],
  PodTemplateSpec: [f(1, 'metadata', msg('ObjectMeta')), f(2, 'spec', msg('PodSpec'))],
  PodSpec: [
    f(20, 'initContainers', msg('Container'), list),
    f(2, 'containers', msg('Container'), list),
    f(3, 'restartPolicy', 'string'),
    f(4, 'terminationGracePeriodSeconds', 'int64', ptr),
    f(5, 'activeDeadlineSeconds', 'int64', ptr),
    f(6, 'dnsPolicy', 'string'),
    f(7, 'nodeSelector', 'string', map),
    f(8, 'serviceAccountName', 'string'),
    f(9, 'serviceAccount', 'string'),
    f(21, 'automountServiceAccountToken', 'bool', ptr),
    f(10, 'nodeName', 'string'),
    f(11, 'hostNetwork', 'bool'),
    f(12, 'hostPID', 'bool'),
    f(13, 'hostIPC', 'bool'),
    f(27, 'shareProcessNamespace', 'bool', ptr),
    f(15, 'imagePullSecrets', msg('LocalObjectReference'), list),
    f(16, 'hostname', 'string'),
    f(17, 'subdomain', 'string'),
    f(19, 'schedulerName', 'string'),
    f(24, 'priorityClassName', 'string'),
    f(25, 'priority', 'int32', ptr),
    f(29, 'runtimeClassName', 'string', ptr),
    f(30, 'enableServiceLinks', 'bool', ptr),
    f(31, 'preemptionPolicy', 'string', ptr),
    f(35, 'setHostnameAsFQDN', 'bool', ptr),
    f(37, 'hostUsers', 'bool', ptr),
  ],
  Container: [
    f(1, 'name', 'string', ptr),
    f(2, 'image', 'string'),
    f(3, 'command', 'string', list),
    f(4, 'args', 'string', list),
    f(5, 'workingDir', 'string'),
    f(6, 'ports', msg('ContainerPort'), list),
    f(19, 'envFrom', msg('EnvFromSource'), list),
    f(7, 'env', msg('EnvVar'), list),
    f(8, 'resources', msg('ResourceRequirements')),
    f(24, 'restartPolicy', 'string', ptr),
    f(9, 'volumeMounts', msg('VolumeMount'), list),
    f(13, 'terminationMessagePath', 'string'),
    f(20, 'terminationMessagePolicy', 'string'),
    f(14, 'imagePullPolicy', 'string'),
    f(16, 'stdin', 'bool'),
    f(17, 'stdinOnce', 'bool'),
    f(18, 'tty', 'bool'),
  ],
  ContainerPort: [
    f(1, 'name', 'string'),
    f(2, 'hostPort', 'int32'),
    f(3, 'containerPort', 'int32', ptr),
    f(4, 'protocol', 'string'),
    f(5, 'hostIP', 'string'),
  ],
  EnvVar: [f(1, 'name', 'string', ptr), f(2, 'value', 'string'), f(3, 'valueFrom', msg('EnvVarSource'))],
  EnvVarSource: [
    f(1, 'fieldRef', msg('ObjectFieldSelector')),
    f(3, 'configMapKeyRef', msg('ConfigMapKeySelector')),
    f(4, 'secretKeyRef', msg('SecretKeySelector')),
  ],
  ObjectFieldSelector: [f(1, 'apiVersion', 'string'), f(2, 'fieldPath', 'string', ptr)],
  ConfigMapKeySelector: [
    f(1, 'localObjectReference', msg('LocalObjectReference'), { inline: true }),
    f(2, 'key', 'string', ptr),
    f(3, 'optional', 'bool', ptr),
  ],
  SecretKeySelector: [
    f(1, 'localObjectReference', msg('LocalObjectReference'), { inline: true }),
    f(2, 'key', 'string', ptr),
    f(3, 'optional', 'bool', ptr),
  ],
  EnvFromSource: [
    f(1, 'prefix', 'string'),
    f(2, 'configMapRef', msg('ConfigMapEnvSource')),
    f(3, 'secretRef', msg('SecretEnvSource')),
  ],
  ConfigMapEnvSource: [
    f(1, 'localObjectReference', msg('LocalObjectReference'), { inline: true }),
    f(2, 'optional', 'bool', ptr),
  ],
  SecretEnvSource: [
    f(1, 'localObjectReference', msg('LocalObjectReference'), { inline: true }),
    f(2, 'optional', 'bool', ptr),
  ],
  ResourceRequirements: [f(1, 'limits', 'quantity', map), f(2, 'requests', 'quantity', map)],
  VolumeMount: [
    f(1, 'name', 'string', ptr),
    f(2, 'readOnly', 'bool'),
    f(7, 'recursiveReadOnly', 'string', ptr),
    f(3, 'mountPath', 'string', ptr),
    f(4, 'subPath', 'string'),
    f(5, 'mountPropagation', 'string', ptr),
    f(6, 'subPathExpr', 'string'),
  ],

  // ---- apps/v1 ----
  Deployment: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'spec', msg('DeploymentSpec')),
    f(3, 'status', msg('DeploymentStatus')),
  ],
  DeploymentSpec: [
    f(1, 'replicas', 'int32', ptr),
    f(2, 'selector', msg('LabelSelector')),
    f(3, 'template', msg('PodTemplateSpec')),
    f(4, 'strategy', msg('DeploymentStrategy')),
    f(5, 'minReadySeconds', 'int32'),
    f(6, 'revisionHistoryLimit', 'int32', ptr),
    f(7, 'paused', 'bool'),
    f(9, 'progressDeadlineSeconds', 'int32', ptr),
  ],
  DeploymentStrategy: [f(1, 'type', 'string'), f(2, 'rollingUpdate', msg('RollingUpdateDeployment'))],
  RollingUpdateDeployment: [f(1, 'maxUnavailable', 'intOrString'), f(2, 'maxSurge', 'intOrString')],
  DeploymentStatus: [
    f(1, 'observedGeneration', 'int64'),
    f(2, 'replicas', 'int32'),
    f(3, 'updatedReplicas', 'int32'),
    f(7, 'readyReplicas', 'int32'),
    f(4, 'availableReplicas', 'int32'),
    f(5, 'unavailableReplicas', 'int32'),
    f(9, 'terminatingReplicas', 'int32', ptr),
    f(8, 'collisionCount', 'int32', ptr),
  ],

  // ---- autoscaling/v1 (the /scale subresource) ----
  Scale: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'spec', msg('ScaleSpec')),
    f(3, 'status', msg('ScaleStatus')),
  ],
  ScaleSpec: [f(1, 'replicas', 'int32')],
  ScaleStatus: [f(1, 'replicas', 'int32', ptr), f(2, 'selector', 'string')],

  // ---- rbac.authorization.k8s.io/v1 (kubectl create role|clusterrole|rolebinding|clusterrolebinding) ----
  Role: [f(1, 'metadata', msg('ObjectMeta')), f(2, 'rules', msg('PolicyRule'), list)],
  ClusterRole: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'rules', msg('PolicyRule'), list),
    f(3, 'aggregationRule', msg('AggregationRule')),
  ],
  AggregationRule: [f(1, 'clusterRoleSelectors', msg('LabelSelector'), list)],
  PolicyRule: [
    f(1, 'verbs', 'string', list),
    f(2, 'apiGroups', 'string', list),
    f(3, 'resources', 'string', list),
    f(4, 'resourceNames', 'string', list),
    f(5, 'nonResourceURLs', 'string', list),
  ],
  RoleBinding: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'subjects', msg('Subject'), list),
    f(3, 'roleRef', msg('RoleRef')),
  ],
  Subject: [
    f(1, 'kind', 'string'),
    f(2, 'apiGroup', 'string'),
    f(3, 'name', 'string'),
    f(4, 'namespace', 'string'),
  ],
  RoleRef: [f(1, 'apiGroup', 'string', ptr), f(2, 'kind', 'string'), f(3, 'name', 'string')],

  // ---- policy/v1 (kubectl create poddisruptionbudget) ----
  PodDisruptionBudget: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'spec', msg('PodDisruptionBudgetSpec')),
    f(3, 'status', msg('PodDisruptionBudgetStatus')),
  ],
  PodDisruptionBudgetSpec: [
    f(1, 'minAvailable', 'intOrString'),
    f(2, 'selector', msg('LabelSelector')),
    f(3, 'maxUnavailable', 'intOrString'),
    f(4, 'unhealthyPodEvictionPolicy', 'string'),
  ],
  PodDisruptionBudgetStatus: [
    f(1, 'observedGeneration', 'int64'),
    f(3, 'disruptionsAllowed', 'int32'),
    f(4, 'currentHealthy', 'int32'),
    f(5, 'desiredHealthy', 'int32'),
    f(6, 'expectedPods', 'int32'),
  ],

  // ---- authentication/v1 TokenRequest (kubectl create token) ----
  TokenRequest: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'spec', msg('TokenRequestSpec')),
    f(3, 'status', msg('TokenRequestStatus')),
  ],
  TokenRequestSpec: [
    f(1, 'audiences', 'string', list),
    f(4, 'expirationSeconds', 'int64', ptr),
    f(3, 'boundObjectRef', msg('BoundObjectReference')),
  ],
  BoundObjectReference: [
    f(1, 'kind', 'string'),
    f(2, 'apiVersion', 'string'),
    f(3, 'name', 'string'),
    f(4, 'uid', 'string'),
  ],
  TokenRequestStatus: [f(1, 'token', 'string'), f(2, 'expirationTimestamp', 'time')],

  // ---- authorization/v1 and authentication/v1 (kubectl auth can-i, auth whoami) ----
  SelfSubjectAccessReview: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'spec', msg('SelfSubjectAccessReviewSpec')),
    f(3, 'status', msg('SubjectAccessReviewStatus')),
  ],
  SelfSubjectAccessReviewSpec: [
    f(1, 'resourceAttributes', msg('ResourceAttributes')),
    f(2, 'nonResourceAttributes', msg('NonResourceAttributes')),
  ],
  ResourceAttributes: [
    f(1, 'namespace', 'string'),
    f(2, 'verb', 'string'),
    f(3, 'group', 'string'),
    f(4, 'version', 'string'),
    f(5, 'resource', 'string'),
    f(6, 'subresource', 'string'),
    f(7, 'name', 'string'),
    f(8, 'fieldSelector', msg('SelectorAttributes')),
    f(9, 'labelSelector', msg('SelectorAttributes')),
  ],
  // FieldSelectorAttributes and LabelSelectorAttributes: the raw selector (requirements are not read).
  SelectorAttributes: [f(1, 'rawSelector', 'string')],
  NonResourceAttributes: [f(1, 'path', 'string'), f(2, 'verb', 'string')],
  SubjectAccessReviewStatus: [
    f(1, 'allowed', 'bool', ptr),
    f(4, 'denied', 'bool'),
    f(2, 'reason', 'string'),
    f(3, 'evaluationError', 'string'),
  ],
  SelfSubjectRulesReview: [
    f(1, 'metadata', msg('ObjectMeta')),
    f(2, 'spec', msg('SelfSubjectRulesReviewSpec')),
    f(3, 'status', msg('SubjectRulesReviewStatus')),
  ],
  SelfSubjectRulesReviewSpec: [f(1, 'namespace', 'string')],
  SubjectRulesReviewStatus: [f(3, 'incomplete', 'bool', ptr), f(4, 'evaluationError', 'string')],
  SelfSubjectReview: [f(1, 'metadata', msg('ObjectMeta')), f(2, 'status', msg('SelfSubjectReviewStatus'))],
  SelfSubjectReviewStatus: [f(1, 'userInfo', msg('UserInfo'))],
  UserInfo: [f(1, 'username', 'string'), f(2, 'uid', 'string'), f(3, 'groups', 'string', list)],
};

/** The top-level message of each apiVersion and kind this server decodes from protobuf. */
export const PROTOBUF_KINDS: Record<string, string> = {
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Namespace': 'Namespace',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'apps/v1/Deployment': 'Deployment',
  'autoscaling/v1/Scale': 'Scale',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'RoleBinding',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
};

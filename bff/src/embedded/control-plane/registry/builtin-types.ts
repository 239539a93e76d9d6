import type { JsonSchema, ResourceType } from './resource-type';

/**
 * Built-in kinds outside the core group: apps/v1 Deployment and ReplicaSet (run by ../controllers),
 * discovery.k8s.io/v1 EndpointSlice, coordination.k8s.io/v1 Lease and apiextensions.k8s.io/v1
 * CustomResourceDefinition. As in core-types.ts, the schemas are loose: they declare (and describe,
 * for `kubectl explain`) the fields the control plane reads and keep every other field as sent.
 */

const open = (properties: Record<string, JsonSchema> = {}, extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  properties,
  ...extra,
});

const described = (description: string, schema: JsonSchema): JsonSchema => ({ ...schema, description });

const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
const intOrString: JsonSchema = {
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
};
const count = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });

const labelSelector = open({
  matchLabels: described('Labels an object must have, each key equal to its value.', stringMap),
  matchExpressions: {
    type: 'array',
    description: 'Label requirements, all of which must hold.',
    items: open(
      {
        key: { type: 'string' },
        operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
        values: { type: 'array', items: { type: 'string' } },
      },
      { required: ['key', 'operator'] },
    ),
  },
});

const container = open(
  {
    name: { type: 'string', description: 'Name of the container, unique within the pod (DNS label).' },
    image: { type: 'string', description: 'Container image name.' },
    ports: {
      type: 'array',
      description: 'Ports the container exposes.',
      items: open(
        {
          name: { type: 'string' },
          containerPort: { type: 'integer', minimum: 1, maximum: 65535 },
          protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] },
        },
        { required: ['containerPort'] },
      ),
    },
  },
  { required: ['name'] },
);

const podTemplate = open(
  {
    metadata: open({
      labels: described(
        'Labels of the pods made from this template; the selector must match them.',
        stringMap,
      ),
      annotations: described(
        'Annotations of the pods. `demo.mesh-console.io/ready: "false"` makes the embedded control plane report its pods not ready.',
        stringMap,
      ),
    }),
    spec: open(
      {
        containers: {
          type: 'array',
          description: 'The containers of each pod; at least one.',
          minItems: 1,
          items: container,
        },
        serviceAccountName: { type: 'string', description: 'The ServiceAccount the pods run as.' },
      },
      { required: ['containers'] },
    ),
  },
  { description: 'The pods this object creates.' },
);

const conditions: JsonSchema = {
  type: 'array',
  description: 'The latest observations of the state.',
  items: open({ type: { type: 'string' }, status: { type: 'string' }, reason: { type: 'string' } }),
};

const deploymentSchema = open({
  spec: open(
    {
      replicas: count('Number of desired pods. Defaults to 1.'),
      selector: described(
        'Label selector of the pods this Deployment manages; must match the template labels, immutable.',
        labelSelector,
      ),
      template: podTemplate,
      strategy: open(
        {
          type: {
            type: 'string',
            enum: ['Recreate', 'RollingUpdate'],
            description: 'Defaults to RollingUpdate.',
          },
          rollingUpdate: open({ maxSurge: intOrString, maxUnavailable: intOrString }),
        },
        { description: 'How old pods are replaced by new ones.' },
      ),
      minReadySeconds: count('Seconds a new pod must be ready to count as available.'),
      revisionHistoryLimit: count('Old ReplicaSets kept for rollback. Defaults to 10.'),
      paused: { type: 'boolean', description: 'Whether the deployment is paused.' },
      progressDeadlineSeconds: count('Seconds before a stalled rollout is reported failed. Defaults to 600.'),
    },
    { required: ['selector', 'template'], description: 'The desired state of the Deployment.' },
  ),
  status: open(
    {
      observedGeneration: count('The generation the controller last acted on.'),
      replicas: count('Pods targeted by this deployment.'),
      updatedReplicas: count('Pods with the current template.'),
      readyReplicas: count('Pods that are ready.'),
      availableReplicas: count('Pods ready for at least minReadySeconds.'),
      unavailableReplicas: count('Pods still needed for 100% availability.'),
      conditions,
    },
    { description: 'The observed state of the Deployment, written by its controller.' },
  ),
});

const replicaSetSchema = open({
  spec: open(
    {
      replicas: count('Number of desired pods. Defaults to 1.'),
      selector: described('Label selector of the pods; must match the template labels.', labelSelector),
      template: podTemplate,
      minReadySeconds: count('Seconds a new pod must be ready to count as available.'),
    },
    { required: ['selector'], description: 'The desired state of the ReplicaSet.' },
  ),
  status: open(
    {
      replicas: count('The most recently observed number of pods.'),
      fullyLabeledReplicas: count('Pods with all the labels of the template.'),
      readyReplicas: count('Pods that are ready.'),
      availableReplicas: count('Pods ready for at least minReadySeconds.'),
      observedGeneration: count('The generation the controller last acted on.'),
      conditions,
    },
    { description: 'The observed state of the ReplicaSet, written by its controller.' },
  ),
});

const endpointSliceSchema = open(
  {
    addressType: {
      type: 'string',
      enum: ['IPv4', 'IPv6', 'FQDN'],
      description: 'The type of the addresses in this slice.',
    },
    endpoints: {
      type: 'array',
      description: 'The endpoints of the service in this slice.',
      items: open(
        {
          addresses: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 100 },
          conditions: open({
            ready: { type: 'boolean' },
            serving: { type: 'boolean' },
            terminating: { type: 'boolean' },
          }),
          nodeName: { type: 'string' },
          targetRef: open(),
        },
        { required: ['addresses'] },
      ),
    },
    ports: {
      type: 'array',
      description: 'The network ports exposed by each endpoint.',
      items: open({
        name: { type: 'string' },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] },
        appProtocol: { type: 'string' },
      }),
    },
  },
  { required: ['addressType'] },
);

const leaseSchema = open({
  spec: open(
    {
      holderIdentity: { type: 'string', description: 'The current holder of the lease.' },
      leaseDurationSeconds: { type: 'integer', description: 'How long a holder waits to acquire it.' },
      acquireTime: { type: 'string', format: 'date-time' },
      renewTime: { type: 'string', format: 'date-time' },
      leaseTransitions: { type: 'integer', description: 'Transitions of the lease between holders.' },
    },
    { description: 'The specification of the lease.' },
  ),
});

const crdVersion = open(
  {
    name: { type: 'string', description: 'The version name, e.g. v1 or v1beta1.' },
    served: { type: 'boolean', description: 'Whether this version is served by the REST API.' },
    storage: { type: 'boolean', description: 'Whether objects are stored in this version; exactly one is.' },
    schema: open({
      openAPIV3Schema: {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        description: 'The OpenAPI v3 schema objects of this version are validated and pruned with.',
      },
    }),
    subresources: open({ status: open(), scale: open() }),
    additionalPrinterColumns: { type: 'array', items: open() },
  },
  { required: ['name', 'served', 'storage'] },
);

const crdSchema = open({
  spec: open(
    {
      group: { type: 'string', description: 'The API group of the defined custom resource.' },
      names: open(
        {
          plural: { type: 'string' },
          singular: { type: 'string' },
          kind: { type: 'string' },
          listKind: { type: 'string' },
          shortNames: { type: 'array', items: { type: 'string' } },
          categories: { type: 'array', items: { type: 'string' } },
        },
        { required: ['plural', 'kind'], description: 'The resource and kind names of the custom resource.' },
      ),
      scope: { type: 'string', enum: ['Cluster', 'Namespaced'], description: 'Cluster or Namespaced.' },
      versions: {
        type: 'array',
        minItems: 1,
        description: 'The API versions of the defined custom resource.',
        items: crdVersion,
      },
    },
    {
      required: ['group', 'names', 'scope', 'versions'],
      description: 'The custom resource this CRD defines.',
    },
  ),
  status: open({ conditions, acceptedNames: open() }),
});

/** A built-in kind of `group` (core kinds are group ''), served at v1. */
export function builtin(
  group: string,
  plural: string,
  kind: string,
  shortNames: string[],
  schema: JsonSchema,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    plural,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    shortNames,
    categories: [],
    namespaced: true,
    versions: [{ name: 'v1', schema, printerColumns: [] }],
    custom: false,
    statusSubresource: false,
    allowUnconditionalUpdate: true,
    allowCreateOnUpdate: false,
    nameRule: 'dns1123-subdomain',
    extraFieldSelectors: [],
    ...extra,
  };
}

const REPLICAS = { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' };

export function builtinTypes(): ResourceType[] {
  return [
    builtin('apps', 'deployments', 'Deployment', ['deploy'], deploymentSchema, {
      categories: ['all'],
      statusSubresource: true,
      scale: REPLICAS,
    }),
    builtin('apps', 'replicasets', 'ReplicaSet', ['rs'], replicaSetSchema, {
      categories: ['all'],
      statusSubresource: true,
      scale: REPLICAS,
    }),
    builtin('discovery.k8s.io', 'endpointslices', 'EndpointSlice', [], endpointSliceSchema),
    builtin('coordination.k8s.io', 'leases', 'Lease', [], leaseSchema),
    builtin(
      'apiextensions.k8s.io',
      'customresourcedefinitions',
      'CustomResourceDefinition',
      ['crd', 'crds'],
      crdSchema,
      {
        namespaced: false,
        categories: ['api-extensions'],
        statusSubresource: true,
      },
    ),
  ];
}

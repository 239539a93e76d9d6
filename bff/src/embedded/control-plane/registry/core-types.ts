import { builtin } from './builtin-types';
import type { JsonSchema, ResourceType } from './resource-type';

/**
 * The built-in kinds the console reads and writes. A real server decodes them into Go structs; here
 * a loose schema catches the mistakes that matter (wrong types in the fields the console uses) and
 * keeps every other field as it was sent.
 */

const open = (properties: Record<string, JsonSchema> = {}, extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  properties,
  ...extra,
});

const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
const intOrString: JsonSchema = {
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
};

const d = (description: string, schema: JsonSchema): JsonSchema => ({ ...schema, description });

const serviceSchema = open({
  spec: open(
    {
      type: d('How the Service is exposed: ClusterIP (default), NodePort, LoadBalancer or ExternalName.', {
        type: 'string',
        enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
      }),
      selector: d('Labels of the pods this Service sends traffic to; its Endpoints list them.', stringMap),
      clusterIP: d('The virtual IP of the Service, allocated by the server unless given.', {
        type: 'string',
      }),
      ports: {
        type: 'array',
        description: 'The ports the Service exposes.',
        items: open(
          {
            name: d('The name of this port; Istio reads the protocol from its prefix (http, grpc, tcp).', {
              type: 'string',
            }),
            protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] },
            port: d('The port the Service listens on.', { type: 'integer', minimum: 1, maximum: 65535 }),
            targetPort: d(
              "The pods' port, a number or a container port's name. Defaults to port.",
              intOrString,
            ),
            nodePort: { type: 'integer' },
            appProtocol: d('The application protocol of this port.', { type: 'string' }),
          },
          { required: ['port'] },
        ),
      },
    },
    { description: 'The behaviour of the Service.' },
  ),
});

const podSchema = open({
  spec: open(
    {
      containers: {
        type: 'array',
        description: 'The containers of the pod.',
        items: open(
          {
            name: d('Name of the container, unique within the pod.', { type: 'string' }),
            image: d('Container image name.', { type: 'string' }),
          },
          { required: ['name'] },
        ),
      },
    },
    { description: 'The desired behaviour of the pod.' },
  ),
  status: open(
    {
      phase: d('Pending, Running, Succeeded, Failed or Unknown.', { type: 'string' }),
      podIP: d('The IP address allocated to the pod.', { type: 'string' }),
    },
    { description: 'The most recently observed status of the pod, reported by its node.' },
  ),
});

const configMapSchema = open({
  data: d('Configuration data, UTF-8 strings by key.', stringMap),
  binaryData: d('Binary configuration data, base64 by key.', stringMap),
  immutable: d('When true, data cannot change (only deleting the ConfigMap does).', { type: 'boolean' }),
});

/**
 * core v1 Secret: `data` holds base64 (checked and `stringData` merged into it on write, see
 * store/kind-defaults.ts), `type` names the kind of secret (Opaque unless said).
 */
const secretSchema = open({
  data: d('Secret data, base64 by key.', stringMap),
  stringData: d('Write-only plain-text data, merged into data (base64) on write.', stringMap),
  type: d('The kind of secret, Opaque unless said; immutable.', { type: 'string' }),
  immutable: d('When true, data cannot change (only deleting the Secret does).', { type: 'boolean' }),
});

const eventSchema = open({
  involvedObject: open(),
  reason: { type: 'string' },
  message: { type: 'string' },
  type: { type: 'string' },
  count: { type: 'integer' },
});

const namespaceSchema = open({ spec: open({ finalizers: { type: 'array', items: { type: 'string' } } }) });

const objectReference = open({
  kind: { type: 'string' },
  namespace: { type: 'string' },
  name: { type: 'string' },
  uid: { type: 'string' },
});

const serviceAccountSchema = open({
  secrets: {
    type: 'array',
    description: 'Secrets in the same namespace that pods running as this ServiceAccount may use.',
    items: objectReference,
  },
  imagePullSecrets: {
    type: 'array',
    description: 'Secrets used to pull images of pods that run as this ServiceAccount.',
    items: open({ name: { type: 'string' } }),
  },
  automountServiceAccountToken: {
    type: 'boolean',
    description: 'Whether pods running as this ServiceAccount get an API token mounted.',
  },
});

const endpointAddress = open(
  {
    ip: { type: 'string', description: 'The IP of this endpoint.' },
    hostname: { type: 'string' },
    nodeName: { type: 'string', description: 'The node hosting this endpoint.' },
    targetRef: objectReference,
  },
  { required: ['ip'] },
);

const endpointsSchema = open({
  subsets: {
    type: 'array',
    description:
      'Sets of addresses and ports that comprise a service; the endpoints controller keeps them for services with a selector.',
    items: open({
      addresses: { type: 'array', description: 'Addresses that are ready to serve.', items: endpointAddress },
      notReadyAddresses: {
        type: 'array',
        description: 'Addresses of endpoints that are not ready yet.',
        items: endpointAddress,
      },
      ports: {
        type: 'array',
        items: open(
          {
            name: { type: 'string' },
            port: { type: 'integer', minimum: 1, maximum: 65535 },
            protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] },
            appProtocol: { type: 'string' },
          },
          { required: ['port'] },
        ),
      },
    }),
  },
});

/** A core kind (group ''); status is written by whoever writes the object, as no status subresource is declared. */
function core(
  plural: string,
  singular: string,
  kind: string,
  shortNames: string[],
  schema: JsonSchema,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return { ...builtin('', plural, kind, shortNames, schema, extra), singular };
}

export function coreTypes(): ResourceType[] {
  return [
    core('namespaces', 'namespace', 'Namespace', ['ns'], namespaceSchema, {
      namespaced: false,
      nameRule: 'dns1123-label',
      extraFieldSelectors: ['status.phase'],
    }),
    core('services', 'service', 'Service', ['svc'], serviceSchema, {
      nameRule: 'dns1035-label',
      extraFieldSelectors: ['spec.clusterIP', 'spec.type'],
      categories: ['all'],
    }),
    core('pods', 'pod', 'Pod', ['po'], podSchema, {
      categories: ['all'],
      extraFieldSelectors: [
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'spec.hostNetwork',
        'status.phase',
        'status.podIP',
        'status.nominatedNodeName',
      ],
    }),
    core('serviceaccounts', 'serviceaccount', 'ServiceAccount', ['sa'], serviceAccountSchema),
    core('endpoints', 'endpoints', 'Endpoints', ['ep'], endpointsSchema),
    core('configmaps', 'configmap', 'ConfigMap', ['cm'], configMapSchema),
    core('secrets', 'secret', 'Secret', [], secretSchema, { extraFieldSelectors: ['type'] }),
    core('events', 'event', 'Event', ['ev'], eventSchema, {
      allowCreateOnUpdate: true,
      extraFieldSelectors: [
        'involvedObject.kind',
        'involvedObject.namespace',
        'involvedObject.name',
        'involvedObject.uid',
        'involvedObject.apiVersion',
        'involvedObject.resourceVersion',
        'involvedObject.fieldPath',
        'reason',
        'reportingComponent',
        'source',
        'type',
      ],
    }),
  ];
}

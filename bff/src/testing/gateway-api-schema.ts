import { coreTypes } from '../embedded/control-plane/registry/core-types';
import { gatewayApiTypes } from '../embedded/control-plane/registry/gateway-api-types';
import type { JsonSchema, ResourceType } from '../embedded/control-plane/registry/resource-type';
import type { FieldError } from '../embedded/control-plane/status-error';
import type { ObjectMeta } from '../embedded/control-plane/types';
import { extensionErrors } from '../embedded/control-plane/validation/extensions';
import { metadataErrors } from '../embedded/control-plane/validation/metadata';
import { pruneAndDefault } from '../embedded/control-plane/validation/prune';
import { schemaErrors } from '../embedded/control-plane/validation/schema-validator';

/**
 * For tests: would a real API server take this Gateway API route (or core Service) as it is? The
 * object goes through what kube-apiserver does to a custom resource: structural pruning and
 * defaulting, then the CRD's OpenAPI schema and its CEL rules (x-kubernetes-validations), with the
 * official standard-channel schemas vendored in embedded/control-plane/crds/gateway-api.json and
 * the embedded control plane's own validators. Nothing may be pruned: a field the schema does not
 * declare would silently vanish on a cluster.
 *
 * A core v1 Service is decoded by the API server into its Go struct, which drops unknown fields
 * the same way; the fields of ServiceSpec and ServicePort are listed here from the Kubernetes API
 * reference (core/v1), and the Service's own rules the console relies on are checked: port names
 * unique and DNS labels (required when there are several ports), selector values valid label values.
 */

export interface GatewayApiCheck {
  errors: string[];
  pruned: string[];
  /** The object as the API server would store it: pruned and defaulted. */
  stored: Record<string, unknown>;
}

let types: ResourceType[] | null = null;

function typeFor(apiVersion: string, kind: string): { type: ResourceType; schema: JsonSchema } {
  types ??= [...gatewayApiTypes(), ...coreTypes()];
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const type = types.find((t) => t.group === group && t.kind === kind);
  const served = type?.versions.find((v) => v.name === version);
  if (!type || !served?.schema) throw new Error(`no schema for ${apiVersion} ${kind}`);
  const schema = group === '' && kind === 'Service' ? SERVICE_SCHEMA : served.schema;
  return { type, schema };
}

const str: JsonSchema = { type: 'string' };
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** core/v1 Service as its Go types declare it (status left free: the server owns it). */
const SERVICE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    apiVersion: str,
    kind: str,
    metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    spec: {
      type: 'object',
      properties: {
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port', 'protocol'],
          items: {
            type: 'object',
            required: ['port'],
            properties: {
              name: { type: 'string', maxLength: 63, pattern: DNS_LABEL },
              protocol: { type: 'string', enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' },
              appProtocol: str,
              port: { type: 'integer', minimum: 1, maximum: 65535 },
              targetPort: {
                'x-kubernetes-int-or-string': true,
                anyOf: [
                  { type: 'integer', minimum: 1, maximum: 65535 },
                  { type: 'string', minLength: 1, maxLength: 15 },
                ],
              },
              nodePort: { type: 'integer' },
            },
          },
        },
        selector: {
          type: 'object',
          additionalProperties: { type: 'string', maxLength: 63, pattern: LABEL_VALUE },
        },
        clusterIP: str,
        clusterIPs: { type: 'array', items: str },
        type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] },
        externalIPs: { type: 'array', items: str },
        sessionAffinity: { type: 'string', enum: ['ClientIP', 'None'] },
        loadBalancerIP: str,
        loadBalancerSourceRanges: { type: 'array', items: str },
        externalName: str,
        externalTrafficPolicy: { type: 'string', enum: ['Cluster', 'Local'] },
        healthCheckNodePort: { type: 'integer' },
        publishNotReadyAddresses: { type: 'boolean' },
        sessionAffinityConfig: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        ipFamilies: { type: 'array', items: str },
        ipFamilyPolicy: str,
        allocateLoadBalancerNodePorts: { type: 'boolean' },
        loadBalancerClass: str,
        internalTrafficPolicy: { type: 'string', enum: ['Cluster', 'Local'] },
        trafficDistribution: str,
      },
    },
  },
};

function serviceRuleErrors(obj: Record<string, unknown>): string[] {
  const spec = (obj.spec ?? {}) as { ports?: { name?: string }[] };
  const ports = spec.ports ?? [];
  const out: string[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    if (ports.length > 1 && !p.name) out.push(`spec.ports[${i}].name: Required value (several ports)`);
    if (p.name && names.has(p.name)) out.push(`spec.ports[${i}].name: Duplicate value: "${p.name}"`);
    if (p.name) names.add(p.name);
  });
  return out;
}

const text = (e: FieldError) => `${e.field}: ${e.message}`;

/** Schema, CEL and metadata errors of an object, the fields a server would prune, and the object as stored. */
export function checkGatewayApiObject(obj: {
  apiVersion: string;
  kind: string;
  metadata: object;
  spec?: unknown;
}): GatewayApiCheck {
  const { type, schema } = typeFor(obj.apiVersion, obj.kind);
  const stored = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
  const pruned = pruneAndDefault(stored, schema);
  const errors = [
    ...metadataErrors(stored.metadata as ObjectMeta, type),
    ...schemaErrors(stored, schema),
    ...extensionErrors(stored, schema),
  ].map(text);
  if (type.group === '' && type.kind === 'Service') errors.push(...serviceRuleErrors(stored));
  return { errors, pruned, stored };
}

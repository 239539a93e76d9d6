import { randomInt } from 'node:crypto';
import { resourceKey, isRecord } from '../types';
import type { KubeObject } from '../types';
import type { ResourceType } from '../registry/resource-type';
import { jsonEqual } from '../../../lib/json';
import { invalid, invalidValue } from '../status-error';
import type { FieldError } from '../status-error';
import { defaultCustomResourceDefinition } from '../validation/crd';
import { defaultDeployment, defaultReplicaSet } from '../validation/workloads';
import { validateBinding, validatePodDisruptionBudget, validateRole } from '../validation/rbac';

/**
 * What the built-in registries of a kube-apiserver fill in on write, for the kinds where clients
 * notice: a Namespace's phase and name label, a Service's type, ports and cluster IP, a Secret's
 * data; Deployments, ReplicaSets (../validation/workloads.ts) and CRDs (../validation/crd.ts).
 */

/** Hands out Service cluster IPs from 10.96.0.0/12 (kubeadm's default), never twice. */
export class ClusterIpAllocator {
  private inUse: Set<string> | undefined;

  constructor(private readonly loadInUse: () => Iterable<string>) {}

  private used(): Set<string> {
    this.inUse ??= new Set(this.loadInUse());
    return this.inUse;
  }

  allocate(): string {
    const used = this.used();
    for (;;) {
      // 10.96.0.1 is the kubernetes Service's address in a real cluster; skip the network's first two.
      const n = randomInt(2, 1 << 20);
      const ip = `10.${96 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
      if (!used.has(ip)) return ip;
    }
  }

  reserve(ip: string): void {
    this.used().add(ip);
  }

  release(ip: string): void {
    this.inUse?.delete(ip);
  }
}

export function serviceClusterIp(object: KubeObject): string | undefined {
  const spec = isRecord(object.spec) ? object.spec : undefined;
  return typeof spec?.clusterIP === 'string' && spec.clusterIP !== 'None' && spec.clusterIP !== ''
    ? spec.clusterIP
    : undefined;
}

function defaultNamespace(object: KubeObject): void {
  object.metadata.labels = {
    ...object.metadata.labels,
    'kubernetes.io/metadata.name': object.metadata.name ?? '',
  };
  const spec = isRecord(object.spec) ? object.spec : {};
  if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  object.spec = spec;
  object.status = { phase: 'Active' };
}

function defaultService(
  object: KubeObject,
  old: KubeObject | undefined,
  allocator: ClusterIpAllocator,
): void {
  const spec = isRecord(object.spec) ? object.spec : {};
  object.spec = spec;
  spec.type ??= 'ClusterIP';
  if (spec.type !== 'ExternalName') spec.sessionAffinity ??= 'None';
  if (Array.isArray(spec.ports)) {
    for (const port of spec.ports) {
      if (!isRecord(port)) continue;
      port.protocol ??= 'TCP';
      port.targetPort ??= port.port;
    }
  }
  // The cluster IP is immutable; an update that leaves it out keeps the allocated one, as real.
  const oldSpec = old && isRecord(old.spec) ? old.spec : undefined;
  if ((spec.clusterIP === undefined || spec.clusterIP === '') && oldSpec?.clusterIP !== undefined) {
    spec.clusterIP = oldSpec.clusterIP;
    if (oldSpec.clusterIPs !== undefined) spec.clusterIPs = oldSpec.clusterIPs;
  }
  if (spec.type !== 'ExternalName' && (spec.clusterIP === undefined || spec.clusterIP === '')) {
    spec.clusterIP = allocator.allocate();
  }
  if (typeof spec.clusterIP === 'string' && spec.clusterIPs === undefined) spec.clusterIPs = [spec.clusterIP];
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** kube-apiserver's limit on a Secret's data (1 MiB). */
const MAX_SECRET_BYTES = 1024 * 1024;

/**
 * A Secret as kube-apiserver stores it: `stringData` (write-only, plain text) merged into `data`
 * as base64, its keys winning; every `data` value valid base64; `type` defaulted to Opaque and
 * immutable afterwards; keys as Kubernetes allows them; at most 1 MiB; an immutable Secret's data
 * unchangeable.
 */
function defaultSecret(object: KubeObject, old: KubeObject | undefined): void {
  const errors: FieldError[] = [];
  const data: Record<string, unknown> = isRecord(object.data) ? { ...object.data } : {};
  if (isRecord(object.stringData))
    for (const [key, value] of Object.entries(object.stringData))
      data[key] = typeof value === 'string' ? Buffer.from(value, 'utf8').toString('base64') : value;
  delete object.stringData;
  let bytes = 0;
  for (const [key, value] of Object.entries(data)) {
    if (key.length > 253 || !SECRET_KEY.test(key))
      errors.push({
        reason: 'FieldValueInvalid',
        field: `data[${key}]`,
        message: invalidValue(
          key,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        ),
      });
    if (typeof value === 'string' && !BASE64.test(value))
      errors.push({
        reason: 'FieldValueInvalid',
        field: `data[${key}]`,
        message: 'Invalid value: illegal base64 data',
      });
    else if (typeof value === 'string') bytes += Buffer.byteLength(value, 'base64');
  }
  if (bytes > MAX_SECRET_BYTES)
    errors.push({
      reason: 'FieldValueTooLong',
      field: 'data',
      message: `Too long: must have at most ${MAX_SECRET_BYTES} bytes`,
    });
  if (Object.keys(data).length > 0 || object.data !== undefined) object.data = data;
  if (object.type === undefined || object.type === '') object.type = old?.type ?? 'Opaque';
  if (old && object.type !== old.type)
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'type',
      message: invalidValue(object.type, 'field is immutable'),
    });
  if (old?.immutable === true) {
    if (!jsonEqual(object.data ?? {}, old.data ?? {}) || object.immutable !== true)
      errors.push({
        reason: 'FieldValueForbidden',
        field: 'data',
        message: 'Forbidden: field is immutable when `immutable` is set',
      });
  }
  if (errors.length > 0) throw invalid('Secret', '', object.metadata.name ?? '', errors);
}

/**
 * GatewayClass.spec.controllerName's CEL transition rule (`self == oldSelf`, "field is immutable"):
 * rule evaluation sees only the new object, so the rule is checked here, where the old one is known.
 */
function keepControllerName(object: KubeObject, old: KubeObject | undefined): void {
  const before = old && isRecord(old.spec) ? old.spec.controllerName : undefined;
  const after = isRecord(object.spec) ? object.spec.controllerName : undefined;
  if (before === undefined || before === after) return;
  throw invalid('GatewayClass', 'gateway.networking.k8s.io', object.metadata.name ?? '', [
    {
      reason: 'FieldValueInvalid',
      field: 'spec.controllerName',
      message: invalidValue(after, 'field is immutable'),
    },
  ]);
}

/** Fills in server-set fields of built-in kinds; `old` is the stored object on update. */
export function applyKindDefaults(
  type: ResourceType,
  object: KubeObject,
  old: KubeObject | undefined,
  allocator: ClusterIpAllocator,
): void {
  switch (resourceKey(type)) {
    case 'namespaces':
      defaultNamespace(object);
      break;
    case 'services':
      defaultService(object, old, allocator);
      break;
    case 'secrets':
      defaultSecret(object, old);
      break;
    case 'deployments.apps':
      defaultDeployment(object, old);
      break;
    case 'replicasets.apps':
      defaultReplicaSet(object, old);
      break;
    case 'customresourcedefinitions.apiextensions.k8s.io':
      defaultCustomResourceDefinition(object, old);
      break;
    case 'gatewayclasses.gateway.networking.k8s.io':
      keepControllerName(object, old);
      break;
    case 'roles.rbac.authorization.k8s.io':
      validateRole(object, 'Role');
      break;
    case 'clusterroles.rbac.authorization.k8s.io':
      validateRole(object, 'ClusterRole');
      break;
    case 'rolebindings.rbac.authorization.k8s.io':
      validateBinding(object, old, 'RoleBinding');
      break;
    case 'clusterrolebindings.rbac.authorization.k8s.io':
      validateBinding(object, old, 'ClusterRoleBinding');
      break;
    case 'poddisruptionbudgets.policy':
      validatePodDisruptionBudget(object);
      break;
    default:
      break;
  }
}

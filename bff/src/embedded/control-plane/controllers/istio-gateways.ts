import type { KubeObject } from '../types';
import type { ControllerContext } from './context';
import { GVR, now, rec, tolerant } from './context';
import { controllerReference } from './informer';

/**
 * Istio's Gateway API deployment controller, abridged: a Gateway of class `istio` gets a Deployment
 * and a LoadBalancer Service named `<gateway>-istio` (labelled gateway.networking.k8s.io/gateway-name)
 * running Envoy with the listeners' ports, and a status with its address and the conditions
 * Accepted and Programmed, so `kubectl wait --for=condition=programmed gateway/<name>` finishes.
 * A Gateway of class `istio-waypoint` (ambient mode's waypoint proxy, `istioctl waypoint apply`) gets
 * a Deployment and a ClusterIP Service named after the Gateway itself (that class has no name suffix),
 * its pods running Envoy as a waypoint, kept out of both sidecar injection and ztunnel capture, and
 * Programmed once its Service has a cluster IP. The GatewayClasses `istio` and `istio-waypoint` are
 * created on first start, as installing Istio does.
 */

export const GATEWAY_GVR = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' };
const CLASS_GVR = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses' };
const CONTROLLER_NAME = 'istio.io/gateway-controller';
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
const PROXY_IMAGE = 'docker.io/istio/proxyv2:1.28.0';

/** The GatewayClass of ambient mode's waypoint proxies. */
export const WAYPOINT_CLASS = 'istio-waypoint';
const WAYPOINT_CONTROLLER_NAME = 'istio.io/mesh-controller';

const CLASSES = [
  { name: 'istio', controllerName: CONTROLLER_NAME, description: 'The default Istio GatewayClass' },
  {
    name: WAYPOINT_CLASS,
    controllerName: WAYPOINT_CONTROLLER_NAME,
    description: 'The default Istio waypoint GatewayClass',
  },
];

export function ensureIstioGatewayClass(ctx: ControllerContext): void {
  for (const c of CLASSES) ensureClass(ctx, c);
}

function ensureClass(
  ctx: ControllerContext,
  { name, controllerName, description }: (typeof CLASSES)[number],
): void {
  try {
    ctx.store.get(CLASS_GVR, undefined, name);
    return;
  } catch {
    // Not there yet: create it below.
  }
  tolerant(ctx.log, `create GatewayClass ${name}`, () => {
    ctx.store.create(CLASS_GVR, undefined, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name },
      spec: { controllerName, description },
    });
    const created = ctx.store.get(CLASS_GVR, undefined, name);
    const at = now();
    ctx.store.update(
      CLASS_GVR,
      undefined,
      name,
      {
        ...created,
        status: {
          conditions: [
            {
              type: 'Accepted',
              status: 'True',
              reason: 'Accepted',
              message: 'Handled by Istio controller',
              lastTransitionTime: at,
              observedGeneration: created.metadata.generation ?? 1,
            },
          ],
        },
      },
      { subresource: 'status' },
    );
  });
}

interface Listener {
  name: string;
  port: number;
  protocol: string;
}

function listenersOf(gateway: KubeObject): Listener[] {
  const listeners = rec(gateway.spec).listeners;
  return (Array.isArray(listeners) ? listeners : [])
    .map(rec)
    .flatMap((l) =>
      typeof l.name === 'string' && typeof l.port === 'number'
        ? [{ name: l.name, port: l.port, protocol: typeof l.protocol === 'string' ? l.protocol : 'HTTP' }]
        : [],
    );
}

/** Deploys (or, once the Gateway is gone, removes) what Istio runs for a Gateway of class istio. */
export function reconcileIstioGateway(ctx: ControllerContext, namespace: string, name: string): void {
  let gateway: KubeObject;
  try {
    gateway = ctx.store.get(GATEWAY_GVR, namespace, name);
  } catch {
    removeDeployment(ctx, namespace, name);
    return;
  }
  const gatewayClass = rec(gateway.spec).gatewayClassName;
  if (gatewayClass === WAYPOINT_CLASS) {
    const { deployment, service } = waypointWorkload(gateway);
    upsert(ctx, GVR.deployments, namespace, deployment);
    upsert(ctx, GVR.services, namespace, service);
    writeStatus(ctx, gateway, ctx.services.get(namespace, name));
    return;
  }
  if (gatewayClass !== 'istio') return;
  const deployName = `${name}-istio`;
  const labels = { [GATEWAY_NAME_LABEL]: name, 'gateway.istio.io/managed': 'istio.io-gateway-controller' };
  const listeners = listenersOf(gateway);
  const owner = [{ ...controllerReference(gateway), blockOwnerDeletion: true }];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deployName, namespace, labels, ownerReferences: owner },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [GATEWAY_NAME_LABEL]: name } },
      template: {
        metadata: { labels: { ...labels, 'sidecar.istio.io/inject': 'false' } },
        spec: {
          serviceAccountName: deployName,
          containers: [
            {
              name: 'istio-proxy',
              image: PROXY_IMAGE,
              args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local'],
              ports: [
                ...listeners.map((l) => ({ containerPort: l.port, protocol: 'TCP' })),
                { name: 'status-port', containerPort: 15021, protocol: 'TCP' },
              ],
            },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: deployName, namespace, labels, ownerReferences: owner },
    spec: {
      type: 'LoadBalancer',
      selector: { [GATEWAY_NAME_LABEL]: name },
      ports: [
        { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP', appProtocol: 'tcp' },
        ...[...new Set(listeners.map((l) => l.port))].map((port) => ({
          name: `${(listeners.find((l) => l.port === port)?.protocol ?? 'tcp').toLowerCase()}-${port}`,
          port,
          targetPort: port,
          protocol: 'TCP',
        })),
      ],
    },
  };
  upsert(ctx, GVR.deployments, namespace, deployment);
  upsert(ctx, GVR.services, namespace, service);
  writeStatus(ctx, gateway, ctx.services.get(namespace, deployName));
}

/**
 * What istiod deploys for a waypoint Gateway: a Deployment and a ClusterIP Service named after it,
 * selecting its pods by gateway.networking.k8s.io/gateway-name; Envoy runs as a waypoint, listening
 * for HBONE on 15008 (and the status port). Its pods get no sidecar and are not captured by ztunnel
 * (`istio.io/dataplane-mode: none`). Exported so the demo seed can predict the pods it makes.
 */
interface Rendered {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; ownerReferences: unknown[] };
  spec: Record<string, unknown>;
}

export function waypointWorkload(gateway: KubeObject): { deployment: Rendered; service: Rendered } {
  const name = gateway.metadata.name ?? '';
  const namespace = gateway.metadata.namespace ?? 'default';
  const labels = {
    [GATEWAY_NAME_LABEL]: name,
    'gateway.istio.io/managed': WAYPOINT_CONTROLLER_NAME.replace('/', '-'),
  };
  const owner = [{ ...controllerReference(gateway), blockOwnerDeletion: true }];
  const ports = [...new Set([15008, ...listenersOf(gateway).map((l) => l.port)])];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels, ownerReferences: owner },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [GATEWAY_NAME_LABEL]: name } },
      template: {
        metadata: {
          labels: {
            ...labels,
            'sidecar.istio.io/inject': 'false',
            'istio.io/dataplane-mode': 'none',
            'service.istio.io/canonical-name': name,
            'service.istio.io/canonical-revision': 'latest',
          },
        },
        spec: {
          serviceAccountName: name,
          containers: [
            {
              name: 'istio-proxy',
              image: PROXY_IMAGE,
              args: ['proxy', 'waypoint', '--domain', '$(POD_NAMESPACE).svc.cluster.local'],
              ports: [
                ...ports.map((port) => ({ containerPort: port, protocol: 'TCP' })),
                { name: 'status-port', containerPort: 15021, protocol: 'TCP' },
              ],
            },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels, ownerReferences: owner },
    spec: {
      type: 'ClusterIP',
      selector: { [GATEWAY_NAME_LABEL]: name },
      ports: [
        { name: 'status-port', port: 15021, targetPort: 15021, protocol: 'TCP', appProtocol: 'tcp' },
        ...ports.map((port) => ({
          name: port === 15008 ? 'mesh' : `tcp-${port}`,
          port,
          targetPort: port,
          protocol: 'TCP',
          ...(port === 15008 ? { appProtocol: 'all' } : {}),
        })),
      ],
    },
  };
  return { deployment, service };
}

/** Creates the object, or rewrites its spec when it differs (kept as Istio renders it). */
function upsert(
  ctx: ControllerContext,
  gvr: typeof GVR.services,
  namespace: string,
  wanted: { metadata: { name: string }; spec: Record<string, unknown> },
): void {
  let current: KubeObject | undefined;
  try {
    current = ctx.store.get(gvr, namespace, wanted.metadata.name);
  } catch {
    current = undefined;
  }
  if (!current) {
    tolerant(ctx.log, `create ${wanted.metadata.name}`, () => ctx.store.create(gvr, namespace, wanted));
    return;
  }
  // The server fills in defaults (cluster IP, strategy...); only what the gateway decides is compared.
  const spec = rec(current.spec);
  const changed = Object.entries(wanted.spec).some(([k, v]) => JSON.stringify(spec[k]) !== JSON.stringify(v));
  if (changed)
    ctx.store.update(gvr, namespace, wanted.metadata.name, { ...current, spec: { ...spec, ...wanted.spec } });
}

const lastWritten = new Map<string, string>();

function writeStatus(ctx: ControllerContext, gateway: KubeObject, service: KubeObject | undefined): void {
  const ingress = rec(rec(service?.status).loadBalancer).ingress;
  const waypoint = rec(gateway.spec).gatewayClassName === WAYPOINT_CLASS;
  // A waypoint is reached at its Service's cluster IP; a gateway at its load balancer's address.
  const ip = waypoint
    ? rec(service?.spec).clusterIP
    : Array.isArray(ingress)
      ? rec(ingress[0]).ip
      : undefined;
  const generation = gateway.metadata.generation ?? 1;
  const previous = rec(gateway.status);
  const previousConditions = Array.isArray(previous.conditions) ? previous.conditions.map(rec) : [];
  const at = now();
  const condition = (type: string, status: boolean, reason: string, message: string) => {
    const before = previousConditions.find((c) => c.type === type);
    const statusText = status ? 'True' : 'False';
    if (before?.status === statusText && before.reason === reason && before.observedGeneration === generation)
      return before;
    return {
      type,
      status: statusText,
      reason,
      message,
      lastTransitionTime: at,
      observedGeneration: generation,
    };
  };
  const programmed = typeof ip === 'string';
  const status = {
    ...(programmed ? { addresses: [{ type: 'IPAddress', value: ip }] } : {}),
    conditions: [
      condition('Accepted', true, 'Accepted', 'Resource accepted'),
      programmed
        ? condition('Programmed', true, 'Programmed', 'Resource programmed, assigned to service(s)')
        : condition(
            'Programmed',
            false,
            'AddressNotAssigned',
            waypoint ? 'Waiting for the Service' : 'Waiting for the load balancer address',
          ),
    ],
    listeners: listenersOf(gateway).map((l) => {
      const before = (Array.isArray(previous.listeners) ? previous.listeners.map(rec) : []).find(
        (x) => x.name === l.name,
      );
      return {
        name: l.name,
        attachedRoutes: typeof before?.attachedRoutes === 'number' ? before.attachedRoutes : 0,
        supportedKinds: [
          {
            group: 'gateway.networking.k8s.io',
            kind: l.protocol === 'TLS' ? 'TLSRoute' : 'HTTPRoute',
          },
        ],
        conditions: [
          condition('Accepted', true, 'Accepted', 'No errors found'),
          condition('Programmed', programmed, programmed ? 'Programmed' : 'Pending', 'No errors found'),
          condition('ResolvedRefs', true, 'ResolvedRefs', 'No errors found'),
        ],
      };
    }),
  };
  // The status as last written, by uid: the server may add schema defaults to what it stores, so the
  // stored status is not compared with (that would rewrite it on every event).
  const key = `${gateway.metadata.uid ?? ''}`;
  const text = JSON.stringify(status);
  if (lastWritten.get(key) === text) return;
  lastWritten.set(key, text);
  ctx.store.update(
    GATEWAY_GVR,
    gateway.metadata.namespace,
    gateway.metadata.name ?? '',
    { ...gateway, status },
    { subresource: 'status' },
  );
}

/** A deleted Gateway takes its Deployment and Service with it (they are owned by it). */
function removeDeployment(ctx: ControllerContext, namespace: string, name: string): void {
  for (const gvr of [GVR.deployments, GVR.services]) {
    // `<name>-istio` for class istio, `<name>` for a waypoint.
    for (const objectName of [`${name}-istio`, name]) {
      let current: KubeObject | undefined;
      try {
        current = ctx.store.get(gvr, namespace, objectName);
      } catch {
        continue;
      }
      if (current.metadata.labels?.[GATEWAY_NAME_LABEL] === name)
        tolerant(ctx.log, `delete ${objectName}`, () => ctx.store.delete(gvr, namespace, objectName));
    }
  }
}

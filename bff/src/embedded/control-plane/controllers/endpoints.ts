import { jsonEqual } from '../../../lib/json';
import type { KubeObject } from '../types';
import type { ControllerContext } from './context';
import { GVR, labelsOf, rec, tolerant } from './context';
import { controllerReference } from './informer';
import { isPodReady, podIpOf, randomSuffix } from './pods';

/**
 * The endpoints and EndpointSlice controllers: for each Service with a selector, an Endpoints of the
 * same name and one EndpointSlice (`<service>-<5 chars>`, labelled kubernetes.io/service-name) listing
 * the addresses of the pods it selects, ready and not ready, with the ports their targetPorts name.
 * Services without a selector are left alone: their endpoints are whoever wrote them.
 *
 * Simplification: one slice per Service (a real controller splits at 100 endpoints and by port
 * mapping); its ports are resolved against the first selected pod.
 */

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const MANAGED_BY = 'endpointslice-controller.k8s.io';

interface ServicePort {
  name?: string;
  port: number;
  protocol: string;
  targetPort: unknown;
  appProtocol?: string;
}

function servicePorts(service: KubeObject): ServicePort[] {
  const ports = rec(service.spec).ports;
  return (Array.isArray(ports) ? ports : []).map(rec).map((p) => ({
    ...(typeof p.name === 'string' && p.name !== '' ? { name: p.name } : {}),
    port: typeof p.port === 'number' ? p.port : 0,
    protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP',
    targetPort: p.targetPort ?? p.port,
    ...(typeof p.appProtocol === 'string' ? { appProtocol: p.appProtocol } : {}),
  }));
}

/** The container port a targetPort means on this pod: a number as it is, a name looked up in the containers. */
function resolvePort(pod: KubeObject, targetPort: unknown): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  if (typeof targetPort !== 'string') return undefined;
  if (/^\d+$/.test(targetPort)) return Number(targetPort);
  const containers = rec(pod.spec).containers;
  for (const c of Array.isArray(containers) ? containers : []) {
    const ports = rec(c).ports;
    for (const p of Array.isArray(ports) ? ports.map(rec) : [])
      if (p.name === targetPort && typeof p.containerPort === 'number') return p.containerPort;
  }
  return undefined;
}

export function selectorOf(service: KubeObject | undefined): Record<string, string> | undefined {
  const selector = rec(service?.spec).selector;
  const labels = rec(selector) as Record<string, string>;
  return Object.keys(labels).length > 0 ? labels : undefined;
}

export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function reconcileService(ctx: ControllerContext, namespace: string, name: string): void {
  const service = ctx.services.get(namespace, name);
  const selector = selectorOf(service);
  if (!service || !selector) {
    // A Service that went (or lost its selector): the endpoints this controller made go too.
    removeManaged(ctx, namespace, name);
    return;
  }
  const pods = ctx.pods
    .inNamespace(namespace)
    .filter((p) => !p.metadata.deletionTimestamp && podIpOf(p) && selects(selector, labelsOf(p)))
    .sort((a, b) => String(podIpOf(a)).localeCompare(String(podIpOf(b)), 'en', { numeric: true }));
  const ports = servicePorts(service);
  writeEndpoints(ctx, service, pods, ports);
  writeSlice(ctx, service, pods, ports);
}

function targetRef(pod: KubeObject) {
  return { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

function writeEndpoints(
  ctx: ControllerContext,
  service: KubeObject,
  pods: KubeObject[],
  ports: ServicePort[],
): void {
  const namespace = service.metadata.namespace ?? '';
  const name = service.metadata.name ?? '';
  // Pods whose ports resolve the same way share a subset, as the endpoints controller groups them.
  const subsets = new Map<string, { ports: object[]; addresses: object[]; notReadyAddresses: object[] }>();
  for (const pod of pods) {
    const resolved = ports.flatMap((p) => {
      const port = resolvePort(pod, p.targetPort);
      return port === undefined
        ? []
        : [
            {
              ...(p.name ? { name: p.name } : {}),
              port,
              protocol: p.protocol,
              ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
            },
          ];
    });
    const key = JSON.stringify(resolved);
    let subset = subsets.get(key);
    if (!subset) {
      subset = { ports: resolved, addresses: [], notReadyAddresses: [] };
      subsets.set(key, subset);
    }
    const address = { ip: podIpOf(pod), nodeName: rec(pod.spec).nodeName, targetRef: targetRef(pod) };
    (isPodReady(pod) ? subset.addresses : subset.notReadyAddresses).push(address);
  }
  const wanted = [...subsets.values()].map((s) => ({
    ...(s.addresses.length > 0 ? { addresses: s.addresses } : {}),
    ...(s.notReadyAddresses.length > 0 ? { notReadyAddresses: s.notReadyAddresses } : {}),
    ...(s.ports.length > 0 ? { ports: s.ports } : {}),
  }));
  const labels = { ...labelsOf(service), 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' };
  let existing: KubeObject | undefined;
  try {
    existing = ctx.store.get(GVR.endpoints, namespace, name);
  } catch {
    existing = undefined;
  }
  if (!existing) {
    tolerant(ctx.log, `create endpoints ${namespace}/${name}`, () =>
      ctx.store.create(GVR.endpoints, namespace, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, namespace, labels },
        ...(wanted.length > 0 ? { subsets: wanted } : {}),
      }),
    );
    return;
  }
  const current = existing.subsets ?? [];
  if (jsonEqual(current, wanted) && jsonEqual(existing.metadata.labels ?? {}, labels)) return;
  const next: KubeObject = { ...existing, metadata: { ...existing.metadata, labels } };
  if (wanted.length > 0) next.subsets = wanted;
  else delete next.subsets;
  ctx.store.update(GVR.endpoints, namespace, name, next);
}

function slicesOf(ctx: ControllerContext, namespace: string, service: string): KubeObject[] {
  return ctx.endpointSlices
    .inNamespace(namespace)
    .filter(
      (s) => labelsOf(s)[SERVICE_NAME_LABEL] === service && labelsOf(s)[MANAGED_BY_LABEL] === MANAGED_BY,
    );
}

function writeSlice(
  ctx: ControllerContext,
  service: KubeObject,
  pods: KubeObject[],
  ports: ServicePort[],
): void {
  const namespace = service.metadata.namespace ?? '';
  const name = service.metadata.name ?? '';
  const first = pods[0];
  const slicePorts = ports.flatMap((p) => {
    const port = first
      ? resolvePort(first, p.targetPort)
      : typeof p.targetPort === 'number'
        ? p.targetPort
        : undefined;
    return port === undefined
      ? []
      : [
          {
            name: p.name ?? '',
            port,
            protocol: p.protocol,
            ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
          },
        ];
  });
  const endpoints = pods.map((pod) => {
    const ready = isPodReady(pod);
    return {
      addresses: [podIpOf(pod)],
      conditions: { ready, serving: ready, terminating: false },
      nodeName: rec(pod.spec).nodeName,
      targetRef: targetRef(pod),
    };
  });
  const labels = {
    ...labelsOf(service),
    [SERVICE_NAME_LABEL]: name,
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
  const [existing, ...extra] = slicesOf(ctx, namespace, name);
  for (const slice of extra)
    tolerant(ctx.log, `delete extra slice ${slice.metadata.name ?? ''}`, () =>
      ctx.store.delete(GVR.endpointSlices, namespace, slice.metadata.name ?? ''),
    );
  const body = { addressType: 'IPv4', endpoints, ports: slicePorts };
  if (!existing) {
    let sliceName = `${name}-${randomSuffix()}`;
    while (ctx.endpointSlices.get(namespace, sliceName)) sliceName = `${name}-${randomSuffix()}`;
    tolerant(ctx.log, `create slice for ${namespace}/${name}`, () =>
      ctx.store.create(GVR.endpointSlices, namespace, {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: sliceName,
          generateName: `${name}-`,
          namespace,
          labels,
          ownerReferences: [controllerReference(service)],
        },
        ...body,
      }),
    );
    return;
  }
  if (
    jsonEqual(existing.endpoints ?? [], endpoints) &&
    jsonEqual(existing.ports ?? [], slicePorts) &&
    jsonEqual(existing.metadata.labels ?? {}, labels)
  )
    return;
  ctx.store.update(GVR.endpointSlices, namespace, existing.metadata.name ?? '', {
    ...existing,
    metadata: { ...existing.metadata, labels },
    ...body,
  });
}

function removeManaged(ctx: ControllerContext, namespace: string, name: string): void {
  for (const slice of slicesOf(ctx, namespace, name))
    tolerant(ctx.log, `delete slice ${slice.metadata.name ?? ''}`, () =>
      ctx.store.delete(GVR.endpointSlices, namespace, slice.metadata.name ?? ''),
    );
  let existing: KubeObject | undefined;
  try {
    existing = ctx.store.get(GVR.endpoints, namespace, name);
  } catch {
    return;
  }
  // Only endpoints this controller wrote; a selector-less Service's hand-written ones stay.
  if (existing.metadata.labels?.['endpoints.kubernetes.io/managed-by'] !== 'endpoint-controller') return;
  tolerant(ctx.log, `delete endpoints ${namespace}/${name}`, () =>
    ctx.store.delete(GVR.endpoints, namespace, name),
  );
}

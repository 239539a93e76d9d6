import type { Logger } from 'pino';
import type { ResourceRegistry } from '../registry/registry';
import type { ResourceStore } from '../store/resource-store';
import type { KubeObject, WatchEvent } from '../types';
import type { ControllerContext } from './context';
import { GVR, labelsOf } from './context';
import { CustomResourceController } from './custom-resources';
import { reconcileDeployment } from './deployment';
import { reconcileService, selectorOf, selects } from './endpoints';
import { GarbageCollector } from './garbage-collector';
import { GATEWAY_GVR, ensureIstioGatewayClass, reconcileIstioGateway } from './istio-gateways';
import { reconcileLoadBalancer } from './load-balancer';
import { Informer, controllerOf } from './informer';
import { PodIpAllocator, podForControllers, podIpOf } from './pods';
import { needsKubelet, reconcileReplicaSet, runPod } from './replicaset';
import { WorkQueue } from './work-queue';

/**
 * The controllers a cluster runs, in process, on the store's own watches: the apiextensions
 * controller (CRDs become served kinds), the Deployment and ReplicaSet controllers (with the
 * scheduler's and kubelet's part: pods get a node, an IP and a running status), the endpoints and
 * EndpointSlice controllers, a cloud's load-balancer controller (LoadBalancer Services get an external
 * address), and garbage collection of owned objects.
 *
 * Each event queues a reconcile of the one object it concerns (and of its owner, or of the Services
 * selecting a pod); nothing resyncs on a timer. On start every object arrives as ADDED, so state
 * written before a restart is reconciled; a failing reconcile is logged and never stops the rest.
 *
 * Demo switches (documented in the control plane's README):
 * - pod template annotation `demo.mesh-console.io/ready: "false"`: its pods run but are not ready
 *   (Ready False, the app container waiting in CrashLoopBackOff);
 * - Deployment annotation `demo.mesh-console.io/not-ready-replicas: "N"`: N of its pods are kept not
 *   ready (the first N created; a replacement is not ready while fewer than N are).
 */
export interface Controllers {
  /** Resolves when no reconcile is queued: every change so far has been acted on. */
  idle(): Promise<void>;
  stop(): void;
}

export function startControllers(store: ResourceStore, registry: ResourceRegistry, log: Logger): Controllers {
  // CRDs first and synchronously: a kind a stored CRD defines is served before the first request.
  const crds = new CustomResourceController(store, registry, log);
  crds.start();

  const queue = new WorkQueue(log);
  const ips = new PodIpAllocator();
  const enqueue: ControllerContext['enqueue'] = {
    deployment: (ns, name) => queue.add(`deployment:${ns}/${name}`, () => reconcileDeployment(ctx, ns, name)),
    replicaSet: (ns, name) => queue.add(`replicaset:${ns}/${name}`, () => reconcileReplicaSet(ctx, ns, name)),
    service: (ns, name) => queue.add(`service:${ns}/${name}`, () => reconcileService(ctx, ns, name)),
  };
  const enqueueGateway = (ns: string, name: string) =>
    queue.add(`gateway:${ns}/${name}`, () => reconcileIstioGateway(ctx, ns, name));
  const nsName = (o: KubeObject): [string, string] => [o.metadata.namespace ?? '', o.metadata.name ?? ''];
  // Made once ctx exists; owner deletions can only arrive after the informers start, which is later.
  const collector: { gc?: GarbageCollector } = {};
  const ownerDeleted = (event: WatchEvent) => {
    if (event.type === 'DELETED') collector.gc?.ownerDeleted(event.object);
  };

  const ctx: ControllerContext = {
    store,
    log,
    queue,
    ips,
    enqueue,
    namespaces: new Informer(store, GVR.namespaces, () => undefined),
    deployments: new Informer(store, GVR.deployments, (event) => {
      ownerDeleted(event);
      enqueue.deployment(...nsName(event.object));
    }),
    replicaSets: new Informer(store, GVR.replicaSets, (event) => {
      ownerDeleted(event);
      enqueue.replicaSet(...nsName(event.object));
      const owner = controllerOf(event.object);
      if (owner?.kind === 'Deployment') enqueue.deployment(event.object.metadata.namespace ?? '', owner.name);
    }),
    pods: new Informer(
      store,
      GVR.pods,
      (event, previous) => {
        const pod = event.object;
        const ip = podIpOf(pod);
        if (event.type === 'DELETED') {
          if (ip) ips.release(ip);
          ownerDeleted(event);
        } else if (ip) ips.reserve(ip);
        const owner = controllerOf(pod);
        if (owner?.kind === 'ReplicaSet') enqueue.replicaSet(pod.metadata.namespace ?? '', owner.name);
        if (event.type !== 'DELETED' && needsKubelet(pod)) {
          const [ns, name] = nsName(pod);
          queue.add(`kubelet:${ns}/${name}`, () => runPod(ctx, ns, name));
        }
        // The Services that select the pod now, or did before this change.
        const ns = pod.metadata.namespace ?? '';
        for (const service of ctx.services.inNamespace(ns)) {
          const selector = selectorOf(service);
          if (!selector) continue;
          if (selects(selector, labelsOf(pod)) || (previous && selects(selector, labelsOf(previous))))
            enqueue.service(ns, service.metadata.name ?? '');
        }
      },
      podForControllers,
    ),
    services: new Informer(store, GVR.services, (event) => {
      ownerDeleted(event);
      enqueue.service(...nsName(event.object));
      const [ns, name] = nsName(event.object);
      if (event.type !== 'DELETED')
        queue.add(`load-balancer:${ns}/${name}`, () => reconcileLoadBalancer(ctx, ns, name));
      // A Gateway's Service got (or lost) its address: the Gateway's status says so.
      const gateway = event.object.metadata.labels?.['gateway.networking.k8s.io/gateway-name'];
      if (gateway) enqueueGateway(ns, gateway);
    }),
    endpointSlices: new Informer(store, GVR.endpointSlices, (event) => {
      // A managed slice deleted by hand comes back, as with a real controller.
      const service = event.object.metadata.labels?.['kubernetes.io/service-name'];
      if (event.type === 'DELETED' && service)
        enqueue.service(event.object.metadata.namespace ?? '', service);
    }),
  };
  const gc = new GarbageCollector(ctx);
  collector.gc = gc;

  // Caches that others read come first: namespaces (sidecar injection), pods (IPs in use), services.
  const informers = [
    ctx.namespaces,
    ctx.pods,
    ctx.services,
    ctx.endpointSlices,
    ctx.replicaSets,
    ctx.deployments,
  ];
  for (const informer of informers) informer.start();
  gc.collectOrphans();
  // Istio's Gateway API controller, while the Gateway kind is served (it ships with this control plane).
  let stopGateways: (() => void) | undefined;
  if (registry.find(GATEWAY_GVR)) {
    ensureIstioGatewayClass(ctx);
    stopGateways = store.watch(GATEWAY_GVR, undefined, undefined, (event) =>
      enqueueGateway(...nsName(event.object)),
    );
  }

  return {
    idle: () => queue.idle(),
    stop() {
      queue.stop();
      for (const informer of informers) informer.stop();
      stopGateways?.();
      crds.stop();
    },
  };
}

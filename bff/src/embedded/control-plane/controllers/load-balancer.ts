import type { KubeObject } from '../types';
import type { ControllerContext } from './context';
import { GVR, rec } from './context';

/**
 * A cloud's load-balancer controller, as kind's or MetalLB's: each Service of type LoadBalancer gets
 * an external address from 172.18.255.200–254 in status.loadBalancer.ingress (what Istio's docs read
 * as INGRESS_HOST), kept while the Service is a LoadBalancer and dropped when it stops being one.
 */

const POOL = Array.from({ length: 55 }, (_, i) => `172.18.255.${200 + i}`);

function ingressIps(service: KubeObject): string[] {
  const ingress = rec(rec(service.status).loadBalancer).ingress;
  return (Array.isArray(ingress) ? ingress : [])
    .map((i) => rec(i).ip)
    .filter((ip): ip is string => typeof ip === 'string');
}

export function reconcileLoadBalancer(ctx: ControllerContext, namespace: string, name: string): void {
  const service = ctx.services.get(namespace, name);
  if (!service) return;
  const isLoadBalancer = rec(service.spec).type === 'LoadBalancer';
  const has = ingressIps(service).length > 0;
  if (isLoadBalancer === has) return;
  let status: Record<string, unknown>;
  if (isLoadBalancer) {
    const used = new Set(ctx.services.all().flatMap(ingressIps));
    const ip = POOL.find((candidate) => !used.has(candidate));
    if (!ip) {
      ctx.log.warn({ namespace, name }, 'no load-balancer address left');
      return;
    }
    status = { ...rec(service.status), loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } };
  } else {
    status = { ...rec(service.status), loadBalancer: {} };
  }
  ctx.store.update(GVR.services, namespace, name, { ...service, status });
}

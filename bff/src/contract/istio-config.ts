import { z } from 'zod';
import { ObjectRef } from './routing';

/**
 * The mesh-wide "Istio config" view: every routing object of the mesh, each with the checks that
 * say where it is wrong or ineffective, in the manner of Kiali's validations (and a few more).
 * The BFF reads the objects and judges them (`mesh/config-checks.ts`); the SPA lists and filters.
 */

export const ISTIO_CONFIG_KINDS = [
  'VirtualService',
  'DestinationRule',
  'Gateway',
  'ServiceEntry',
  'EnvoyFilter',
] as const;
export const IstioConfigKind = z.enum(ISTIO_CONFIG_KINDS);
export type IstioConfigKind = z.infer<typeof IstioConfigKind>;

/**
 * What a check found. Codes are stable; the message says it in words with the names filled in.
 *  - subset-not-found: a route names a subset no DestinationRule for its host defines (503 NR);
 *  - subset-selects-no-instance: a subset whose labels select no instance of the host's service;
 *  - weights-not-100: the destinations of one route do not total 100;
 *  - host-claimed-twice: two VirtualServices bound to the mesh name the same host; only the
 *    oldest is in effect (on both objects: "in effect" on the oldest, "ignored" on the other);
 *  - unreachable-route: a route after a route that matches everything is never reached;
 *  - gateway-not-found: `gateways` names a Gateway that does not exist;
 *  - host-not-found: a host (or a destination host) that is no service of the catalog, no
 *    ServiceEntry host and no wildcard covering one;
 *  - export-hides-from-callers: `exportTo` keeps the rule from namespaces whose workloads call the
 *    service (they keep the default routing);
 *  - duplicate-subset: two DestinationRules for one host define the same subset name (the oldest
 *    wins; the other's definition is ignored).
 */
const CONFIG_CHECK_CODES = [
  'subset-not-found',
  'subset-selects-no-instance',
  'weights-not-100',
  'host-claimed-twice',
  'unreachable-route',
  'gateway-not-found',
  'host-not-found',
  'export-hides-from-callers',
  'duplicate-subset',
] as const;
export const ConfigCheckCode = z.enum(CONFIG_CHECK_CODES);
export type ConfigCheckCode = z.infer<typeof ConfigCheckCode>;

export const ConfigSeverity = z.enum(['error', 'warning', 'info']);
export type ConfigSeverity = z.infer<typeof ConfigSeverity>;

export const ConfigCheck = z
  .object({
    code: ConfigCheckCode,
    severity: ConfigSeverity.describe(
      'error: traffic fails or the object does nothing; warning: likely not what was meant; info: worth knowing',
    ),
    message: z.string().describe('In English, names filled in'),
    path: z.string().optional().describe('Where in the object, as spec.http[0].route[1]'),
  })
  .meta({ id: 'ConfigCheck' });
export type ConfigCheck = z.infer<typeof ConfigCheck>;

export const ConfigServiceRef = z.object({
  id: z.string().describe("The catalog service's ID (for a link to its page)"),
  namespace: z.string(),
  name: z.string(),
});
export type ConfigServiceRef = z.infer<typeof ConfigServiceRef>;

export const IstioConfigItem = z
  .object({
    ref: ObjectRef,
    createdAt: z.string().optional().describe('metadata.creationTimestamp'),
    hosts: z.array(z.string()).describe('spec.hosts, or [spec.host] for a DestinationRule'),
    gateways: z
      .array(z.string())
      .describe('A VirtualService: the gateways it is bound to; empty means the mesh (sidecars) only'),
    services: z.array(ConfigServiceRef).describe('The catalog services the object applies to'),
    managedBy: z.string().describe('Who manages it: mesh-console, kubectl, Helm, Argo CD, …'),
    checks: z.array(ConfigCheck),
    yaml: z.string(),
  })
  .meta({ id: 'IstioConfigItem' });
export type IstioConfigItem = z.infer<typeof IstioConfigItem>;

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const IstioConfigQuery = z.object({
  namespace: z.string().max(63).regex(NAME, 'Not a namespace name').optional(),
  kind: IstioConfigKind.optional(),
  service: z.string().max(512).optional().describe('Only objects that apply to this catalog service (ID)'),
  severity: ConfigSeverity.optional().describe('Only objects with a check of this severity'),
});
export type IstioConfigQuery = z.infer<typeof IstioConfigQuery>;

export const IstioConfigList = z
  .object({
    items: z.array(IstioConfigItem),
    summary: z.object({
      objects: z.number().int(),
      errors: z.number().int(),
      warnings: z.number().int(),
    }),
  })
  .meta({ id: 'IstioConfigList' });
export type IstioConfigList = z.infer<typeof IstioConfigList>;

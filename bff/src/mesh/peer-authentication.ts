import { PeerAuthenticationForm } from '../contract/security';
import type {
  ClientTls,
  EffectiveMtls,
  EffectiveMtlsMode,
  MtlsMode,
  MtlsSource,
  PeerAuthenticationFormInput,
  PortMtls,
} from '../contract/security';
import type { ObjectRef } from '../contract/routing';
import { kubeKind } from '../lib/kube-kind';
import type { KubeKind } from '../lib/kube-kind';
import type { MeshObject } from './istio-types';
import { isRecord } from './json';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_ANNOTATION } from './model';
import { ROOT_NAMESPACE } from './ratelimit-reach';
import { hostMatches } from './rule-scope';

/**
 * mTLS rules, form ⇄ PeerAuthentication, and the mode in force, with no I/O.
 *
 * A workload-scope rule selects the service's instances by the Service's selector labels and may
 * set modes per port (Istio reads `portLevelMtls` only on a policy with a selector; its keys are
 * the workload's container ports, not the Service's ports). A namespace-scope rule has no selector.
 *
 * The mode in force follows istiod (pilot/pkg/security/authn ComposePeerAuthentication): the
 * narrowest level that sets a mode wins (workload, then namespace, then mesh: a policy without
 * selector in the root namespace), UNSET inherits from the level above, the default is PERMISSIVE;
 * among several policies of one level the oldest wins; a port-level UNSET inherits the workload's
 * mode; a policy with a selector in the root namespace is ignored.
 */

export const PEER_AUTHENTICATION: KubeKind = kubeKind(
  'security.istio.io/v1',
  'PeerAuthentication',
  'peerauthentications',
);
export { ROOT_NAMESPACE };

const MODES: readonly MtlsMode[] = ['UNSET', 'STRICT', 'PERMISSIVE', 'DISABLE'];

/** The spec fields the form shows; any other is kept as it is and listed in `keptFields`. */
const SPEC_SHOWN = new Set(['selector', 'mtls', 'portLevelMtls']);

type Labels = Record<string, string>;
interface Workload {
  namespace: string;
  labels: Labels;
}

/** The policy's `selector.matchLabels`; null when it has none (or an empty one), as istiod reads it. */
export function selectorOf(obj: MeshObject): Labels | null {
  const selector = obj.spec?.selector;
  if (!isRecord(selector) || !isRecord(selector.matchLabels)) return null;
  const labels: Labels = {};
  for (const [k, v] of Object.entries(selector.matchLabels)) if (typeof v === 'string') labels[k] = v;
  return Object.keys(labels).length > 0 ? labels : null;
}

/** Whether every label of the selector is on the workload (Istio's SubsetOf). */
export function selects(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function modeOf(v: unknown): MtlsMode | null {
  if (v === undefined) return 'UNSET';
  return typeof v === 'string' && (MODES as readonly string[]).includes(v) ? (v as MtlsMode) : null;
}

/** The policy's mode: UNSET when `mtls` or its mode is absent. */
function policyMode(obj: MeshObject): MtlsMode {
  const mtls = obj.spec?.mtls;
  return (isRecord(mtls) ? modeOf(mtls.mode) : 'UNSET') ?? 'UNSET';
}

/** The policy's port-level modes by port (unreadable entries skipped). */
function portModes(obj: MeshObject): Map<number, MtlsMode> {
  const out = new Map<number, MtlsMode>();
  const levels = obj.spec?.portLevelMtls;
  if (!isRecord(levels)) return out;
  for (const [key, value] of Object.entries(levels)) {
    const port = Number(key);
    const mode = isRecord(value) ? modeOf(value.mode) : null;
    if (Number.isInteger(port) && port > 0 && port <= 65535 && mode) out.set(port, mode);
  }
  return out;
}

export function refOf(obj: MeshObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
  };
}

// ---------------------------------------------------------------------------------------------
// Form ⇄ object.

/**
 * The PeerAuthentication the form writes. An edit starts from `current`, so the fields the form
 * does not show stay as they were; a new object carries the console's managed-by label and the
 * service it was written for (an existing one keeps its metadata: see mesh/plan.ts withOwnership).
 */
export function planPeerAuthentication(
  form: PeerAuthenticationForm,
  ctx: { namespace: string; selector: Labels; serviceId: string; current: MeshObject | null },
): MeshObject {
  const current = ctx.current;
  const spec: Record<string, unknown> = { ...(current?.spec ?? {}) };
  if (form.scope === 'workload') {
    const before = isRecord(spec.selector) ? spec.selector : {};
    spec.selector = { ...before, matchLabels: { ...ctx.selector } };
  } else delete spec.selector;

  const mtlsBefore = isRecord(spec.mtls) ? spec.mtls : undefined;
  // An absent `mtls` already means UNSET: an UNSET edit of such a policy leaves it absent.
  if (form.mode === 'UNSET' && !mtlsBefore) delete spec.mtls;
  else spec.mtls = { ...(mtlsBefore ?? {}), mode: form.mode };

  const ports = form.scope === 'workload' ? [...form.portLevel].sort((a, b) => a.port - b.port) : [];
  if (ports.length > 0) {
    const before = isRecord(spec.portLevelMtls) ? spec.portLevelMtls : {};
    spec.portLevelMtls = Object.fromEntries(
      ports.map((p) => {
        const was = before[String(p.port)];
        return [String(p.port), { ...(isRecord(was) ? was : {}), mode: p.mode }];
      }),
    );
  } else delete spec.portLevelMtls;

  let metadata: MeshObject['metadata'];
  if (current) metadata = { ...current.metadata };
  else
    metadata = {
      name: form.name,
      namespace: ctx.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: { [SERVICE_ANNOTATION]: ctx.serviceId },
    };
  if (form.resourceVersion !== undefined) metadata.resourceVersion = form.resourceVersion;
  return {
    apiVersion: current?.apiVersion ?? PEER_AUTHENTICATION.apiVersion,
    kind: PEER_AUTHENTICATION.kind,
    metadata,
    spec,
  };
}

/**
 * The form of a PeerAuthentication, and the fields it does not show. `form` is null when the form
 * would misstate the policy: a selector other than the service's own labels (it picks some of the
 * service's instances, or other workloads too), a mode Istio does not know, port-level modes
 * without a selector.
 */
export function readPeerAuthentication(
  obj: MeshObject,
  selector: Labels,
): { form: PeerAuthenticationForm | null; keptFields: string[] } {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const keptFields = Object.keys(spec)
    .filter((k) => !SPEC_SHOWN.has(k))
    .map((k) => k);
  if (isRecord(spec.selector))
    keptFields.push(
      ...Object.keys(spec.selector)
        .filter((k) => k !== 'matchLabels')
        .map((k) => `selector.${k}`),
    );
  if (isRecord(spec.mtls))
    keptFields.push(
      ...Object.keys(spec.mtls)
        .filter((k) => k !== 'mode')
        .map((k) => `mtls.${k}`),
    );
  if (isRecord(spec.portLevelMtls))
    for (const [port, v] of Object.entries(spec.portLevelMtls))
      if (isRecord(v))
        keptFields.push(
          ...Object.keys(v)
            .filter((k) => k !== 'mode')
            .map((k) => `portLevelMtls.${port}.${k}`),
        );

  const none = { form: null, keptFields };
  const labels = selectorOf(obj);
  if (labels && !sameLabels(labels, selector)) return none;
  const mode = isRecord(spec.mtls) ? modeOf(spec.mtls.mode) : spec.mtls === undefined ? 'UNSET' : null;
  if (!mode) return none;
  const portLevel: PortMtls[] = [];
  if (spec.portLevelMtls !== undefined) {
    if (!isRecord(spec.portLevelMtls)) return none;
    for (const [key, v] of Object.entries(spec.portLevelMtls)) {
      const port = Number(key);
      const m = isRecord(v) ? modeOf(v.mode) : null;
      if (!m || !/^[0-9]+$/.test(key)) return none;
      portLevel.push({ port, mode: m });
    }
    portLevel.sort((a, b) => a.port - b.port);
  }
  const input: PeerAuthenticationFormInput = {
    name: obj.metadata.name,
    scope: labels ? 'workload' : 'namespace',
    mode,
    portLevel,
  };
  if (obj.metadata.resourceVersion) input.resourceVersion = obj.metadata.resourceVersion;
  const parsed = PeerAuthenticationForm.safeParse(input);
  return parsed.success ? { form: parsed.data, keptFields } : none;
}

// ---------------------------------------------------------------------------------------------
// The mode in force.

/**
 * The level at which a PeerAuthentication applies to the workload, or null when it does not:
 * `mesh` for one without selector in the root namespace, `namespace` for one without selector in
 * the workload's namespace, `workload` for one whose selector matches the workload's labels in its
 * namespace. istiod ignores a policy with a selector in the root namespace.
 */
export function peerAuthenticationLevel(
  pa: MeshObject,
  workload: Workload,
  root: string = ROOT_NAMESPACE,
): 'workload' | 'namespace' | 'mesh' | null {
  const ns = pa.metadata.namespace ?? '';
  const selector = selectorOf(pa);
  if (!selector) {
    if (ns === root) return 'mesh';
    return ns === workload.namespace ? 'namespace' : null;
  }
  if (ns === root || ns !== workload.namespace) return null;
  return selects(selector, workload.labels) ? 'workload' : null;
}

/** Istio's "oldest wins": by creation time; one without a time (not yet created) counts as newest; then by name. */
function older(a: MeshObject, b: MeshObject): boolean {
  const time = (o: MeshObject) => {
    const t = o.metadata.creationTimestamp ? Date.parse(o.metadata.creationTimestamp) : NaN;
    return Number.isNaN(t) ? Infinity : t;
  };
  const ta = time(a);
  const tb = time(b);
  if (ta !== tb) return ta < tb;
  return `${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}`;
}

/** The policy in force at each level for the workload (the oldest of each level). */
function policiesInForce(
  pas: readonly MeshObject[],
  workload: Workload,
  root: string = ROOT_NAMESPACE,
): { mesh?: MeshObject; namespace?: MeshObject; workload?: MeshObject } {
  const out: { mesh?: MeshObject; namespace?: MeshObject; workload?: MeshObject } = {};
  for (const pa of pas) {
    const level = peerAuthenticationLevel(pa, workload, root);
    if (!level) continue;
    const held = out[level];
    if (!held || older(pa, held)) out[level] = pa;
  }
  return out;
}

/**
 * The mTLS mode in force for the workload, for its ports without a port-level setting (`mode`) and
 * for each of `ports` (container ports), with the policy each comes from.
 */
export function effectiveMtls(
  pas: readonly MeshObject[],
  workload: Workload,
  ports: readonly number[],
  root: string = ROOT_NAMESPACE,
): EffectiveMtls {
  const inForce = policiesInForce(pas, workload, root);
  let mode: EffectiveMtlsMode = 'PERMISSIVE';
  let source: MtlsSource = { level: 'default', ref: null, port: null };
  for (const level of ['mesh', 'namespace', 'workload'] as const) {
    const pa = inForce[level];
    if (!pa) continue;
    const m = policyMode(pa);
    if (m === 'UNSET') continue;
    mode = m;
    source = { level, ref: refOf(pa), port: null };
  }
  const perPort = inForce.workload ? portModes(inForce.workload) : new Map<number, MtlsMode>();
  const wl = inForce.workload;
  return {
    mode,
    source,
    ports: [...new Set(ports)].map((port) => {
      const m = perPort.get(port);
      if (!wl || m === undefined || m === 'UNSET') return { port, mode, source };
      return { port, mode: m, source: { level: 'workload', ref: refOf(wl), port } };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// What clients send (DestinationRule TLS).

const CLIENT_MODES = new Set(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']);

function tlsModeOf(policy: unknown): ClientTls['mode'] | null {
  if (!isRecord(policy) || !isRecord(policy.tls)) return null;
  const mode = policy.tls.mode;
  return typeof mode === 'string' && CLIENT_MODES.has(mode) ? (mode as ClientTls['mode']) : null;
}

/** The server's mode on a port (the workload mode when the port has no setting of its own). */
function serverMode(effective: EffectiveMtls, port: number | null): EffectiveMtlsMode[] {
  if (port === null) return [effective.mode, ...effective.ports.map((p) => p.mode)];
  const own = effective.ports.find((p) => p.port === port);
  return [own ? own.mode : effective.mode];
}

/**
 * Whether requests with this client TLS fail on the server: anything but ISTIO_MUTUAL towards a
 * STRICT port (the server wants Istio's certificate), and ISTIO_MUTUAL towards a DISABLE port (the
 * server does not terminate mutual TLS). A setting without a port conflicts when any of the
 * workload's ports would.
 */
function conflicts(mode: ClientTls['mode'], server: EffectiveMtlsMode[]): boolean {
  if (mode === 'ISTIO_MUTUAL') return server.includes('DISABLE');
  return server.includes('STRICT');
}

function portNumberOf(setting: Record<string, unknown>): number | null {
  const port = setting.port;
  return isRecord(port) && typeof port.number === 'number' ? port.number : null;
}

/**
 * The TLS settings of the DestinationRules for `host` (the service's FQDN): the traffic policy's,
 * its port-level settings', and each subset's. A DestinationRule's ports are the Service's ports;
 * they are compared with the workload's ports as they are, which holds when both are the same.
 */
export function clientTlsFor(
  drs: readonly MeshObject[],
  host: string,
  effective: EffectiveMtls,
): ClientTls[] {
  const out: ClientTls[] = [];
  for (const dr of drs) {
    const written = dr.spec?.host;
    if (typeof written !== 'string') continue;
    if (!hostMatches(written, dr.metadata.namespace ?? '', host)) continue;
    const ref = refOf(dr);
    const add = (policy: unknown, subset: string | null) => {
      if (!isRecord(policy)) return;
      const mode = tlsModeOf(policy);
      if (mode)
        out.push({ ref, mode, subset, port: null, conflict: conflicts(mode, serverMode(effective, null)) });
      for (const setting of Array.isArray(policy.portLevelSettings) ? policy.portLevelSettings : []) {
        if (!isRecord(setting)) continue;
        const m = tlsModeOf(setting);
        const port = portNumberOf(setting);
        if (m) out.push({ ref, mode: m, subset, port, conflict: conflicts(m, serverMode(effective, port)) });
      }
    };
    add(dr.spec.trafficPolicy, null);
    for (const subset of Array.isArray(dr.spec.subsets) ? dr.spec.subsets : []) {
      if (isRecord(subset) && typeof subset.name === 'string') add(subset.trafficPolicy, subset.name);
    }
  }
  return out;
}

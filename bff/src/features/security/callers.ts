import type { ObservedCaller } from '../../contract/security';
import type { CallerVerdict } from '../../contract/security';
import type { MonitoringWindow } from '../../contract/monitoring';
import type { Logger } from '../../lib/logger';
import { catalogIn } from '../catalog/catalog';
import type { CatalogSource } from '../catalog/catalog';
import { ALL_NAMESPACES, inScope } from '../auth/scope';
import type { NamespaceScope } from '../auth/scope';
import { telemetryUnavailable } from '../monitoring/telemetry';
import type { ConsumerFigures, TelemetrySource } from '../monitoring/telemetry';
import { resolveWindow } from '../monitoring/window';

/**
 * The callers of a service as the security kinds see them: who called it over a window (the
 * telemetry source's consumers), with their identity and how much of their traffic was mutual TLS.
 * Both kinds judge these (plaintext callers that STRICT would refuse, callers a policy would refuse);
 * the suggestion proposes a policy from them.
 */

/** The window the lists and previews judge: the callers seen over the last 5 minutes. */
export const CALLER_WINDOW: MonitoringWindow = '5m';

/** What the warnings say when the telemetry could not be read. */
export const TRAFFIC_UNREADABLE =
  'The observed traffic could not be read, so no caller is judged: what this change would refuse is not known';

/** Istio's name for a source it cannot identify (outside the mesh, or plaintext without metadata). */
const UNKNOWN = 'unknown';

/** The callers read, or why none could be. */
export interface Callers {
  callers: ObservedCaller[];
  /** Set when the telemetry source failed: the lists and previews say so instead of failing. */
  unavailable: boolean;
}

/** The catalog service of an application in a namespace: the caller's service ID, when one matches. */
function serviceOf(catalog: CatalogSource, app: string, namespace: string): string | null {
  if (!app || app === UNKNOWN) return null;
  const view = catalogIn(catalog, ALL_NAMESPACES);
  const matches = view.services.filter((s) => s.namespace === namespace && s.application === app);
  // Several services of one application (RPC interfaces, several ports): the first by ID.
  return matches.map((s) => s.id).sort()[0] ?? null;
}

/**
 * One telemetry row as an observed caller. `principal` and `mtls` are read defensively: a source
 * that does not give them (a test double, an older source) leaves the identity unknown.
 */
function toObservedCaller(c: ConsumerFigures, catalog: CatalogSource): ObservedCaller {
  const extra = c as Partial<Pick<ConsumerFigures, 'principal' | 'mtls'>>;
  const principal =
    typeof extra.principal === 'string' && extra.principal !== ''
      ? extra.principal.replace(/^spiffe:\/\//, '')
      : null;
  const mtls = typeof extra.mtls === 'number' && Number.isFinite(extra.mtls) ? extra.mtls : null;
  const known = (v: string) => (v && v !== UNKNOWN ? v : null);
  const namespace = known(c.namespace);
  return {
    service: namespace ? serviceOf(catalog, c.app, namespace) : null,
    name: known(c.workload) ?? known(c.app) ?? UNKNOWN,
    namespace,
    version: known(c.version),
    principal,
    requestsPerMinute: c.requests * 60,
    mtlsShare: mtls !== null && c.requests > 0 ? Math.min(1, Math.max(0, mtls / c.requests)) : null,
  };
}

/**
 * The callers of a service over a window, as the telemetry source reports them (its failures are
 * its ApiErrors: a 503 TelemetryUnavailable the page explains).
 */
export async function readCallers(
  telemetry: TelemetrySource | undefined,
  catalog: CatalogSource,
  serviceId: string,
  window: MonitoringWindow,
): Promise<ObservedCaller[]> {
  if (!telemetry)
    throw telemetryUnavailable('No telemetry is configured: the callers of the service are not known');
  const q = resolveWindow(window, telemetry.scrapeIntervalSeconds);
  const at = telemetry.kind === 'prometheus' ? Date.now() : undefined;
  const rows = await telemetry.consumers(serviceId, q, at);
  return rows.filter((r) => r.requests > 0).map((r) => toObservedCaller(r, catalog));
}

/**
 * The callers of a service over a window for a list or a preview. The telemetry failing does not
 * fail the answer: the callers are then unknown (`unavailable`), and the preview says so.
 */
export async function observedCallers(
  telemetry: TelemetrySource | undefined,
  catalog: CatalogSource,
  serviceId: string,
  window: MonitoringWindow,
  log: Logger,
): Promise<Callers> {
  try {
    return { callers: await readCallers(telemetry, catalog, serviceId, window), unavailable: false };
  } catch (err) {
    if (telemetry) log.warn({ err, serviceId }, 'could not read the callers of a service');
    return { callers: [], unavailable: true };
  }
}

/** A caller from a namespace the reader may not see: counted, never named. */
const HIDDEN_CALLER = 'other namespaces';

/**
 * A caller as a reader whose scope is `scope` may see it: one of another namespace keeps its traffic
 * but loses its name, namespace, version and identity (as the monitoring page's consumers do).
 */
export function callerWithin(caller: ObservedCaller, scope: NamespaceScope): ObservedCaller {
  if (caller.namespace === null || inScope(scope, caller.namespace)) return caller;
  return {
    service: null,
    name: HIDDEN_CALLER,
    namespace: null,
    version: null,
    principal: null,
    requestsPerMinute: caller.requestsPerMinute,
    mtlsShare: caller.mtlsShare,
  };
}

/**
 * A verdict as the reader may see it: its caller as `callerWithin` shows it, and the deciding policy
 * and the reason (which may name identities) only when both are the reader's to see.
 */
export function verdictWithin(verdict: CallerVerdict, scope: NamespaceScope): CallerVerdict {
  const caller = callerWithin(verdict.caller, scope);
  const policyVisible = !verdict.policy || inScope(scope, verdict.policy.namespace);
  if (caller === verdict.caller && policyVisible) return verdict;
  return {
    caller,
    decision: verdict.decision,
    policy: policyVisible ? verdict.policy : null,
    reason:
      verdict.decision === 'allowed'
        ? 'Allowed by the policies in force'
        : verdict.decision === 'denied'
          ? 'Refused by the policies in force'
          : 'Depends on what the telemetry does not show',
  };
}

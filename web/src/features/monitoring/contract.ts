// The monitoring contract, shared with the BFF. Types only, like `lib/contract.ts`: the SPA trusts the
// BFF's validation and keeps zod out of its bundles. The few values the page needs are repeated here,
// typed against the contract's own constants, so a change there fails the type check here.
import type {
  MONITORING_WINDOWS as ContractWindows,
  STREAM_EVENTS as ContractStreamEvents,
} from '../../../../bff/src/contract/monitoring';
import type { MonitoringWindow } from '../../../../bff/src/contract/monitoring';

export type {
  ApplicationRow,
  ConsumerStats,
  InstanceStats,
  MetricSeries,
  MonitoringOverview,
  MonitoringWindow,
  ServiceMetrics,
  TcpStats,
  TelemetrySourceKind,
  TelemetryStreamError,
  TopEntry,
  TrafficStats,
} from '../../../../bff/src/contract/monitoring';

export const MONITORING_WINDOWS: typeof ContractWindows = ['5m', '15m', '1h', '6h'];
export const DEFAULT_WINDOW: MonitoringWindow = '5m';

export const STREAM_EVENTS: typeof ContractStreamEvents = {
  overview: 'overview',
  serviceMetrics: 'service-metrics',
  error: 'telemetry-error',
};

/** The error code of a 503 from monitoring: there is no telemetry to answer with. */
export const TELEMETRY_UNAVAILABLE = 'TelemetryUnavailable';

export function isMonitoringWindow(value: unknown): value is MonitoringWindow {
  return typeof value === 'string' && (MONITORING_WINDOWS as readonly string[]).includes(value);
}

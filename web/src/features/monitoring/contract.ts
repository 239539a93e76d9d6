// The monitoring contract, shared with the BFF. Types only, like `lib/contract.ts`: the SPA trusts the
// BFF's validation and keeps zod out of its bundles. The few values the page needs are repeated here,
// typed against the contract's own constants, so a change there fails the type check here.
import type {
  APPLICATION_PAGE_SIZES as ContractApplicationPageSizes,
  APPLICATION_SORT_KEYS as ContractApplicationSortKeys,
  MAX_APPLICATION_PAGE_SIZE as ContractMaxApplicationPageSize,
  MONITORING_WINDOWS as ContractWindows,
  STREAM_EVENTS as ContractStreamEvents,
} from '../../../../bff/src/contract/monitoring';
import type { ApplicationListQuery, MonitoringWindow } from '../../../../bff/src/contract/monitoring';

export type {
  ApplicationList,
  ApplicationListQuery,
  ApplicationRow,
  ApplicationSortKey,
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

/** The page sizes the applications table offers (the BFF pages it). */
export const APPLICATION_PAGE_SIZES: typeof ContractApplicationPageSizes = [10, 20, 50, 100];

/** The columns the BFF sorts the applications by, and the largest page it answers. */
export const APPLICATION_SORT_KEYS: typeof ContractApplicationSortKeys = [
  'application',
  'namespace',
  'replicas',
  'inbound',
  'outbound',
  'requests',
  'latency',
  'errorRate',
  'tcp',
];
export const MAX_APPLICATION_PAGE_SIZE: typeof ContractMaxApplicationPageSize = 100;

/** The applications table's order before a column is chosen: by application, A to Z. */
export const DEFAULT_APPLICATION_ORDER: Pick<ApplicationListQuery, 'sort' | 'order'> = {
  sort: 'application',
  order: 'asc',
};

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

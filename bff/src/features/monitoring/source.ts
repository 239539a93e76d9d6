import { PrometheusClient } from '../../clients/prometheus';
import type { TrafficStore } from '../../embedded/demo-mesh/traffic/store';
import type { Logger } from '../../lib/logger';
import { EmbeddedTelemetry } from './embedded-source';
import { PrometheusTelemetry } from './prometheus-source';
import { UnavailableTelemetry } from './telemetry';
import type { TelemetrySource } from './telemetry';

export interface TelemetryChoice {
  prometheus: { url: string; scrapeIntervalSeconds: number; timeoutMs: number } | null;
  /** The demo mesh's series, when the demo mesh runs. */
  demoStore: TrafficStore | null;
}

/** PROMETHEUS_URL set: Prometheus. Else the demo mesh's own series. Else none, with the reason. */
export function chooseTelemetry(choice: TelemetryChoice, log: Logger): TelemetrySource {
  if (choice.prometheus) {
    const { url, scrapeIntervalSeconds, timeoutMs } = choice.prometheus;
    log.info({ url, scrapeIntervalSeconds }, 'monitoring reads Prometheus');
    return new PrometheusTelemetry(new PrometheusClient({ url, timeoutMs }), scrapeIntervalSeconds, log);
  }
  if (choice.demoStore) return new EmbeddedTelemetry(choice.demoStore);
  return new UnavailableTelemetry(
    'No telemetry: set PROMETHEUS_URL to a Prometheus that scrapes the mesh (or run the embedded demo mesh)',
  );
}

import { PrometheusClient } from '../../clients/prometheus';
import type { Logger } from '../../lib/logger';
import { PrometheusTelemetry } from './prometheus-source';
import { UnavailableTelemetry } from './telemetry';
import type { TelemetrySource } from './telemetry';

export interface TelemetryChoice {
  prometheus: { url: string; scrapeIntervalSeconds: number; timeoutMs: number } | null;
  /**
   * The demo mesh's own series, when the demo mesh runs: a TelemetrySource the demo implements
   * (embedded/demo-mesh/traffic/telemetry-source.ts), so monitoring never reads the demo's buffers.
   */
  demo: TelemetrySource | null;
}

/** PROMETHEUS_URL set: Prometheus. Else the demo mesh's own series. Else none, with the reason. */
export function chooseTelemetry(choice: TelemetryChoice, log: Logger): TelemetrySource {
  if (choice.prometheus) {
    const { url, scrapeIntervalSeconds, timeoutMs } = choice.prometheus;
    log.info({ url, scrapeIntervalSeconds }, 'monitoring reads Prometheus');
    return new PrometheusTelemetry(new PrometheusClient({ url, timeoutMs }), scrapeIntervalSeconds, log);
  }
  if (choice.demo) return choice.demo;
  return new UnavailableTelemetry(
    'No telemetry: set PROMETHEUS_URL to a Prometheus that scrapes the mesh (or run the embedded demo mesh)',
  );
}

import type { KubeClient } from '../../../clients/kube';
import type { CatalogSource } from '../../../features/catalog/catalog';
import type { TelemetrySource } from '../../../features/monitoring/telemetry';
import type { Logger } from '../../../lib/logger';
import type { RpcDialect } from '../../../mesh/model';
import { DEMO_APPS } from '../mesh';
import { IstioExporter } from './exporter';
import type { AdmissionPolicy } from './pipeline';
import { InformerRules } from './rules';
import { TrafficSimulator } from './simulator';
import { TrafficStore } from './store';
import { EmbeddedTelemetry } from './telemetry-source';

export interface DemoTraffic {
  simulator: TrafficSimulator;
  store: TrafficStore;
  /** The demo's series as monitoring's telemetry source (used when no Prometheus is configured). */
  telemetry: TelemetrySource;
  exporter: IstioExporter;
  stop(): Promise<void>;
}

export interface DemoTrafficOptions {
  kube: KubeClient;
  catalog: CatalogSource;
  dialect: RpcDialect;
  log: Logger;
  tickMs?: number;
  /** The rate-limit hook (see pipeline.ts); everything is admitted without one. */
  admission?: AdmissionPolicy;
}

/**
 * Starts the demo mesh's traffic: watches the routing rules through the Kubernetes API, ticks every
 * second, and keeps both the embedded series and Istio's metrics for /demo-mesh/metrics.
 */
export async function startDemoTraffic(options: DemoTrafficOptions): Promise<DemoTraffic> {
  const rules = await InformerRules.start(options.kube, options.log);
  const store = new TrafficStore();
  const exporter = new IstioExporter();
  const simulator = new TrafficSimulator({
    apps: DEMO_APPS,
    catalog: options.catalog,
    rules,
    dialect: options.dialect,
    store,
    exporter,
    log: options.log,
    ...(options.admission ? { admission: options.admission } : {}),
  });
  simulator.start(options.tickMs ?? 1000);
  options.log.info('demo mesh traffic started');
  return {
    simulator,
    store,
    telemetry: new EmbeddedTelemetry(store),
    exporter,
    async stop() {
      simulator.stop();
      await rules.stop();
    },
  };
}

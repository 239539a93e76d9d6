import type { ReleaseSample, ReleaseVersionReading } from '../../contract/releases';
import type { GateReadings, VersionReading } from '../../mesh/release';
import type { TelemetrySource } from '../monitoring/telemetry';
import { resolveWindow } from '../monitoring/window';

/**
 * A release's gate readings from the active telemetry source (Prometheus or the demo mesh's own
 * series): per version (Istio's destination_version, as the destination's sidecar reported the
 * requests it served), over the stage's window. The sources answer rates per second over the part
 * of the window they hold data for; a gate counts requests, so rates become counts over that part.
 *
 * The window is the time since the stage began, but never shorter than two scrape intervals (a rate
 * needs two samples) nor than `minWindowSeconds`: a stage's first seconds then also see the end of
 * the previous stage, which only makes a canary that was failing then fail sooner.
 */
export async function readGates(
  telemetry: TelemetrySource,
  serviceId: string,
  versions: { stable: string; canary: string },
  stageSeconds: number,
  minWindowSeconds: number,
  atMs: number,
): Promise<GateReadings> {
  const range = Math.max(
    Math.ceil(stageSeconds),
    Math.ceil(minWindowSeconds),
    Math.ceil(2 * telemetry.scrapeIntervalSeconds),
  );
  const q = resolveWindow(range, telemetry.scrapeIntervalSeconds);
  const [figures, covered] = await Promise.all([
    telemetry.serviceFigures(serviceId, q, atMs),
    telemetry.coveredSeconds ? telemetry.coveredSeconds(q, atMs, { serviceId }) : q.rangeSeconds,
  ]);
  const reading = (version: string): VersionReading => {
    const f = figures.byVersion.find((v) => v.version === version)?.figures;
    if (!f) return { requests: 0, errors: 0, p99Ms: null };
    const requests = Math.round(f.requests * covered);
    return {
      requests,
      errors: Math.min(requests, Math.round(f.errors * covered)),
      p99Ms: requests > 0 ? f.p99 : null,
    };
  };
  return { canary: reading(versions.canary), stable: reading(versions.stable) };
}

function versionReading(r: VersionReading): ReleaseVersionReading {
  return {
    requests: r.requests,
    errorRate: r.requests > 0 ? (r.errors / r.requests) * 100 : null,
    p99Ms: r.p99Ms,
  };
}

/** One sample for the release panel's charts. */
export function sampleOf(
  readings: GateReadings,
  at: Date,
  step: number,
  targetCanaryWeight: number,
): ReleaseSample {
  const total = readings.canary.requests + readings.stable.requests;
  return {
    at: at.toISOString(),
    step,
    canary: versionReading(readings.canary),
    stable: versionReading(readings.stable),
    targetCanaryWeight,
    observedCanaryShare: total > 0 ? (readings.canary.requests / total) * 100 : null,
  };
}

import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseDuration } from './features/monitoring/window';

const Flag = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  KUBECONFIG: z.string().optional(),
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  MESH_CONSOLE_DATA_DIR: z.string().optional(),
  MESH_CONSOLE_DEMO: Flag.default(true),
  MESH_CONSOLE_CONTROL_PLANE_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  MESH_CONSOLE_RPC_DIALECT: z.enum(['istio', 'dubbo', 'sofa']).default('istio'),
  MESH_CONSOLE_ISTIO_VERSION: z.enum(['auto', 'v1', 'v1beta1', 'v1alpha3']).default('auto'),
  PROMETHEUS_URL: z.url().optional().or(z.literal('')),
  PROMETHEUS_SCRAPE_INTERVAL: z
    .string()
    .default('15s')
    .refine((v) => parseDuration(v) !== null, 'a duration like 15s or 1m'),
  PROMETHEUS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  MESH_CONSOLE_STREAM_INTERVAL_MS: z.coerce.number().int().min(200).max(600_000).default(5000),
  MESH_CONSOLE_WEB_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  /** Where the control plane is: a real cluster (kubeconfig or in-cluster) or the embedded one. */
  controlPlane: { mode: 'kubernetes'; kubeconfig?: string } | { mode: 'embedded'; port: number };
  /** The embedded control plane's SQLite store and kubeconfig live here. */
  dataDir: string;
  demo: boolean;
  logLevel: string;
  /** How rules for Dubbo and SOFARPC services are written (HTTP and gRPC always use Istio's). */
  rpcDialect: 'istio' | 'dubbo' | 'sofa';
  /** The networking.istio.io version to write; `auto` takes v1 when served, else the newest served. */
  istioVersion: 'auto' | 'v1' | 'v1beta1' | 'v1alpha3';
  /** Where monitoring reads telemetry; null: the embedded demo mesh's own series (when it runs). */
  prometheus: { url: string; scrapeIntervalSeconds: number; timeoutMs: number } | null;
  /** Time between two updates of the monitoring event stream. */
  streamIntervalMs: number;
  /** The built SPA the BFF serves (built there on first start when missing). */
  webDir: string;
}

/** Where `vite build` puts the SPA by default. */
export const DEFAULT_WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');

/** The default data directory: $XDG_DATA_HOME/mesh-console, else ~/.local/share/mesh-console. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'mesh-console');
}

/** Reads settings from the environment; a bad value is an error naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    throw new Error(`Invalid setting ${name}: ${issue?.message ?? 'invalid value'}`);
  }
  const e = parsed.data;
  const inCluster = e.KUBERNETES_SERVICE_HOST !== undefined;
  return {
    port: e.PORT,
    host: e.HOST,
    controlPlane:
      e.KUBECONFIG !== undefined && e.KUBECONFIG !== ''
        ? { mode: 'kubernetes', kubeconfig: e.KUBECONFIG }
        : inCluster
          ? { mode: 'kubernetes' }
          : { mode: 'embedded', port: e.MESH_CONSOLE_CONTROL_PLANE_PORT },
    dataDir: e.MESH_CONSOLE_DATA_DIR ?? defaultDataDir(env),
    demo: e.MESH_CONSOLE_DEMO,
    logLevel: e.LOG_LEVEL,
    rpcDialect: e.MESH_CONSOLE_RPC_DIALECT,
    istioVersion: e.MESH_CONSOLE_ISTIO_VERSION,
    prometheus: e.PROMETHEUS_URL
      ? {
          url: e.PROMETHEUS_URL,
          scrapeIntervalSeconds: parseDuration(e.PROMETHEUS_SCRAPE_INTERVAL) ?? 15,
          timeoutMs: e.PROMETHEUS_TIMEOUT_MS,
        }
      : null,
    streamIntervalMs: e.MESH_CONSOLE_STREAM_INTERVAL_MS,
    webDir: e.MESH_CONSOLE_WEB_DIR ? path.resolve(e.MESH_CONSOLE_WEB_DIR) : DEFAULT_WEB_DIR,
  };
}

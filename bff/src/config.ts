import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import fs from 'node:fs';
import type { AuthSettings } from './features/auth/setup';
import { parseGroupRoles } from './features/auth/oidc';
import { parseDuration } from './features/monitoring/window';
import { ROUTE_API_SETTINGS } from './features/routing/route-api';
import type { RouteApiSetting } from './features/routing/route-api';

const Flag = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  KUBECONFIG: z.string().optional(),
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  MESH_CONSOLE_SERVICE_ACCOUNT_DIR: z
    .string()
    .min(1)
    .default('/var/run/secrets/kubernetes.io/serviceaccount'),
  MESH_CONSOLE_DATA_DIR: z.string().optional(),
  MESH_CONSOLE_DEMO: Flag.default(true),
  MESH_CONSOLE_CONTROL_PLANE_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  MESH_CONSOLE_DEMO_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  MESH_CONSOLE_RPC_DIALECT: z.enum(['istio', 'dubbo', 'sofa']).default('istio'),
  MESH_CONSOLE_ISTIO_VERSION: z.enum(['auto', 'v1', 'v1beta1', 'v1alpha3']).default('auto'),
  MESH_CONSOLE_ROUTE_API: z.enum(ROUTE_API_SETTINGS).default('auto'),
  PROMETHEUS_URL: z.url().optional().or(z.literal('')),
  PROMETHEUS_SCRAPE_INTERVAL: z
    .string()
    .default('15s')
    .refine((v) => parseDuration(v) !== null, 'a duration like 15s or 1m'),
  PROMETHEUS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  MESH_CONSOLE_STREAM_INTERVAL_MS: z.coerce.number().int().min(200).max(600_000).default(5000),
  MESH_CONSOLE_WEB_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MESH_CONSOLE_AUTH: z.enum(['local', 'oidc']).default('local'),
  MESH_CONSOLE_USERS_FILE: z.string().min(1).optional(),
  MESH_CONSOLE_ADMIN_PASSWORD: z.string().min(12, 'at least 12 characters').optional().or(z.literal('')),
  MESH_CONSOLE_ADMIN_TOKEN: z.string().min(32, 'at least 32 characters').optional().or(z.literal('')),
  MESH_CONSOLE_SESSION_SECRET: z.string().min(32, 'at least 32 characters').optional().or(z.literal('')),
  MESH_CONSOLE_SESSION_TTL: z
    .string()
    .default('8h')
    .refine((v) => (parseDuration(v) ?? 0) >= 60, 'a duration of at least 1m, like 8h'),
  MESH_CONSOLE_AUDIT_RETENTION: z
    .string()
    .default('90d')
    .refine((v) => (parseDuration(v) ?? 0) >= 3600, 'a duration of at least 1h, like 90d'),
  MESH_CONSOLE_CHANGE_TIMEOUT: z
    .string()
    .default('30s')
    .refine((v) => (parseDuration(v) ?? 0) >= 1, 'a duration of at least 1s, like 30s'),
  MESH_CONSOLE_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name')
    .optional(),
  MESH_CONSOLE_CORS_ORIGINS: z
    .string()
    .default('')
    .refine(
      (v) => v.split(',').every((o) => o.trim() === '' || /^https?:\/\/[^/]+$/.test(o.trim())),
      'comma-separated origins like https://console.example.com',
    ),
  MESH_CONSOLE_TRUST_PROXY: z.string().optional(),
  MESH_CONSOLE_METRICS_TOKEN: z.string().min(32, 'at least 32 characters').optional().or(z.literal('')),
  MESH_CONSOLE_SHUTDOWN_GRACE: z
    .string()
    .default('20s')
    .refine((v) => parseDuration(v) !== null, 'a duration like 20s'),
  MESH_CONSOLE_SHUTDOWN_DELAY: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '0' || parseDuration(v) !== null, 'a duration like 5s, or 0'),
  POD_NAME: z.string().optional(),
  OIDC_ISSUER_URL: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_REDIRECT_URL: z.url().optional(),
  OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  OIDC_SCOPES: z.string().min(1).default('openid profile email'),
  MESH_CONSOLE_OIDC_GROUP_ROLES: z.string().default(''),
});

export interface Config {
  port: number;
  host: string;
  /** Where the control plane is: a real cluster (kubeconfig or in-cluster) or the embedded one. */
  controlPlane:
    | { mode: 'kubernetes'; kubeconfig?: string; serviceAccountDir?: string }
    | { mode: 'embedded'; port: number };
  /** The embedded control plane's SQLite store and kubeconfig live here. */
  dataDir: string;
  demo: boolean;
  /** The loopback port where the demo mesh's Istio metrics are served for a Prometheus (0: any free port). */
  demoMetricsPort: number;
  logLevel: string;
  /** How rules for Dubbo and SOFARPC services are written (HTTP and gRPC always use Istio's). */
  rpcDialect: 'istio' | 'dubbo' | 'sofa';
  /** The networking.istio.io version to write; `auto` takes v1 when served, else the newest served. */
  istioVersion: 'auto' | 'v1' | 'v1beta1' | 'v1alpha3';
  /**
   * Which API routes of HTTP, gRPC and TCP services are written with: `auto` (per service: the
   * routes it has, else the Gateway API in ambient mode with a waypoint, else Istio's), `istio` or
   * `gateway-api` (features/routing/route-api.ts). Unset: `auto`.
   */
  routeApi?: RouteApiSetting;
  /** Where monitoring reads telemetry; null: the embedded demo mesh's own series (when it runs). */
  prometheus: { url: string; scrapeIntervalSeconds: number; timeoutMs: number } | null;
  /** Time between two updates of the monitoring event stream. */
  streamIntervalMs: number;
  /** The built SPA the BFF serves (built there on first start when missing). */
  webDir: string;
  /** Sign-in: local accounts or OpenID Connect, sessions, tokens, where records are kept. */
  auth: AuthSettings;
  /** Origins allowed to call the API cross-origin (none by default). */
  corsOrigins: string[];
  /** Express's `trust proxy` (behind a TLS-terminating proxy), or undefined. */
  trustProxy: boolean | number | string | undefined;
  /**
   * A change still recorded as pending after this long was made by a console that stopped: the
   * journal settles it (features/changes/journal.ts).
   */
  changeTimeoutMs: number;
  /** The bearer token a Prometheus scrapes `/metrics` with; unset: an admin's credential. */
  metricsToken?: string;
  /**
   * On SIGTERM: how long the console keeps serving while readiness already says 503 (so the
   * endpoints controller takes it out first), then how long in-flight requests get to finish.
   */
  shutdown?: { delayMs: number; graceMs: number };
  /** The pod's name (the downward API), for the leader election's identity; else the host name. */
  podName?: string;
}

/** In a pod, the console keeps its records in its own namespace; elsewhere in `default`. */
function consoleNamespace(configured: string | undefined, serviceAccountDir: string | null): string {
  if (configured) return configured;
  if (serviceAccountDir !== null) {
    try {
      return fs.readFileSync(path.join(serviceAccountDir, 'namespace'), 'utf8').trim() || 'default';
    } catch {
      return 'default';
    }
  }
  return 'default';
}

function trustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function oidcSettings(e: z.infer<typeof Env>): AuthSettings['oidc'] {
  if (e.MESH_CONSOLE_AUTH !== 'oidc') return null;
  const missing = (['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_REDIRECT_URL'] as const).find((k) => !e[k]);
  if (missing) throw new Error(`Invalid setting ${missing}: required when MESH_CONSOLE_AUTH=oidc`);
  let groupRoles;
  try {
    groupRoles = parseGroupRoles(e.MESH_CONSOLE_OIDC_GROUP_ROLES);
  } catch (err) {
    throw new Error(`Invalid setting MESH_CONSOLE_OIDC_GROUP_ROLES: ${(err as Error).message}`);
  }
  if (groupRoles.length === 0)
    throw new Error('Invalid setting MESH_CONSOLE_OIDC_GROUP_ROLES: required when MESH_CONSOLE_AUTH=oidc');
  return {
    issuerUrl: e.OIDC_ISSUER_URL as string,
    clientId: e.OIDC_CLIENT_ID as string,
    clientSecret: e.OIDC_CLIENT_SECRET || undefined,
    redirectUrl: e.OIDC_REDIRECT_URL as string,
    groupsClaim: e.OIDC_GROUPS_CLAIM,
    groupRoles,
    scopes: e.OIDC_SCOPES,
  };
}

/** Where `vite build` puts the SPA by default. */
const DEFAULT_WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');

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
          ? { mode: 'kubernetes', serviceAccountDir: e.MESH_CONSOLE_SERVICE_ACCOUNT_DIR }
          : { mode: 'embedded', port: e.MESH_CONSOLE_CONTROL_PLANE_PORT },
    dataDir: e.MESH_CONSOLE_DATA_DIR ?? defaultDataDir(env),
    demo: e.MESH_CONSOLE_DEMO,
    demoMetricsPort: e.MESH_CONSOLE_DEMO_METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    rpcDialect: e.MESH_CONSOLE_RPC_DIALECT,
    istioVersion: e.MESH_CONSOLE_ISTIO_VERSION,
    routeApi: e.MESH_CONSOLE_ROUTE_API,
    prometheus: e.PROMETHEUS_URL
      ? {
          url: e.PROMETHEUS_URL,
          scrapeIntervalSeconds: parseDuration(e.PROMETHEUS_SCRAPE_INTERVAL) ?? 15,
          timeoutMs: e.PROMETHEUS_TIMEOUT_MS,
        }
      : null,
    streamIntervalMs: e.MESH_CONSOLE_STREAM_INTERVAL_MS,
    webDir: e.MESH_CONSOLE_WEB_DIR ? path.resolve(e.MESH_CONSOLE_WEB_DIR) : DEFAULT_WEB_DIR,
    auth: {
      mode: e.MESH_CONSOLE_AUTH,
      usersFile: e.MESH_CONSOLE_USERS_FILE,
      adminPassword: e.MESH_CONSOLE_ADMIN_PASSWORD || undefined,
      adminToken: e.MESH_CONSOLE_ADMIN_TOKEN || undefined,
      sessionSecret: e.MESH_CONSOLE_SESSION_SECRET || undefined,
      sessionTtlMs: (parseDuration(e.MESH_CONSOLE_SESSION_TTL) ?? 8 * 3600) * 1000,
      auditRetentionMs: (parseDuration(e.MESH_CONSOLE_AUDIT_RETENTION) ?? 90 * 86400) * 1000,
      oidc: oidcSettings(e),
      namespace: consoleNamespace(
        e.MESH_CONSOLE_NAMESPACE,
        inCluster ? e.MESH_CONSOLE_SERVICE_ACCOUNT_DIR : null,
      ),
    },
    corsOrigins: e.MESH_CONSOLE_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    trustProxy: trustProxy(e.MESH_CONSOLE_TRUST_PROXY),
    changeTimeoutMs: (parseDuration(e.MESH_CONSOLE_CHANGE_TIMEOUT) ?? 30) * 1000,
    ...(e.MESH_CONSOLE_METRICS_TOKEN ? { metricsToken: e.MESH_CONSOLE_METRICS_TOKEN } : {}),
    shutdown: {
      // In a pod, the endpoints controller needs a moment to take it out of the Service; elsewhere
      // (Ctrl+C on a laptop) nobody routes to it by endpoints.
      delayMs:
        e.MESH_CONSOLE_SHUTDOWN_DELAY === undefined
          ? inCluster
            ? 5000
            : 0
          : e.MESH_CONSOLE_SHUTDOWN_DELAY === '0'
            ? 0
            : (parseDuration(e.MESH_CONSOLE_SHUTDOWN_DELAY) ?? 5) * 1000,
      graceMs: (parseDuration(e.MESH_CONSOLE_SHUTDOWN_GRACE) ?? 20) * 1000,
    },
    ...(e.POD_NAME ? { podName: e.POD_NAME } : {}),
  };
}

/**
 * The embedded control plane: a Kubernetes-API-compatible server for the resources the console
 * uses, persisted in SQLite. `npm start` runs it when no cluster is configured and points the same
 * @kubernetes/client-node client (and kubectl, through the kubeconfig it writes) at it.
 *
 * Resources are named by a `KubeResource`, `{ group, version, plural }`, the shape of a URL:
 *   { group: '', version: 'v1', plural: 'services' }                          core kinds
 *   { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' } also v1beta1, v1alpha3
 *   { group: 'networking.istio.io', version: 'v1alpha3', plural: 'envoyfilters' }
 *   { group: 'service.dubbo.apache.org', version: 'v1alpha1', plural: 'virtualservices' }
 * The store keeps one object per name whatever the version; reads return it with the apiVersion
 * of the version asked for. `resourceKey(gvr)` is its version-free name (`virtualservices.networking.istio.io`).
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import { RequestAuth } from './auth/request-auth';
import { RbacAuthorizer } from './auth/rbac';
import { ServiceAccountTokens, loadOrCreateSigningKey } from './auth/tokens';
import { startControllers } from './controllers';
import type { Controllers } from './controllers';
import { ensureDataDir, loadOrCreateToken, writeKubeconfig } from './credentials';
import { loadOrCreateServingCert } from './tls/serving-cert';
import type { ApiContext } from './http/context';
import { OpenApiV3 } from './http/openapi';
import type { DualListener } from './http/listener';
import { createDualListener } from './http/listener';
import { createRequestHandler } from './http/server';
import { buildRegistry } from './registry/registry';
import { Database } from './store/database';
import { ResourceStore } from './store/resource-store';

export interface ControlPlaneOptions {
  /** SQLite db (state.db), token and kubeconfig live here; created if missing (mode 0700). */
  dataDir: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /**
   * Default false: prune spec.dubbo from networking.istio.io VirtualServices like a stock Istio CRD
   * would; true keeps it (SOFA's control plane dialect).
   */
  keepIstioDubboField?: boolean;
  logger?: Logger;
  /** Events kept for watch replay (default 50,000); a watch from an older resourceVersion gets 410 Expired. */
  eventRetention?: number;
  /** How often a watch with allowWatchBookmarks gets a BOOKMARK (default 60 s, as kube-apiserver). */
  bookmarkIntervalMs?: number;
  /**
   * Default true: run the controllers (CRDs become served kinds; Deployments, ReplicaSets, Pods,
   * Endpoints and EndpointSlices are kept as a cluster keeps them; owned objects are garbage-collected).
   */
  controllers?: boolean;
}

export interface ControlPlane {
  /** e.g. http://127.0.0.1:38211 */
  url: string;
  /** Bearer token required on every request except /healthz, /livez, /readyz, /version. */
  token: string;
  /** <dataDir>/kubeconfig, rewritten on every start (mode 0600); context 'mesh-console-embedded', namespace 'default'. */
  kubeconfigPath: string;
  /** Direct access for seeding and benchmarks, with the same semantics as the HTTP API. */
  store: ResourceStore;
  /** Resolves when the controllers have acted on every change so far (at once without controllers). */
  controllersIdle(): Promise<void>;
  /** Stops the server, ends open watches, closes the db. */
  close(): Promise<void>;
}

/** The namespaces a cluster with Istio starts with. */
const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'istio-system'];

/** The host clients should dial: a wildcard bind is reached on loopback. */
function dialHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.address.includes(':') ? `[${address.address}]` : address.address;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const logger = opts.logger ?? pino({ name: 'control-plane', level: 'warn' });
  const host = opts.host ?? '127.0.0.1';
  ensureDataDir(opts.dataDir);
  const token = loadOrCreateToken(opts.dataDir);
  const db = new Database(path.join(opts.dataDir, 'state.db'));
  let listener: DualListener | undefined;
  let controllers: Controllers | undefined;
  let rbac: RbacAuthorizer | undefined;
  try {
    const registry = buildRegistry({ keepIstioDubboField: opts.keepIstioDubboField ?? false });
    const store = new ResourceStore({ db, registry, logger, eventRetention: opts.eventRetention });
    store.ensureNamespaces(INITIAL_NAMESPACES);
    // Before the listener: the kinds stored CRDs define are served from the first request.
    if (opts.controllers !== false) controllers = startControllers(store, registry, logger);
    rbac = new RbacAuthorizer(store);
    const auth = new RequestAuth(
      token,
      new ServiceAccountTokens(loadOrCreateSigningKey(opts.dataDir)),
      rbac,
      store,
    );
    const ctx: ApiContext = {
      store,
      registry,
      openapi: new OpenApiV3(registry),
      logger,
      token,
      auth,
      startedAt: new Date(),
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
      watches: new Set(),
    };
    const cert = loadOrCreateServingCert(opts.dataDir, certificateHosts(host));
    listener = createDualListener(createRequestHandler(ctx), cert, (err) =>
      logger.debug({ err }, 'TLS handshake failed'),
    );
    const address = await listener.listen(host, opts.port ?? 0);
    const hostPort = `${dialHost(address)}:${address.port}`;
    const url = `http://${hostPort}`;
    const kubeconfigPath = writeKubeconfig(opts.dataDir, `https://${hostPort}`, token, cert.certPem);
    logger.info(
      { url, dataDir: opts.dataDir, resourceVersion: store.resourceVersion },
      'embedded control plane started',
    );

    const running = listener;
    let closing: Promise<void> | undefined;
    return {
      url,
      token,
      kubeconfigPath,
      store,
      controllersIdle: () => controllers?.idle() ?? Promise.resolve(),
      close() {
        closing ??= (async () => {
          for (const end of [...ctx.watches]) end();
          controllers?.stop();
          rbac?.stop();
          await running.close();
          db.close();
          logger.info('embedded control plane stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    controllers?.stop();
    rbac?.stop();
    await listener?.close();
    db.close();
    throw err;
  }
}

/** Names the serving certificate must cover: loopback always, plus the bind address when it is specific. */
function certificateHosts(host: string): string[] {
  const hosts = ['127.0.0.1', '::1', 'localhost'];
  if (!['0.0.0.0', '::', ...hosts].includes(host)) hosts.push(host);
  return hosts;
}

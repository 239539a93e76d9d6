import fs from 'node:fs';
import {
  ApiException,
  ApisApi,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  ListWatch,
  ServerConfiguration,
  Watch,
  VersionApi,
  createConfiguration,
} from '@kubernetes/client-node';
import type {
  Configuration,
  KubernetesListObject,
  KubernetesObject,
  ListPromise,
  RequestContext,
} from '@kubernetes/client-node';
import { currentPrincipal } from '../lib/request-context';
import { kubernetesGroups } from '../lib/principal';
import { collectionPath } from '../lib/kube-kind';
import type { KubeResource } from '../lib/kube-kind';
import type { Logger } from '../lib/logger';

export { ApiException };

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Adds Impersonate-User and one Impersonate-Group header per group to a write made while serving
 * a signed-in user, so the cluster's RBAC decides with the user's identity: the user's stable name
 * (`oidc:<sub>` for a user of the identity provider, never its changeable preferred_username or
 * e-mail), `mesh-console:<role>`, and the provider's groups prefixed with `oidc:` (principal.ts). The generated client
 * keeps headers in a name → value record, which cannot repeat a header; node-fetch, which sends
 * the request, also takes a list of [name, value] pairs, so the record is handed over as one.
 */
async function impersonate(kubeConfig: KubeConfig, context: RequestContext): Promise<void> {
  await kubeConfig.applySecurityAuthentication(context);
  const principal = currentPrincipal();
  if (!principal || !WRITES.has(context.getHttpMethod().toString())) return;
  const pairs: [string, string][] = Object.entries(context.getHeaders());
  pairs.push(['Impersonate-User', principal.name]);
  for (const group of kubernetesGroups(principal)) pairs.push(['Impersonate-Group', group]);
  context.getHeaders = () => pairs as unknown as Record<string, string>;
}

export interface KubeClientOptions {
  /** Writes made while serving a signed-in user impersonate that user (a real cluster). */
  impersonate?: boolean;
}

/**
 * The only code that talks to the control plane, a Kubernetes API, real or embedded.
 * Everything goes through @kubernetes/client-node so that one path serves both.
 */
export class KubeClient {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly objects: KubernetesObjectApi;
  private readonly versionApi: VersionApi;
  private readonly apis: ApisApi;

  constructor(
    readonly kubeConfig: KubeConfig,
    readonly options: KubeClientOptions = {},
  ) {
    const config = KubeClient.configuration(kubeConfig, options);
    this.core = new CoreV1Api(config);
    this.custom = new CustomObjectsApi(config);
    this.objects = new KubernetesObjectApi(config);
    // What KubernetesObjectApi.makeApiClient does after construction (a protected method).
    (this.objects as unknown as { setDefaultNamespace(kc: KubeConfig): void }).setDefaultNamespace(
      kubeConfig,
    );
    this.versionApi = new VersionApi(config);
    this.apis = new ApisApi(config);
  }

  /** What `kubeConfig.makeApiClient` builds, with impersonation when asked for. */
  private static configuration(kubeConfig: KubeConfig, options: KubeClientOptions): Configuration {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    return createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: {
        default: options.impersonate
          ? {
              getName: () => 'impersonation',
              applySecurityAuthentication: (context: RequestContext) => impersonate(kubeConfig, context),
            }
          : kubeConfig,
      },
    });
  }

  /** The same cluster as the console itself: for its own records (audit, tokens, sign-outs). */
  withoutImpersonation(): KubeClient {
    return this.options.impersonate ? new KubeClient(this.kubeConfig) : this;
  }

  /** From a kubeconfig file, or the default loading rules (KUBECONFIG, in-cluster, ~/.kube/config). */
  static load(kubeconfigPath?: string, options: KubeClientOptions = {}): KubeClient {
    const kc = new KubeConfig();
    if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
    else kc.loadFromDefault();
    return new KubeClient(kc, options);
  }

  /**
   * For the embedded control plane, in the same process on loopback: its plain-HTTP listener
   * with its token. (The kubeconfig it writes for kubectl uses HTTPS; the client builds a new TLS
   * connection for every request, which costs more than the request on loopback.)
   */
  static forLoopback(server: string, token: string, options: KubeClientOptions = {}): KubeClient {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'embedded', server, skipTLSVerify: true }],
      users: [{ name: 'mesh-console', token }],
      contexts: [{ name: 'embedded', cluster: 'embedded', user: 'mesh-console' }],
      currentContext: 'embedded',
    });
    return new KubeClient(kc, options);
  }

  server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? 'unknown';
  }

  async reachable(): Promise<boolean> {
    try {
      await this.versionApi.getCode();
      return true;
    } catch {
      return false;
    }
  }

  /** The version of an API group the server prefers, or null when the group is not served. */
  async preferredVersion(group: string): Promise<string | null> {
    const groups = await this.apis.getAPIVersions();
    const found = groups.groups.find((g) => g.name === group);
    return found?.preferredVersion?.version ?? found?.versions[0]?.version ?? null;
  }

  /** Every version of an API group the server serves (empty when the group is not served). */
  async servedVersions(group: string): Promise<string[]> {
    const groups = await this.apis.getAPIVersions();
    return groups.groups.find((g) => g.name === group)?.versions.map((v) => v.version) ?? [];
  }

  listAll<T extends KubernetesObject>(gvr: KubeResource): ListPromise<T> {
    if (gvr.group === '' && gvr.plural === 'services')
      return async () => (await this.core.listServiceForAllNamespaces()) as KubernetesListObject<T>;
    if (gvr.group === '' && gvr.plural === 'pods')
      return async () => (await this.core.listPodForAllNamespaces()) as KubernetesListObject<T>;
    if (gvr.group === '' && gvr.plural === 'namespaces')
      return async () => (await this.core.listNamespace()) as KubernetesListObject<T>;
    if (gvr.group === '') throw new Error(`no list function for core resource ${gvr.plural}`);
    return async () =>
      (await this.custom.listClusterCustomObject({
        group: gvr.group,
        version: gvr.version,
        plural: gvr.plural,
      })) as KubernetesListObject<T>;
  }

  /**
   * A list-then-watch cache of one resource in all namespaces. It restarts itself after a watch
   * error (the client's informer does not), so a control plane restart heals on its own.
   */
  informer<T extends KubernetesObject>(gvr: KubeResource, log: Logger): ListWatch<T> {
    const informer = new ListWatch<T>(
      collectionPath(gvr),
      new Watch(this.kubeConfig),
      this.listAll<T>(gvr),
      false,
    );
    let stopped = false;
    informer.on('error', (err: unknown) => {
      if (stopped) return;
      log.warn(
        { resource: gvr.plural, err: err instanceof Error ? err.message : String(err) },
        'watch failed; restarting',
      );
      setTimeout(() => {
        if (!stopped) informer.start().catch(() => undefined);
      }, 2000).unref();
    });
    const stop = informer.stop.bind(informer);
    informer.stop = async () => {
      stopped = true;
      await stop();
    };
    return informer;
  }

  /**
   * In a pod: the API server Kubernetes names in KUBERNETES_SERVICE_HOST/PORT, with the service
   * account's token, CA and namespace from `dir`. The token is read as a file on every request
   * (the client's tokenFile provider), because the kubelet rotates a projected token in place.
   */
  static inCluster(dir: string, options: KubeClientOptions = {}): KubeClient {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
    if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set: not running in a pod');
    const base = dir.replace(/\/+$/, '');
    const file = (name: string) => `${base}/${name}`;
    let namespace: string | undefined;
    try {
      namespace = fs.readFileSync(file('namespace'), 'utf8').trim() || undefined;
    } catch {
      namespace = undefined;
    }
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'in-cluster',
          // A raw IPv6 address needs brackets in a URL.
          server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
          caFile: file('ca.crt'),
          skipTLSVerify: false,
        },
      ],
      users: [
        {
          name: 'service-account',
          authProvider: { name: 'tokenFile', config: { tokenFile: file('token') } },
        },
      ],
      contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account', namespace }],
      currentContext: 'in-cluster',
    });
    return new KubeClient(kc, options);
  }
}

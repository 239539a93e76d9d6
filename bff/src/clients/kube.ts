import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {
  ApiException,
  ApisApi,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
  Watch,
  VersionApi,
  HttpMethod,
  createConfiguration,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import type {
  Configuration,
  HttpLibrary,
  KubernetesObject,
  RequestContext,
  ResponseContext,
  V1APIResource,
} from '@kubernetes/client-node';
import { currentPrincipal } from '../lib/request-context';
import { kubernetesGroups } from '../lib/principal';
import { collectionPath, kubeKind } from '../lib/kube-kind';
import type { KubeKind, KubeResource } from '../lib/kube-kind';
import type { Logger } from '../lib/logger';
import type { ConsoleMetrics } from '../lib/metrics';
import { Informer } from './informer';
import type { InformerOptions, ListPage, ListPageFn } from './informer';
import { hasKubeWriteListeners, parseResourcePath, recordKubeWrite } from './kube-writes';

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
  // Named first, not written as `context.getHeaders = () => …` (api/compress.ts says why).
  const headers = () => pairs as unknown as Record<string, string>;
  context.getHeaders = headers;
}

export interface KubeClientOptions {
  /** Writes made while serving a signed-in user impersonate that user (a real cluster). */
  impersonate?: boolean;
  /** Every call's duration (`kubeDuration`), and the informers' lag and size. */
  metrics?: ConsoleMetrics;
}

/** Kubernetes' verb for a request: `list` and `get` differ by path, as in the API server's audit. */
function verbOf(method: string, url: URL, name: string | undefined): string {
  switch (method) {
    case 'GET':
      if (url.searchParams.get('watch') === 'true') return 'watch';
      return name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/**
 * The client's HTTP library with two additions: each call's duration goes to `kubeDuration`
 * (by verb, the resource's plural and the status code, never the object's name), and each
 * accepted write is announced (kube-writes.ts) so this process's caches hold it before the caller
 * reads again.
 */
function observedHttp(inner: HttpLibrary, server: string, metrics: ConsoleMetrics | undefined): HttpLibrary {
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const method = request.getHttpMethod().toString();
      const url = new URL(request.getUrl());
      const parsed = parseResourcePath(url.pathname);
      const began = performance.now();
      let code = 'error';
      try {
        const res = await inner.send(request).toPromise();
        code = String(res.httpStatusCode);
        if (
          WRITES.has(method) &&
          res.httpStatusCode < 300 &&
          !url.searchParams.has('dryRun') &&
          hasKubeWriteListeners()
        ) {
          // The body can be read once: read here, and handed on as text to the client's parser.
          const text = await res.body.text();
          res.body = { text: () => Promise.resolve(text), binary: () => Promise.resolve(Buffer.from(text)) };
          let object: KubernetesObject | null = null;
          try {
            const json = JSON.parse(text) as KubernetesObject | null;
            if (json && typeof json === 'object' && json.kind !== 'Status' && json.metadata) object = json;
          } catch {
            object = null;
          }
          recordKubeWrite({ server, method: method as 'POST', path: url.pathname, object });
        }
        return res;
      } finally {
        metrics?.kubeDuration.observe(
          {
            verb: verbOf(method, url, parsed?.name),
            resource: parsed?.plural ?? (url.pathname.startsWith('/api') ? 'discovery' : 'other'),
            code,
          },
          (performance.now() - began) / 1000,
        );
      }
    },
  });
}

/** What a client's TLS connection depends on, of the options of the agent client-node made. */
const AGENT_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/** A keep-alive agent's idle sockets close before the server's would (Node's servers: 5 s). */
const IDLE_SOCKET_MS = 4000;

/**
 * Keep-alive agents in place of the one-request agents client-node makes: its
 * `applySecurityAuthentication` builds a new http(s).Agent for every request, so every request
 * of an HTTPS cluster was a new TCP connection and TLS handshake (createSecureContext and the
 * CA parsed again included). The agent made for a request is replaced by a kept one with the
 * same TLS options (CA, client certificate and key, skipTLSVerify, server name), compared by
 * content, so a rotated client certificate gets an agent of its own; the token, a header, is
 * still read per request. Proxy agents are left as made.
 */
class AgentPool {
  private readonly kept: { secure: boolean; options: Record<string, unknown>; agent: http.Agent }[] = [];

  reuse(made: http.Agent | https.Agent | undefined): http.Agent | https.Agent | undefined {
    if (!made || (made.constructor !== https.Agent && made.constructor !== http.Agent)) return made;
    const secure = made.constructor === https.Agent;
    const options = (made as unknown as { options: Record<string, unknown> }).options ?? {};
    // Compared field by field, in place: hashing them (a CA of a few kB) for every request took
    // about 0.05 ms of each dry run (a CPU profile of `npm run bench -- scale`).
    let entry = this.kept.find(
      (k) => k.secure === secure && AGENT_FIELDS.every((f) => sameOption(k.options[f], options[f])),
    );
    if (!entry) {
      const kept = { ...options, keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
      const agent = secure ? new https.Agent(kept) : new http.Agent(kept);
      // Options that changed (a rotated certificate): the older agents' sockets end once idle.
      while (this.kept.length >= 4) {
        const old = this.kept.shift();
        if (old) setTimeout(() => old.agent.destroy(), 60_000).unref();
      }
      entry = { secure, options: Object.fromEntries(AGENT_FIELDS.map((f) => [f, options[f]])), agent };
      this.kept.push(entry);
    }
    return entry.agent;
  }
}

/** Two TLS option values the same: strings and Buffers by content, anything else (a list) by its JSON. */
function sameOption(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** One pool per kubeconfig: its clients (impersonating or not) share connections. */
const agentPools = new WeakMap<KubeConfig, AgentPool>();

function agentPoolOf(kubeConfig: KubeConfig): AgentPool {
  let pool = agentPools.get(kubeConfig);
  if (!pool) agentPools.set(kubeConfig, (pool = new AgentPool()));
  return pool;
}

/** The client's HTTP library sending each request on a kept keep-alive agent (AgentPool). */
function keepAliveHttp(inner: HttpLibrary, pool: AgentPool): HttpLibrary {
  return wrapHttpLibrary({
    send(request: RequestContext): Promise<ResponseContext> {
      const agent = pool.reuse(request.getAgent());
      if (agent) request.setAgent(agent);
      return inner.send(request).toPromise();
    },
  });
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
  private readonly config: Configuration;

  constructor(
    readonly kubeConfig: KubeConfig,
    readonly options: KubeClientOptions = {},
  ) {
    const config = KubeClient.configuration(kubeConfig, options);
    this.config = config;
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
    const baseServer = new ServerConfiguration(cluster.server, {});
    const authMethods = {
      default: options.impersonate
        ? {
            getName: () => 'impersonation',
            applySecurityAuthentication: (context: RequestContext) => impersonate(kubeConfig, context),
          }
        : kubeConfig,
    };
    const plain = createConfiguration({ baseServer, authMethods });
    return createConfiguration({
      baseServer,
      authMethods,
      httpApi: observedHttp(
        keepAliveHttp(plain.httpApi, agentPoolOf(kubeConfig)),
        cluster.server,
        options.metrics,
      ),
    });
  }

  /** Another of client-node's API groups over this client's configuration: timed and kept alive as the rest. */
  apiOf<T>(Api: new (config: Configuration) => T): T {
    return new Api(this.config);
  }

  /** The same cluster as the console itself: for its own records (audit, tokens, sign-outs). */
  withoutImpersonation(): KubeClient {
    return this.options.impersonate
      ? new KubeClient(this.kubeConfig, { ...this.options, impersonate: false })
      : this;
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

  /**
   * One page of a resource's list across all namespaces, as the API server's JSON: the typed
   * lists drop what they do not model, and KubernetesObjectApi.list drops `metadata.continue` of
   * a custom kind's list, so a cache of it held its first page only. Sent through the client's
   * HTTP library (metrics, authentication, TLS settings); an error status is an ApiException with
   * the status's code (410 for an expired continue token).
   */
  async listRaw(
    gvr: KubeResource,
    query: { limit?: number; continue?: string; labelSelector?: string } = {},
  ): Promise<ListPage> {
    const context = this.config.baseServer.makeRequestContext(collectionPath(gvr), HttpMethod.GET);
    if (query.limit) context.setQueryParam('limit', String(query.limit));
    if (query.continue) context.setQueryParam('continue', query.continue);
    if (query.labelSelector) context.setQueryParam('labelSelector', query.labelSelector);
    const page = (await this.sendRaw(context)) as ListPage | null;
    if (!page || typeof page !== 'object' || !Array.isArray(page.items))
      throw new Error(`the list of ${gvr.plural} is not a list`);
    return page;
  }

  /**
   * The resource that serves a kind, from client-node's discovery cache (asked of the API server
   * once per apiVersion); an error when the cluster does not serve it.
   */
  async servedAs(apiVersion: string, kind: string): Promise<KubeKind & { namespaced: boolean }> {
    const found = await (
      this.objects as unknown as {
        resource(apiVersion: string, kind: string): Promise<V1APIResource | undefined>;
      }
    ).resource(apiVersion, kind);
    if (!found) throw new Error(`${apiVersion} ${kind} is not served`);
    return { ...kubeKind(apiVersion, kind, found.name), namespaced: found.namespaced };
  }

  /**
   * Creates (POST) or replaces (PUT) an object, answering the API server's JSON as it came.
   * KubernetesObjectApi turns its answer into client-node's models (and the console turned those back
   * into JSON): for a preview's dry runs that took longer than the requests themselves. Sent as
   * KubernetesObjectApi sends it (the resource from its discovery cache, the same HTTP library:
   * metrics, authentication, impersonation, TLS); an error status is an ApiException with the
   * status's code and the Status as its body.
   */
  async writeRaw(
    method: 'POST' | 'PUT',
    obj: KubernetesObject,
    query: { dryRun?: boolean; fieldManager?: string } = {},
  ): Promise<KubernetesObject> {
    const served = await this.servedAs(obj.apiVersion ?? 'v1', obj.kind ?? '');
    let path = collectionPath(served, served.namespaced ? (obj.metadata?.namespace ?? 'default') : undefined);
    if (method === 'PUT') path += `/${encodeURIComponent(obj.metadata?.name ?? '')}`;
    const context = this.config.baseServer.makeRequestContext(
      path,
      method === 'POST' ? HttpMethod.POST : HttpMethod.PUT,
    );
    if (query.dryRun) context.setQueryParam('dryRun', 'All');
    if (query.fieldManager) context.setQueryParam('fieldManager', query.fieldManager);
    context.setHeaderParam('Content-Type', 'application/json');
    context.setBody(JSON.stringify(obj));
    const body = await this.sendRaw(context);
    if (!body || typeof body !== 'object')
      throw new Error(`the control plane answered a ${method} with no object`);
    return body as KubernetesObject;
  }

  /**
   * A request through client-node's HTTP library and authentication, answered as the API server's
   * JSON (its text when it is not JSON); an error status is an ApiException with the status's code.
   */
  private async sendRaw(context: RequestContext): Promise<unknown> {
    context.setHeaderParam('Accept', 'application/json');
    await this.config.authMethods.default?.applySecurityAuthentication(context);
    const res = await this.config.httpApi.send(context).toPromise();
    const text = await res.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    if (res.httpStatusCode < 200 || res.httpStatusCode > 299)
      throw new ApiException(res.httpStatusCode, 'Unsuccessful HTTP Request', body, res.headers);
    return body;
  }

  /** `listRaw` as an informer's list function: pages of `limit`, from a continue token. */
  listPage(gvr: KubeResource, labelSelector?: string): ListPageFn {
    return (limit, token) =>
      this.listRaw(gvr, {
        limit,
        ...(token ? { continue: token } : {}),
        ...(labelSelector ? { labelSelector } : {}),
      });
  }

  /**
   * A Watch whose requests go on this kubeconfig's kept agents too (AgentPool): client-node's
   * Watch asks `applyToFetchOptions` for a new agent per watch; here that agent is swapped for
   * the kept one with the same TLS settings, so a watch resumed reuses an idle connection.
   */
  watcher(): Watch {
    const kubeConfig = this.kubeConfig;
    const pool = agentPoolOf(kubeConfig);
    const config = Object.create(kubeConfig) as KubeConfig;
    const withKeptAgent: KubeConfig['applyToFetchOptions'] = async (opts) => {
      const init = await kubeConfig.applyToFetchOptions(opts);
      if (init.agent && typeof init.agent === 'object') {
        const agent = pool.reuse(init.agent as http.Agent);
        if (agent) init.agent = agent;
      }
      return init;
    };
    config.applyToFetchOptions = withKeptAgent;
    return new Watch(config);
  }

  /**
   * A list-then-watch cache of one resource in all namespaces (informer.ts): listed in pages,
   * holding `options.transform(obj)` when given, resuming its watch after an error or the
   * server's timeout and listing again on 410, so a control plane restart heals on its own.
   */
  informer<T = KubernetesObject>(
    gvr: KubeResource,
    log: Logger,
    options: InformerOptions<T> = {},
  ): Informer<T> {
    return new Informer<T>({
      path: collectionPath(gvr),
      resource: gvr.plural,
      listPage: this.listPage(gvr),
      watch: this.watcher(),
      log,
      ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
      ...(options.transform ? { transform: options.transform } : {}),
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      ...(options.tellWhileListing ? { tellWhileListing: true } : {}),
    });
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

/** English UI text. The shape of this object is the type of every key, so zh-CN must match it. */
export const enUS = {
  app: {
    name: 'Mesh Console',
    mainNavigation: 'Main navigation',
    language: 'Language',
    languageButton: 'Language: {{name}}',
    breadcrumb: 'Breadcrumb',
    nav: {
      services: 'Services',
      topology: 'Topology',
      monitoring: 'Monitoring',
    },
  },
  common: {
    retry: 'Retry',
    loading: 'Loading…',
    loadFailed: 'Could not load the data',
    networkError: 'The console server could not be reached. Check that it is running and try again.',
    noVersion: '(no version)',
    yes: 'Yes',
    no: 'No',
  },
  protocol: {
    dubbo: 'Dubbo',
    sofarpc: 'SOFARPC',
    springcloud: 'Spring Cloud',
    http: 'HTTP',
    http2: 'HTTP/2',
    grpc: 'gRPC',
    tcp: 'TCP',
  },
  platform: {
    kubernetes: 'Kubernetes',
    vm: 'VM',
  },
  catalog: {
    list: {
      title: 'Services',
      description: 'Every service in the mesh, on Kubernetes and on VMs, whatever its protocol.',
      search: 'Search services',
      searchPlaceholder: 'Search by service ID, name or application',
      protocol: 'Protocol',
      allProtocols: 'All protocols',
      namespace: 'Namespace',
      allNamespaces: 'All namespaces',
      clearFilters: 'Clear filters',
      loadFailed: 'Could not load the services',
      total_one: '{{count}} service',
      total_other: '{{count}} services',
      empty: 'No services in the mesh yet',
      emptyHint:
        'Services appear here as soon as the control plane has Kubernetes Services or Istio ServiceEntries.',
      noMatch: 'No services match the search and filters',
      columns: {
        id: 'Service ID',
        application: 'Application',
        protocol: 'Protocol',
        namespace: 'Namespace',
        versions: 'Versions',
        instances: 'Instances',
      },
      readyOfTotal: '{{ready}} of {{total}} instances ready',
    },
    detail: {
      title: 'Service details',
      basicInfo: 'Basic information',
      loadFailed: 'Could not load the service',
      notFound: 'Service not found',
      notFoundHint: 'No service with ID {{id}} is in the mesh. It may have been removed or renamed.',
      backToServices: 'Back to services',
      fields: {
        id: 'Service ID',
        application: 'Application',
        protocol: 'Protocol',
        namespace: 'Namespace',
        host: 'Host',
        platforms: 'Platforms',
        versions: 'Versions',
        ports: 'Ports',
      },
      tabs: {
        label: 'Service sections',
        providers: 'Providers',
        consumers: 'Consumers',
        rateLimits: 'Rate limits',
        routes: 'Routes',
      },
      providers: {
        versions: 'Versions',
        instances: 'Instances',
        none: 'No provider instances',
        noneHint:
          'The service exists but nothing implements it right now: no Pod or VM workload matches its selector.',
        columns: {
          version: 'Version',
          instances: 'Instances',
          ready: 'Ready',
          platform: 'Platform',
          name: 'Name',
          address: 'Address',
          labels: 'Labels',
        },
        ready: 'Ready',
        notReady: 'Not ready',
        noAddress: 'No address yet',
        showLabels: 'Show labels ({{count}})',
        noLabels: 'No labels',
      },
      consumers: {
        title: 'No consumer data yet',
        hint: 'Consumers are the services that call this one. They come from live telemetry (Istio request metrics), which is not connected to the console yet, so none can be shown.',
      },
      rateLimits: {
        title: 'No rate limits shown yet',
        hint: 'Rate limits for this service will be listed and edited here once rate-limit management is available in the console. Nothing is read or changed on this tab yet.',
      },
      routes: {
        title: 'No routing rules shown yet',
        hint: 'Routing rules (version routes and weight splits) will be listed and edited here once routing management is available in the console. Nothing is read or changed on this tab yet.',
      },
    },
  },
  topology: {
    title: 'Topology',
    emptyTitle: 'The service topology is not available yet',
    emptyHint:
      'This page will draw who calls whom from live telemetry. Telemetry is not connected to the console yet, so there is nothing to draw.',
  },
  monitoring: {
    title: 'Monitoring',
    emptyTitle: 'Real-time monitoring is not available yet',
    emptyHint:
      'This page will chart request rates, errors and latency from live telemetry. Telemetry is not connected to the console yet, so there is nothing to chart.',
  },
  notFound: {
    title: 'Page not found',
    hint: 'There is no page at this address.',
  },
};

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };

/** The shape every language's resources must have. */
export type Messages = Widen<typeof enUS>;

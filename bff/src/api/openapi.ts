import { z } from 'zod';
// Importing the contract registers its schemas with zod's global registry.
import '../contract/common';
import { authPaths, securitySchemes, withAuthResponses } from './openapi-auth';
import { ServiceListQuery } from '../contract/catalog';
import { ApplicationListQuery, StreamQuery, WindowQuery } from '../contract/monitoring';
import { TopologyQuery } from '../contract/topology';
import { IstioConfigQuery } from '../contract/istio-config';
import { RATELIMITS } from './ratelimit';
import { releaseOpenApiPaths } from './releases';
import { ROUTES } from './routing';
import { ACCESS_POLICIES, PEER_AUTHENTICATIONS, securityOpenApiPaths } from './security';
import { ruleOpenApiPaths } from './rules';
import { errorResponse, okResponse, queryParameters } from './openapi-schema';

type JsonSchema = Record<string, unknown>;

/**
 * Every contract schema registered with an id (`.meta({ id })`) becomes a component; schemas
 * nested in others are referenced, not repeated.
 */
function components(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'openapi-3.0',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  for (const schema of Object.values(schemas)) delete schema.$id;
  return schemas;
}

const ok = (id: string) => okResponse(id);

/** The API as an OpenAPI 3 document, generated from the same zod schemas the code validates with. */
export function buildOpenApiDocument(version: string): JsonSchema {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Mesh console API',
      version,
      description: 'The BFF of the mesh console. Errors are `{ code, message, field? }`.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ session: [] }, { bearer: [] }],
    paths: withAuthResponses({
      '/healthz': {
        get: { summary: 'Health of the BFF and its control plane', responses: { 200: ok('Health') } },
      },
      ...authPaths(),
      '/services': {
        get: {
          summary: 'The service catalog: search, filter and page',
          parameters: queryParameters(ServiceListQuery),
          responses: { 200: ok('ServiceList'), 400: errorResponse('A query parameter is invalid') },
        },
      },
      '/services/{id}': {
        get: {
          summary: 'A service with its versions and providers',
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              description: 'The service ID, URL-encoded',
              schema: { type: 'string' },
            },
          ],
          responses: { 200: ok('ServiceDetail'), 404: errorResponse('No such service') },
        },
      },
      // Every kind of rule has the same eight operations (api/rules.ts).
      ...ruleOpenApiPaths(ROUTES),
      ...ruleOpenApiPaths(RATELIMITS),
      ...ruleOpenApiPaths(PEER_AUTHENTICATIONS),
      ...ruleOpenApiPaths(ACCESS_POLICIES),
      ...securityOpenApiPaths(),
      ...releaseOpenApiPaths(),
      '/monitoring/overview': {
        get: {
          summary:
            'Real-time monitoring: Top 5 by requests, response time and error rate; how many applications',
          parameters: queryParameters(WindowQuery),
          responses: {
            200: ok('MonitoringOverview'),
            400: errorResponse('A query parameter is invalid'),
            502: errorResponse('Prometheus rejected a query'),
            503: errorResponse('No telemetry: Prometheus is unreachable or did not answer in time'),
          },
        },
      },
      '/monitoring/applications': {
        get: {
          summary: "A page of the applications' traffic: searched, sorted and paged by the BFF",
          parameters: queryParameters(ApplicationListQuery),
          responses: {
            200: ok('ApplicationList'),
            400: errorResponse('A query parameter is invalid'),
            502: errorResponse('Prometheus rejected a query'),
            503: errorResponse('No telemetry: Prometheus is unreachable or did not answer in time'),
          },
        },
      },
      '/services/{id}/metrics': {
        get: {
          summary: "A service's traffic: series per version, consumers, instances and the observed split",
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              description: 'The service ID, URL-encoded',
              schema: { type: 'string' },
            },
            ...queryParameters(WindowQuery),
          ],
          responses: {
            200: ok('ServiceMetrics'),
            400: errorResponse('A query parameter is invalid'),
            404: errorResponse('No such service'),
            502: errorResponse('Prometheus rejected a query'),
            503: errorResponse('No telemetry: Prometheus is unreachable or did not answer in time'),
          },
        },
      },
      '/topology': {
        get: {
          summary: 'The service topology: nodes and edges with their traffic, health and p95 latency',
          parameters: queryParameters(TopologyQuery),
          responses: {
            200: ok('TopologyGraph'),
            400: errorResponse('A query parameter is invalid'),
            502: errorResponse('Prometheus rejected a query'),
            503: errorResponse('No telemetry: Prometheus is unreachable or did not answer in time'),
          },
        },
      },
      '/istio-config': {
        get: {
          summary:
            "Every routing object of the caller's namespaces (VirtualService, DestinationRule, Gateway, ServiceEntry, EnvoyFilter) with the services it applies to, who manages it and its checks, judged against the whole mesh",
          parameters: queryParameters(IstioConfigQuery),
          responses: {
            200: ok('IstioConfigList'),
            400: errorResponse('A query parameter is invalid'),
            404: errorResponse('No such service (`service`)'),
          },
        },
      },
      '/stream': {
        get: {
          summary: 'Live updates as Server-Sent Events',
          description:
            'Events: `overview` (MonitoringOverview) every interval (5 s by default); `service-metrics` (ServiceMetrics) for each `service` asked for; `telemetry-error` (TelemetryStreamError) when an update fails, after which the stream goes on. Comment lines are heartbeats. A client that cannot keep up gets only the latest update of each kind.',
          parameters: queryParameters(StreamQuery),
          responses: {
            200: {
              description: 'An event stream that stays open',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            400: errorResponse('A query parameter is invalid or names an unknown service'),
          },
        },
      },
    }),
    components: { schemas: components(), securitySchemes },
  };
}

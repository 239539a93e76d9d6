import { z } from 'zod';
// Importing the contract registers its schemas with zod's global registry.
import './common';
import { authPaths, securitySchemes, withAuthResponses } from './openapi-auth';
import { ServiceListQuery } from './catalog';
import { StreamQuery, WindowQuery } from './monitoring';
import { TopologyQuery } from './topology';
import { DeleteRouteQuery } from './routing';
import { DeleteRateLimitQuery } from './ratelimit';

type JsonSchema = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

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

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    description: s.description,
    schema: { ...s, description: undefined },
  }));
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('ApiError') } },
});

const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The service ID, URL-encoded',
  schema: { type: 'string' },
};
const nameParam = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'The rule name',
  schema: { type: 'string' },
};

/** A body that is a routing form, or `{ yaml }` for a rule the form cannot show. */
const routeBody = {
  required: true,
  content: { 'application/json': { schema: { oneOf: [ref('RouteForm'), ref('RouteYaml')] } } },
};

const writeErrors = {
  400: errorResponse(
    'The form is invalid; `field` names the field (for weights: `destinations`). Nothing is written',
  ),
  404: errorResponse('No such service or rule'),
  409: errorResponse(
    'Conflict: the rule changed since the form was loaded (stale resourceVersion), or the name is taken',
  ),
  422: errorResponse('The control plane rejected an object'),
};

/** The routing API: every path documented, the same schemas the code validates with. */
function routingPaths(): Record<string, JsonSchema> {
  return {
    '/services/{id}/routes': {
      get: {
        summary: 'Every routing rule on the service (hand-written ones too)',
        parameters: [idParam],
        responses: { 200: ok('RouteList'), 404: errorResponse('No such service') },
      },
      post: {
        summary: 'Create a routing rule (a revision is recorded)',
        parameters: [idParam],
        requestBody: routeBody,
        responses: { 201: ok('RouteRule'), ...writeErrors },
      },
    },
    '/services/{id}/routes/preview': {
      post: {
        summary:
          'The objects a form would write, as YAML, with the diff against live and the warnings; nothing is written (the control plane validates by a dry run)',
        parameters: [idParam],
        requestBody: routeBody,
        responses: { 200: ok('RoutePreview'), ...writeErrors },
      },
    },
    '/services/{id}/routes/{name}': {
      get: {
        summary: 'One routing rule, with its form when the form can show it',
        parameters: [idParam, nameParam],
        responses: { 200: ok('RouteRule'), 404: errorResponse('No such rule') },
      },
      put: {
        summary: 'Update a rule from the resourceVersion the form was based on',
        parameters: [idParam, nameParam],
        requestBody: routeBody,
        responses: { 200: ok('RouteRule'), ...writeErrors },
      },
      delete: {
        summary: 'Delete a rule and the subsets only it used',
        parameters: [idParam, nameParam, ...queryParameters(DeleteRouteQuery)],
        responses: { 204: { description: 'Deleted' }, ...writeErrors },
      },
    },
    '/services/{id}/routes/{name}/revisions': {
      get: {
        summary: 'The history of a rule, newest first',
        parameters: [idParam, nameParam],
        responses: { 200: ok('RevisionList'), 404: errorResponse('No such service') },
      },
    },
    '/services/{id}/routes/{name}/revisions/{revision}/rollback': {
      post: {
        summary: 'Write an earlier revision as a new revision',
        parameters: [
          idParam,
          nameParam,
          { name: 'revision', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
        ],
        requestBody: {
          content: {
            'application/json': {
              schema: { type: 'object', properties: { comment: { type: 'string', maxLength: 500 } } },
            },
          },
        },
        responses: {
          200: ok('RouteRule'),
          204: { description: 'The revision restored is a deletion' },
          ...writeErrors,
        },
      },
    },
  };
}

/** The rate-limit API: the same shape as routing's, over EnvoyFilters and descriptor ConfigMaps. */
function rateLimitPaths(): Record<string, JsonSchema> {
  const body = { required: true, content: { 'application/json': { schema: ref('RateLimitForm') } } };
  const errors = {
    ...writeErrors,
    400: errorResponse(
      'The form is invalid (a negative limit, a zero window, an unknown unit, the same match as another rule); `field` names the field. Nothing is written',
    ),
  };
  return {
    '/services/{id}/ratelimits': {
      get: {
        summary: "The service's rate limits, and EnvoyFilters the console did not write (read-only)",
        parameters: [idParam],
        responses: { 200: ok('RateLimitList'), 404: errorResponse('No such service') },
      },
      post: {
        summary: 'Create a rate limit (an EnvoyFilter; for a global limit also its descriptors ConfigMap)',
        parameters: [idParam],
        requestBody: body,
        responses: { 201: ok('RateLimitRule'), ...errors },
      },
    },
    '/services/{id}/ratelimits/preview': {
      post: {
        summary:
          'The objects a form would write and their diff, after a server-side dry run; nothing is written',
        parameters: [idParam],
        requestBody: body,
        responses: { 200: ok('RateLimitPreview'), ...errors },
      },
    },
    '/services/{id}/ratelimits/{name}': {
      get: {
        summary: 'One rate limit, as the form shows it',
        parameters: [idParam, nameParam],
        responses: { 200: ok('RateLimitRule'), 404: errorResponse('No such rule') },
      },
      put: {
        summary: 'Replace a rate limit; `resourceVersion` is the one the form was based on',
        parameters: [idParam, nameParam],
        requestBody: body,
        responses: { 200: ok('RateLimitRule'), ...errors },
      },
      delete: {
        summary: 'Delete a rate limit and its objects',
        parameters: [idParam, nameParam, ...queryParameters(DeleteRateLimitQuery)],
        responses: { 204: { description: 'Deleted' }, ...errors },
      },
    },
    '/services/{id}/ratelimits/{name}/revisions': {
      get: {
        summary: 'The history of a rate limit, newest first',
        parameters: [idParam, nameParam],
        responses: { 200: ok('RevisionList'), 404: errorResponse('No such service') },
      },
    },
    '/services/{id}/ratelimits/{name}/revisions/{revision}/rollback': {
      post: {
        summary: 'Write an earlier revision of a rate limit as a new revision',
        parameters: [
          idParam,
          nameParam,
          { name: 'revision', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
        ],
        requestBody: {
          content: {
            'application/json': {
              schema: { type: 'object', properties: { comment: { type: 'string', maxLength: 500 } } },
            },
          },
        },
        responses: {
          200: ok('RateLimitRule'),
          204: { description: 'The revision restored is a deletion' },
          ...errors,
        },
      },
    },
  };
}

const ok = (id: string) => ({
  description: 'OK',
  content: { 'application/json': { schema: ref(id) } },
});

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
      ...routingPaths(),
      ...rateLimitPaths(),
      '/monitoring/overview': {
        get: {
          summary: 'Real-time monitoring: Top 5 by requests, response time and error rate; every application',
          parameters: queryParameters(WindowQuery),
          responses: {
            200: ok('MonitoringOverview'),
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

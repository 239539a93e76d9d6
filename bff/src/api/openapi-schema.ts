import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** The query parameters of a zod object, as OpenAPI parameters. */
export function queryParameters(schema: z.ZodObject): JsonSchema[] {
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

/** A reference to a contract schema registered with an id (a component of the document). */
const schemaRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** A JSON response of a contract schema. */
export const okResponse = (id: string, description = 'OK') => ({
  description,
  content: { 'application/json': { schema: schemaRef(id) } },
});

/** An error response: the API's one error shape. */
export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: schemaRef('ApiError') } },
});

/** A required JSON request body of a contract schema. */
export const jsonBody = (id: string) => ({
  required: true,
  content: { 'application/json': { schema: schemaRef(id) } },
});

/** A required string path parameter. */
export const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});

/** The service ID in a path, as every service-scoped route has it. */
export const serviceIdParam = pathParam('id', 'The service ID, URL-encoded');

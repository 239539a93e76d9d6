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

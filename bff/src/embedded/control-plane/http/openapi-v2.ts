import type { JsonSchema } from '../registry/resource-type';
import { isRecord } from '../types';
import type { OpenApiV3 } from './openapi';
import { WireWriter } from './protobuf-wire';

/**
 * The OpenAPI v2 (Swagger 2.0) document at /openapi/v2, converted from the v3 documents of every
 * served group version, so both describe the same schemas.
 *
 * kubectl asks for it only as protobuf (gnostic's OpenAPIv2 Document), when the v3 document lacks
 * a kind it validates (a file that mixes served kinds with a kind this server does not serve):
 * with the document, kubectl finds no schema for the unknown kind, leaves it to the server, and the
 * rest of the file applies. The protobuf form carries the definitions (what kubectl's validation
 * and models read), not the paths; the JSON form carries both.
 */

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

const V3_REF = '#/components/schemas/';
const V2_REF = '#/definitions/';

/** A v3 schema as Swagger 2.0 has it: refs to definitions, no anyOf/oneOf/not/nullable. */
function toV2Schema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV2Schema);
  if (!isRecord(schema)) return schema;
  // `metadata: { allOf: [ref], default: {} }`: Swagger 2.0 clients read the ref alone.
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1 && isRecord(schema.allOf[0]))
    if (typeof schema.allOf[0].$ref === 'string') return toV2Schema(schema.allOf[0]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'anyOf' || k === 'oneOf' || k === 'not' || k === 'nullable') continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(V3_REF, V2_REF);
    else if (k === 'properties' && isRecord(v))
      out.properties = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, toV2Schema(s)]));
    else if (k === 'default' || k === 'enum' || k === 'example' || k.startsWith('x-')) out[k] = v;
    else out[k] = toV2Schema(v);
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    out.type = 'string';
    out.format = 'int-or-string';
  }
  return out;
}

function toV2Parameter(p: unknown): unknown {
  if (!isRecord(p)) return p;
  const { schema, ...rest } = p;
  return { ...rest, ...(isRecord(schema) ? schema : {}) };
}

function toV2Operation(op: Record<string, unknown>): Record<string, unknown> {
  const { requestBody, responses, parameters, ...rest } = op;
  const out: Record<string, unknown> = { ...rest };
  const params = Array.isArray(parameters) ? parameters.map(toV2Parameter) : [];
  if (isRecord(requestBody) && isRecord(requestBody.content)) {
    const content = requestBody.content;
    out.consumes = Object.keys(content);
    const first = Object.values(content)[0];
    params.push({
      name: 'body',
      in: 'body',
      required: requestBody.required === true,
      schema: toV2Schema(isRecord(first) ? first.schema : { type: 'object' }),
    });
  }
  if (params.length > 0) out.parameters = params;
  out.produces = ['application/json', 'application/yaml'];
  const v2Responses: Record<string, unknown> = {};
  if (isRecord(responses))
    for (const [code, r] of Object.entries(responses)) {
      if (!isRecord(r)) continue;
      const json = isRecord(r.content) ? r.content['application/json'] : undefined;
      v2Responses[code] = {
        description: r.description ?? '',
        ...(isRecord(json) ? { schema: toV2Schema(json.schema) } : {}),
      };
    }
  out.responses = v2Responses;
  return out;
}

interface V3Document {
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  definitions: Record<string, unknown>;
}

function buildSwagger(openapi: OpenApiV3): SwaggerDocument {
  const doc: SwaggerDocument = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-mesh-console-embedded' },
    paths: {},
    definitions: {},
  };
  for (const key of Object.keys(openapi.index().paths)) {
    const [root, ...rest] = key.split('/');
    const [group, version] = root === 'api' ? ['', rest[0] ?? 'v1'] : [rest[0] ?? '', rest[1] ?? ''];
    const v3 = JSON.parse(openapi.document(group, version)) as V3Document;
    for (const [name, schema] of Object.entries(v3.components?.schemas ?? {}))
      doc.definitions[name] = toV2Schema(schema);
    for (const [path, item] of Object.entries(v3.paths ?? {})) {
      const out: Record<string, unknown> = {};
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters') out.parameters = Array.isArray(op) ? op.map(toV2Parameter) : op;
        else if (isRecord(op)) out[method] = toV2Operation(op);
      }
      doc.paths[path] = out;
    }
  }
  return doc;
}

// ---- protobuf (gnostic openapiv2.Document) ----

/** gnostic's Any: the value as YAML text (JSON is YAML). */
const anyValue = (w: WireWriter, field: number, value: unknown) =>
  w.message(field, (a) => a.string(2, JSON.stringify(value)));

const INT_FIELDS: Record<string, number> = {
  maxLength: 11,
  minLength: 12,
  maxItems: 14,
  minItems: 15,
  maxProperties: 17,
  minProperties: 18,
};
const DOUBLE_FIELDS: Record<string, number> = { multipleOf: 6, maximum: 7, minimum: 9 };
const BOOL_FIELDS: Record<string, number> = {
  exclusiveMaximum: 8,
  exclusiveMinimum: 10,
  uniqueItems: 16,
  readOnly: 27,
};
const STRING_FIELDS: Record<string, number> = {
  $ref: 1,
  format: 2,
  title: 3,
  description: 4,
  pattern: 13,
  discriminator: 26,
};

/** openapiv2.Schema, field numbers from gnostic's OpenAPIv2.proto. */
function writeSchema(w: WireWriter, schema: unknown): void {
  if (!isRecord(schema)) return;
  for (const [k, v] of Object.entries(schema)) {
    if (STRING_FIELDS[k] !== undefined && typeof v === 'string') w.string(STRING_FIELDS[k], v);
    else if (INT_FIELDS[k] !== undefined && typeof v === 'number') w.varint(INT_FIELDS[k], Math.trunc(v));
    else if (DOUBLE_FIELDS[k] !== undefined && typeof v === 'number') w.double(DOUBLE_FIELDS[k], v);
    else if (BOOL_FIELDS[k] !== undefined && typeof v === 'boolean') {
      if (v) w.varint(BOOL_FIELDS[k], true);
    } else if (k === 'default') anyValue(w, 5, v);
    else if (k === 'example') anyValue(w, 30, v);
    else if (k === 'required' && Array.isArray(v)) for (const r of v) w.string(19, String(r));
    else if (k === 'enum' && Array.isArray(v)) for (const e of v) anyValue(w, 20, e);
    else if (k === 'additionalProperties') {
      if (typeof v === 'boolean') w.message(21, (a) => a.varint(2, v));
      else if (isRecord(v)) w.message(21, (a) => a.message(1, (s) => writeSchema(s, v)));
    } else if (k === 'type') {
      const types = Array.isArray(v) ? v : [v];
      w.message(22, (t) => {
        for (const type of types) t.string(1, String(type));
      });
    } else if (k === 'items' && isRecord(v)) w.message(23, (i) => i.message(1, (s) => writeSchema(s, v)));
    else if (k === 'allOf' && Array.isArray(v)) for (const s of v) w.message(24, (x) => writeSchema(x, s));
    else if (k === 'properties' && isRecord(v))
      w.message(25, (p) => {
        for (const [name, s] of Object.entries(v))
          p.message(1, (named) => named.string(1, name).message(2, (x) => writeSchema(x, s)));
      });
    else if (k.startsWith('x-'))
      w.message(31, (named) => {
        named.string(1, k);
        anyValue(named, 2, v);
      });
  }
}

function encodeSwaggerProtobuf(doc: SwaggerDocument): Uint8Array {
  const w = new WireWriter();
  w.string(1, doc.swagger);
  w.message(2, (info) => info.string(1, doc.info.title).string(2, doc.info.version));
  w.message(9, (defs) => {
    for (const [name, schema] of Object.entries(doc.definitions))
      defs.message(1, (named) => named.string(1, name).message(2, (s) => writeSchema(s, schema)));
  });
  return w.finish();
}

/** Both forms of the document, rebuilt when the v3 documents change (a CRD was created, changed, deleted). */
export class OpenApiV2 {
  private built?: { stamp: string; json: string; protobuf: Uint8Array };

  constructor(private readonly openapi: OpenApiV3) {}

  private current() {
    const stamp = JSON.stringify(this.openapi.index());
    if (this.built?.stamp !== stamp) {
      const doc = buildSwagger(this.openapi);
      this.built = { stamp, json: JSON.stringify(doc), protobuf: encodeSwaggerProtobuf(doc) };
    }
    return this.built;
  }

  json(): string {
    return this.current().json;
  }

  protobuf(): Uint8Array {
    return this.current().protobuf;
  }
}

const documents = new WeakMap<OpenApiV3, OpenApiV2>();

/** The v2 document derived from a server's v3 documents (one per server). */
export function openApiV2For(openapi: OpenApiV3): OpenApiV2 {
  let v2 = documents.get(openapi);
  if (!v2) {
    v2 = new OpenApiV2(openapi);
    documents.set(openapi, v2);
  }
  return v2;
}

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import * as yaml from 'js-yaml';

/**
 * The official Istio CRD schemas, for tests: every Istio object the console writes must be one a
 * real cluster accepts, with no field a real API server would prune. Read from
 * ../shared/istio (the istio/api file itself) when it is beside the project, else from the copy
 * vendored for the embedded control plane.
 */
type Schema = Record<string, unknown>;

interface CrdVersion {
  name: string;
  schema: { openAPIV3Schema: Schema };
}
interface Crd {
  name: string;
  versions: CrdVersion[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(here, '../../../../shared/istio/customresourcedefinitions.gen.yaml');
const VENDORED = path.resolve(here, '../embedded/control-plane/crds/istio-networking.json');

let crds: Crd[] | null = null;

function load(): Crd[] {
  if (crds) return crds;
  if (fs.existsSync(SHARED)) {
    const docs = yaml.loadAll(fs.readFileSync(SHARED, 'utf8')) as {
      kind?: string;
      metadata?: { name?: string };
      spec?: { versions?: CrdVersion[] };
    }[];
    crds = docs
      .filter((d) => d?.kind === 'CustomResourceDefinition')
      .map((d) => ({ name: d.metadata?.name ?? '', versions: d.spec?.versions ?? [] }));
  } else {
    // The vendored copy stores each schema once: `schema` is the openAPIV3Schema itself, and a
    // version with the same schema as another names it in `schemaSameAs`.
    type Vendored = { name: string; schema?: Schema; schemaSameAs?: string };
    const vendored = (
      JSON.parse(fs.readFileSync(VENDORED, 'utf8')) as { crds: { name: string; versions: Vendored[] }[] }
    ).crds;
    crds = vendored.map((c) => ({
      name: c.name,
      versions: c.versions.map((v) => {
        const schema = v.schema ?? c.versions.find((o) => o.name === v.schemaSameAs)?.schema ?? {};
        return { name: v.name, schema: { openAPIV3Schema: schema } };
      }),
    }));
  }
  return crds;
}

function schemaSource(): string {
  return fs.existsSync(SHARED) ? SHARED : VENDORED;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, { validate: ValidateFunction; schema: Schema }>();

/** A kind's resource name as its CRD spells it: gateways, authorizationpolicies. */
function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  return /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : `${lower}s`;
}

function schemaFor(apiVersion: string, kind: string) {
  const key = `${apiVersion}/${kind}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const [group, version] = apiVersion.split('/');
  const crd = load().find((c) => c.name === `${pluralOf(kind)}.${group}`);
  const v = crd?.versions.find((x) => x.name === version);
  if (!v) throw new Error(`no CRD schema for ${key} in ${schemaSource()}`);
  const schema = v.schema.openAPIV3Schema;
  const entry = { validate: ajv.compile(schema), schema };
  compiled.set(key, entry);
  return entry;
}

/** Paths of fields the schema does not declare, which a real API server would silently drop. */
function prunedPaths(value: unknown, schema: Schema | undefined, at: string): string[] {
  if (!schema || schema['x-kubernetes-preserve-unknown-fields'] === true) return [];
  if (Array.isArray(value))
    return value.flatMap((v, i) => prunedPaths(v, schema.items as Schema | undefined, `${at}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  const props = schema.properties as Record<string, Schema> | undefined;
  const additional = schema.additionalProperties;
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const path = at === '' ? k : `${at}.${k}`;
    if (props?.[k]) out.push(...prunedPaths(v, props[k], path));
    else if (additional && typeof additional === 'object')
      out.push(...prunedPaths(v, additional as Schema, path));
    else if (!(at === '' && (k === 'apiVersion' || k === 'kind' || k === 'metadata'))) out.push(path);
  }
  return out;
}

/** Schema errors and would-be-pruned fields of an Istio object; both empty when a cluster takes it as is. */
export function checkIstioObject(obj: { apiVersion: string; kind: string }): {
  errors: string[];
  pruned: string[];
} {
  const { validate, schema } = schemaFor(obj.apiVersion, obj.kind);
  const ok = validate(obj);
  const errors = ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  return { errors, pruned: prunedPaths(obj, schema, '') };
}

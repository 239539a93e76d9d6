import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../registry/resource-type';
import { extensionErrors } from './extensions';
import { pruneAndDefault } from './prune';

// The two walks every custom resource's write and dry run makes over the whole object. Each keeps
// per-schema facts (the defaults a schema declares, whether anything under it has checks), so
// these run every shape twice: the second pass must answer as the first.

const EMPTY_RULE = 'self.size() == 0';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        mode: { type: 'string', default: 'STRICT' },
        note: { type: 'string' },
        routes: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              weight: { type: 'integer', default: 100 },
              retries: {
                type: 'object',
                properties: { attempts: { type: 'integer' } },
                default: { attempts: 3 },
              },
              tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
              forbidden: {
                type: 'string',
                'x-kubernetes-validations': [{ rule: EMPTY_RULE, message: 'must be empty' }],
              },
            },
          },
        },
        labels: {
          type: 'object',
          additionalProperties: {
            type: 'string',
            'x-kubernetes-validations': [{ rule: EMPTY_RULE, message: 'label values must be empty' }],
          },
        },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

describe('pruneAndDefault', () => {
  it('drops undeclared fields at any depth and names them, keeps what the schema preserves', () => {
    for (let pass = 0; pass < 2; pass++) {
      const object: Record<string, unknown> = {
        apiVersion: 'x/v1',
        kind: 'X',
        metadata: { name: 'a', whatever: 1 },
        spec: {
          bogus: true,
          note: null,
          routes: [{ weight: 5, extra: 'x' }, 'not an object'],
          labels: { app: '' },
          free: { anything: { goes: 1 } },
        },
      };
      expect(pruneAndDefault(object, schema)).toEqual(['spec.bogus', 'spec.routes[0].extra']);
      expect(object).toEqual({
        apiVersion: 'x/v1',
        kind: 'X',
        metadata: { name: 'a', whatever: 1 },
        spec: {
          mode: 'STRICT',
          routes: [{ weight: 5, retries: { attempts: 3 } }, 'not an object'],
          labels: { app: '' },
          free: { anything: { goes: 1 } },
        },
      });
    }
  });

  it('fills declared defaults in list elements, each its own copy', () => {
    let object: Record<string, unknown> = { spec: { routes: [{}, {}] } };
    pruneAndDefault(object, schema);
    const routes = (object.spec as { routes: { weight: number; retries: { attempts: number } }[] }).routes;
    expect(routes).toEqual([
      { weight: 100, retries: { attempts: 3 } },
      { weight: 100, retries: { attempts: 3 } },
    ]);
    (routes[0] as { retries: { attempts: number } }).retries.attempts = 9;
    expect(routes[1]?.retries.attempts).toBe(3);
    pruneAndDefault((object = { spec: { routes: [{}] } }), schema);
    expect(object).toEqual({ spec: { mode: 'STRICT', routes: [{ weight: 100, retries: { attempts: 3 } }] } });
  });
});

describe('extensionErrors', () => {
  it('checks rules and list types under list elements and map values', () => {
    for (let pass = 0; pass < 2; pass++) {
      const object = {
        spec: {
          note: 'unchecked',
          routes: [{ tags: ['a', 'a'] }, { forbidden: 'set' }],
          labels: { ok: '', bad: 'x' },
        },
      };
      expect(extensionErrors(object, schema).map((e) => [e.field, e.reason])).toEqual([
        ['spec.routes[0].tags[1]', 'FieldValueDuplicate'],
        ['spec.routes[1].forbidden', 'FieldValueInvalid'],
        ['spec.labels[bad]', 'FieldValueInvalid'],
      ]);
    }
  });

  it('finds nothing to say about an object whose schema has no checks', () => {
    expect(extensionErrors({ spec: { mode: 'x', note: 'y' } }, schema)).toEqual([]);
  });
});

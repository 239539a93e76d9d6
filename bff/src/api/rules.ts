import type { Request, Router } from 'express';
import { z } from 'zod';
import { COMMENT_MAX_LENGTH } from '../contract/limits';
import { DeleteRuleQuery, RollbackBody } from '../contract/routing';
import { currentPrincipal } from '../lib/request-context';
import type { RuleOperations } from '../features/rules/service';
import { apiRouter } from './router';
import { parseInput } from './validate';
import { errorResponse, okResponse, pathParam, serviceIdParam } from './openapi-schema';

/**
 * One HTTP surface for every kind of rule on a service (routes, rate limits, and the kinds to come):
 * list, preview, create, read, update, delete, history and rollback under
 * `/services/{id}/{kind}`, and their OpenAPI paths, from one description of the kind. A kind
 * brings its body parser, its service (a `RuleService` of `features/rules/`) and the names of its
 * schemas (DEVELOPERS.md, "Kinds of rule").
 */

type JsonSchema = Record<string, unknown>;

/** What the docs say of a kind: where it lives and what its schemas are called. */
export interface RuleKindDoc {
  /** The path segment under a service: `routes`, `ratelimits`. */
  path: string;
  /** One rule, as the docs name it: `routing rule`, `rate limit`. */
  noun: string;
  openapi: {
    /** The request body's schema (usually a `$ref` to the form). */
    body: JsonSchema;
    /** Component names of the answers. */
    rule: string;
    list: string;
    preview: string;
    /** The DELETE query's parameters. */
    deleteParameters: JsonSchema[];
    /** What a 400 means for this kind's form. */
    invalid: string;
    /** One line each for the list, create and delete operations. */
    summaries: { list: string; create: string; delete: string };
  };
}

/** A kind as the API serves it: its docs, its body parser and its service. */
export interface RuleKindApi<Body, Rule, List, Preview> extends RuleKindDoc {
  parseBody(body: unknown): Body;
  operations: RuleOperations<Body, Rule, List, Preview>;
}

/** The signed-in user's name, recorded with every change (set by the auth middleware). */
function userOf(_req: Request): string {
  return currentPrincipal()?.name ?? 'anonymous';
}

/** The path's parameters (the path is built from the kind, so Express cannot type them). */
const params = (req: Request) => req.params as { id: string; name: string; revision: string };

const Revision = z.coerce.number().int().min(1);

export function ruleRouter<Body, Rule, List, Preview>(kind: RuleKindApi<Body, Rule, List, Preview>): Router {
  const router = apiRouter();
  const base = `/services/:id/${kind.path}`;
  const ops = kind.operations;

  router.get(base, async (req, res) => {
    res.json(await ops.list(params(req).id));
  });
  router.post(`${base}/preview`, async (req, res) => {
    res.json(await ops.preview(params(req).id, kind.parseBody(req.body)));
  });
  router.post(base, async (req, res) => {
    res.status(201).json(await ops.create(params(req).id, kind.parseBody(req.body), userOf(req)));
  });
  router.get(`${base}/:name`, async (req, res) => {
    res.json(await ops.get(params(req).id, params(req).name));
  });
  router.put(`${base}/:name`, async (req, res) => {
    res.json(await ops.update(params(req).id, params(req).name, kind.parseBody(req.body), userOf(req)));
  });
  router.delete(`${base}/:name`, async (req, res) => {
    const query = parseInput(DeleteRuleQuery, req.query);
    await ops.remove(params(req).id, params(req).name, query, userOf(req));
    res.status(204).end();
  });
  router.get(`${base}/:name/revisions`, async (req, res) => {
    res.json(await ops.revisions(params(req).id, params(req).name));
  });
  router.post(`${base}/:name/revisions/:revision/rollback`, async (req, res) => {
    const revision = parseInput(Revision, params(req).revision);
    const { comment } = parseInput(RollbackBody, req.body ?? {});
    const rule = await ops.rollback(params(req).id, params(req).name, revision, userOf(req), comment);
    if (rule) res.json(rule);
    else res.status(204).end();
  });
  return router;
}

const ok = (id: string) => okResponse(id);
const idParam = serviceIdParam;
const nameParam = pathParam('name', 'The rule name');

/** The OpenAPI paths of a kind: the same eight operations, described once. */
export function ruleOpenApiPaths(kind: RuleKindDoc): Record<string, JsonSchema> {
  const { openapi: doc, noun } = kind;
  const base = `/services/{id}/${kind.path}`;
  const requestBody = { required: true, content: { 'application/json': { schema: doc.body } } };
  const errors = {
    400: errorResponse(`${doc.invalid}; \`field\` names the field. Nothing is written`),
    404: errorResponse(`No such service or ${noun}`),
    409: errorResponse(
      `Conflict: the ${noun} changed since the form was loaded (stale resourceVersion), the name is taken, what it relies on changed meanwhile, the service is defined in several namespaces, or (routes) the route API set cannot be written on this cluster (\`RouteApiUnavailable\`: MESH_CONSOLE_ROUTE_API=gateway-api without the Gateway API CRDs)`,
    ),
    422: errorResponse('The control plane rejected an object'),
  };
  return {
    [base]: {
      get: {
        summary: doc.summaries.list,
        parameters: [idParam],
        responses: { 200: ok(doc.list), 404: errorResponse('No such service') },
      },
      post: {
        summary: doc.summaries.create,
        parameters: [idParam],
        requestBody,
        responses: { 201: ok(doc.rule), ...errors },
      },
    },
    [`${base}/preview`]: {
      post: {
        summary: `The objects a ${noun} would write, as YAML, with the diff against live and the warnings; nothing is written (the control plane validates by a dry run)`,
        parameters: [idParam],
        requestBody,
        responses: { 200: ok(doc.preview), ...errors },
      },
    },
    [`${base}/{name}`]: {
      get: {
        summary: `One ${noun}, with its form when the form can show it`,
        parameters: [idParam, nameParam],
        responses: { 200: ok(doc.rule), 404: errorResponse(`No such ${noun}`) },
      },
      put: {
        summary: `Update a ${noun} from the resourceVersion the form was based on`,
        parameters: [idParam, nameParam],
        requestBody,
        responses: { 200: ok(doc.rule), ...errors },
      },
      delete: {
        summary: doc.summaries.delete,
        parameters: [idParam, nameParam, ...doc.deleteParameters],
        responses: { 204: { description: 'Deleted' }, ...errors },
      },
    },
    [`${base}/{name}/revisions`]: {
      get: {
        summary: `The history of a ${noun}, newest first`,
        parameters: [idParam, nameParam],
        responses: { 200: ok('RevisionList'), 404: errorResponse('No such service') },
      },
    },
    [`${base}/{name}/revisions/{revision}/rollback`]: {
      post: {
        summary: `Write an earlier revision of a ${noun} as a new revision`,
        parameters: [
          idParam,
          nameParam,
          { name: 'revision', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
        ],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { comment: { type: 'string', maxLength: COMMENT_MAX_LENGTH } },
              },
            },
          },
        },
        responses: {
          200: ok(doc.rule),
          204: { description: 'The revision restored is a deletion' },
          ...errors,
        },
      },
    },
  };
}

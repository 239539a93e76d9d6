import type { Router } from 'express';
import { apiRouter } from './router';
import type { Request } from 'express';
import { z } from 'zod';
import { DeleteRouteQuery, RouteForm, RouteYamlBody } from '../contract/routing';
import type { RouteForm as RouteFormT, RouteYamlBody as RouteYamlBodyT } from '../contract/routing';
import { currentPrincipal } from '../features/auth/context';
import type { RoutingService } from '../features/routing/routing';
import { parseInput } from './validate';

/** The signed-in user's name, recorded with every change (set by the auth middleware). */
export function userOf(_req: Request): string {
  return currentPrincipal()?.name ?? 'anonymous';
}

/** A body is a form, or `{ yaml }` for a rule the form cannot show. */
function parseRouteBody(body: unknown): RouteFormT | RouteYamlBodyT {
  if (body && typeof body === 'object' && 'yaml' in body) return parseInput(RouteYamlBody, body);
  return parseInput(RouteForm, body);
}

const RollbackBody = z.object({ comment: z.string().max(500).optional() }).default({});
const Revision = z.coerce.number().int().min(1);

export function routingRouter(routing: RoutingService): Router {
  const router = apiRouter();
  const base = '/services/:id/routes';

  router.get(base, async (req, res) => {
    res.json(await routing.list(req.params.id));
  });

  router.post(`${base}/preview`, async (req, res) => {
    res.json(await routing.preview(req.params.id, parseRouteBody(req.body)));
  });

  router.post(base, async (req, res) => {
    res.status(201).json(await routing.create(req.params.id, parseRouteBody(req.body), userOf(req)));
  });

  router.get(`${base}/:name`, async (req, res) => {
    res.json(await routing.get(req.params.id, req.params.name));
  });

  router.put(`${base}/:name`, async (req, res) => {
    res.json(await routing.update(req.params.id, req.params.name, parseRouteBody(req.body), userOf(req)));
  });

  router.delete(`${base}/:name`, async (req, res) => {
    const query = parseInput(DeleteRouteQuery, req.query);
    await routing.remove(req.params.id, req.params.name, query, userOf(req));
    res.status(204).end();
  });

  router.get(`${base}/:name/revisions`, async (req, res) => {
    res.json(await routing.revisions(req.params.id, req.params.name));
  });

  router.post(`${base}/:name/revisions/:revision/rollback`, async (req, res) => {
    const revision = parseInput(Revision, req.params.revision);
    const { comment } = parseInput(RollbackBody, req.body ?? {});
    const rule = await routing.rollback(req.params.id, req.params.name, revision, userOf(req), comment);
    if (rule) res.json(rule);
    else res.status(204).end();
  });

  return router;
}

import type { Router } from 'express';
import { apiRouter } from './router';
import { z } from 'zod';
import { DeleteRateLimitQuery, RateLimitForm } from '../contract/ratelimit';
import type { RateLimitService } from '../features/ratelimit/ratelimit';
import { userOf } from './routing';
import { parseInput } from './validate';

const RollbackBody = z.object({ comment: z.string().max(500).optional() }).default({});
const Revision = z.coerce.number().int().min(1);

export function rateLimitRouter(ratelimits: RateLimitService): Router {
  const router = apiRouter();
  const base = '/services/:id/ratelimits';

  router.get(base, async (req, res) => {
    res.json(await ratelimits.list(req.params.id));
  });

  router.post(`${base}/preview`, async (req, res) => {
    res.json(await ratelimits.preview(req.params.id, parseInput(RateLimitForm, req.body)));
  });

  router.post(base, async (req, res) => {
    res
      .status(201)
      .json(await ratelimits.create(req.params.id, parseInput(RateLimitForm, req.body), userOf(req)));
  });

  router.get(`${base}/:name`, async (req, res) => {
    res.json(await ratelimits.get(req.params.id, req.params.name));
  });

  router.put(`${base}/:name`, async (req, res) => {
    res.json(
      await ratelimits.update(
        req.params.id,
        req.params.name,
        parseInput(RateLimitForm, req.body),
        userOf(req),
      ),
    );
  });

  router.delete(`${base}/:name`, async (req, res) => {
    const query = parseInput(DeleteRateLimitQuery, req.query);
    await ratelimits.remove(req.params.id, req.params.name, query, userOf(req));
    res.status(204).end();
  });

  router.get(`${base}/:name/revisions`, async (req, res) => {
    res.json(await ratelimits.revisions(req.params.id, req.params.name));
  });

  router.post(`${base}/:name/revisions/:revision/rollback`, async (req, res) => {
    const revision = parseInput(Revision, req.params.revision);
    const { comment } = parseInput(RollbackBody, req.body ?? {});
    const rule = await ratelimits.rollback(req.params.id, req.params.name, revision, userOf(req), comment);
    if (rule) res.json(rule);
    else res.status(204).end();
  });

  return router;
}

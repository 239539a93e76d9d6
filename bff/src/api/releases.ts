import type { Request, Router } from 'express';
import { z } from 'zod';
import { ReleaseAction, ReleaseForm } from '../contract/releases';
import type { ReleaseEvents } from '../features/releases/events';
import type { ReleaseService } from '../features/releases/service';
import { apiRouter } from './router';
import { openEventStream } from './sse';
import { parseInput } from './validate';
import { errorResponse, jsonBody, okResponse, pathParam, serviceIdParam } from './openapi-schema';

/**
 * Progressive delivery's routes (issue 17): start a release (and preview its first stage), read
 * releases, act on one, and watch one live over Server-Sent Events. Authorization is the policy
 * table's (features/auth/policy.ts): reading is any role's, a POST under a service is its operators'.
 */

export interface ReleaseRouterDeps {
  releases: ReleaseService;
  events: ReleaseEvents;
}

const PauseBody = z
  .object({ reason: z.string().max(512).optional().describe('Why the release is paused (in its log)') })
  .default({});

const params = (req: Request) => req.params as { id: string; name: string; action: string };

export function releaseRouter({ releases, events }: ReleaseRouterDeps): Router {
  const router = apiRouter();
  const base = '/services/:id/releases';

  router.get(base, async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(await releases.list(params(req).id));
  });
  router.post(`${base}/preview`, async (req, res) => {
    res.json(await releases.preview(params(req).id, parseInput(ReleaseForm, req.body)));
  });
  router.post(base, async (req, res) => {
    res.status(201).json(await releases.create(params(req).id, parseInput(ReleaseForm, req.body)));
  });
  router.get(`${base}/:name`, async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(await releases.get(params(req).id, params(req).name));
  });
  for (const action of ReleaseAction.options) {
    router.post(`${base}/:name/${action}`, async (req, res) => {
      const { reason } = action === 'pause' ? parseInput(PauseBody, req.body ?? {}) : { reason: undefined };
      res.json(await releases.act(params(req).id, params(req).name, action, reason));
    });
  }
  router.get(`${base}/:name/events`, async (req, res) => {
    const { id, name } = params(req);
    // A release that is not there is a 404 before the stream starts.
    const current = await releases.get(id, name);
    const remove = events.add(id, name, openEventStream(req, res), current);
    res.on('close', remove);
  });
  return router;
}

const ok = (id: string) => okResponse(id);
const idParam = serviceIdParam;
const nameParam = pathParam('name', 'The release name');
const formBody = jsonBody('ReleaseForm');

const ACTIONS: Record<ReleaseAction, string> = {
  pause: 'Pause a Progressing release: it holds its current weights (body: optional `reason`)',
  resume: 'Resume a Paused release: its current step starts over, its weights written again',
  promote: 'Promote now: 100% to the canary; the release Succeeded',
  abort: 'Abort: 100% to the stable version at once; the release RolledBack',
};

/** The OpenAPI paths of releases. */
export function releaseOpenApiPaths(): Record<string, Record<string, unknown>> {
  const base = '/services/{id}/releases';
  const invalid = errorResponse(
    'The form is invalid (`field` names the field: `steps.2.weight`, `canary`…); nothing is written',
  );
  return {
    [base]: {
      get: {
        summary: "The service's releases, newest first",
        parameters: [idParam],
        responses: { 200: ok('ReleaseList'), 404: errorResponse('No such service') },
      },
      post: {
        summary:
          'Start a canary release: the Release object is created and its first stage written to the route (a revision, audited)',
        parameters: [idParam],
        requestBody: formBody,
        responses: {
          201: ok('Release'),
          400: invalid,
          404: errorResponse('No such service'),
          409: errorResponse(
            'A release of the service is already Progressing or Paused (`ReleaseInProgress`), the name is taken (`AlreadyExists`), or the service is routed with a kind a release cannot move (`ReleaseUnsupported`)',
          ),
          422: errorResponse('The control plane rejected an object'),
        },
      },
    },
    [`${base}/preview`]: {
      post: {
        summary:
          "The first stage's objects as YAML with their diff against live (a dry run); nothing is written",
        parameters: [idParam],
        requestBody: formBody,
        responses: {
          200: ok('RoutePreview'),
          400: invalid,
          404: errorResponse('No such service'),
          409: errorResponse('The service is routed with a kind a release cannot move'),
        },
      },
    },
    [`${base}/{name}`]: {
      get: {
        summary: 'One release: its spec, phase, current step, gate values, decision log and gate samples',
        parameters: [idParam, nameParam],
        responses: { 200: ok('Release'), 404: errorResponse('No such release') },
      },
    },
    ...Object.fromEntries(
      ReleaseAction.options.map((action) => [
        `${base}/{name}/${action}`,
        {
          post: {
            summary: ACTIONS[action],
            parameters: [idParam, nameParam],
            ...(action === 'pause'
              ? {
                  requestBody: {
                    content: {
                      'application/json': {
                        schema: {
                          type: 'object',
                          properties: { reason: { type: 'string', maxLength: 512 } },
                        },
                      },
                    },
                  },
                }
              : {}),
            responses: {
              200: ok('Release'),
              404: errorResponse('No such release'),
              409: errorResponse(
                'The action does not apply in the release’s phase (the message says why), or the release changed meanwhile',
              ),
            },
          },
        },
      ]),
    ),
    [`${base}/{name}/events`]: {
      get: {
        summary:
          'Server-Sent Events: `release` (data: the Release) now and whenever it changes, `deleted` when it is removed, `shutdown` when the console restarts; `: heartbeat` comments in between',
        parameters: [idParam, nameParam],
        responses: {
          200: {
            description: 'An event stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          404: errorResponse('No such release'),
        },
      },
    },
  };
}

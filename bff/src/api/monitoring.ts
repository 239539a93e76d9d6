import type { Router } from 'express';
import { apiRouter } from './router';
import { ApplicationListQuery, StreamQuery, WindowQuery } from '../contract/monitoring';
import type { ApplicationList, MonitoringOverview, ServiceMetrics } from '../contract/monitoring';
import { callerScope } from '../features/auth/scope';
import type { MonitoringService } from '../features/monitoring/monitoring';
import type { MonitoringStream } from '../features/monitoring/stream';
import { badRequest } from '../lib/errors';
import { sendShared } from './shared-answer';
import { openEventStream } from './sse';
import { parseInput } from './validate';

export interface MonitoringRouterDeps {
  monitoring: MonitoringService;
  stream: MonitoringStream;
}

/** Monitoring's routes; each computes its answer for the caller's namespaces (features/auth/scope.ts). */
export function monitoringRouter({ monitoring, stream }: MonitoringRouterDeps): Router {
  const router = apiRouter();

  router.get('/monitoring/overview', async (req, res) => {
    const { window } = parseInput(WindowQuery, req.query);
    const body: MonitoringOverview = await monitoring.overview(window, callerScope());
    res.setHeader('cache-control', 'no-store');
    await sendShared(req, res, body);
  });

  router.get('/monitoring/applications', async (req, res) => {
    const query = parseInput(ApplicationListQuery, req.query);
    const body: ApplicationList = await monitoring.applications(query, callerScope());
    res.setHeader('cache-control', 'no-store');
    await sendShared(req, res, body);
  });

  router.get('/services/:id/metrics', async (req, res) => {
    const { window } = parseInput(WindowQuery, req.query);
    const body: ServiceMetrics = await monitoring.serviceMetrics(req.params.id, window, callerScope());
    res.setHeader('cache-control', 'no-store');
    await sendShared(req, res, body);
  });

  router.get('/stream', (req, res) => {
    const query = parseInput(StreamQuery, req.query);
    const scope = callerScope();
    for (const id of query.service) {
      try {
        monitoring.service(id, scope);
      } catch {
        throw badRequest(`service: no service ${id} in the catalog`, 'service');
      }
    }
    const remove = stream.add(openEventStream(req, res), {
      window: query.window,
      overview: query.overview,
      services: query.service,
      scope,
    });
    // The browser went away (tab closed, navigation): drop the client at once, nothing kept for it.
    res.on('close', remove);
  });

  return router;
}

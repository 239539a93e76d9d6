import type { Router } from 'express';
import { apiRouter } from './router';
import { TopologyQuery } from '../contract/topology';
import type { TopologyGraph } from '../contract/topology';
import { callerScope } from '../features/auth/scope';
import type { TopologyService } from '../features/topology/topology';
import { sendShared } from './shared-answer';
import { parseInput } from './validate';

export function topologyRouter(topology: TopologyService): Router {
  const router = apiRouter();

  router.get('/topology', async (req, res) => {
    const query = parseInput(TopologyQuery, req.query);
    // Drawn from the caller's namespaces only (features/auth/scope.ts).
    const body: TopologyGraph = await topology.graph(query, callerScope());
    res.setHeader('cache-control', 'no-store');
    await sendShared(req, res, body);
  });

  return router;
}

import type { Router } from 'express';
import { apiRouter } from './router';
import { IstioConfigQuery } from '../contract/istio-config';
import type { IstioConfigList } from '../contract/istio-config';
import { callerScope } from '../features/auth/scope';
import type { IstioConfigService } from '../features/istio-config/istio-config';
import { parseInput } from './validate';

/** The mesh-wide Istio config view, of the caller's namespaces (features/auth/scope.ts). */
export function istioConfigRouter(istioConfig: IstioConfigService): Router {
  const router = apiRouter();

  router.get('/istio-config', async (req, res) => {
    const query = parseInput(IstioConfigQuery, req.query);
    const body: IstioConfigList = await istioConfig.list(query, callerScope());
    res.setHeader('cache-control', 'no-store');
    res.json(body);
  });

  return router;
}

import type { Router } from 'express';
import { apiRouter } from './router';
import { ServiceListQuery } from '../contract/catalog';
import type { ServiceDetail, ServiceListResponse } from '../contract/catalog';
import { callerScope } from '../features/auth/scope';
import { catalogIn } from '../features/catalog/catalog';
import type { CatalogSource } from '../features/catalog/catalog';
import { queryCatalog } from '../features/catalog/query';
import { notFound } from '../lib/errors';
import { parseInput } from './validate';

/** The catalog's routes; each queries the catalog of the caller's namespaces (features/auth/scope.ts). */
export function catalogRouter(catalog: CatalogSource): Router {
  const router = apiRouter();

  router.get('/services', (req, res) => {
    const query = parseInput(ServiceListQuery, req.query);
    const body: ServiceListResponse = queryCatalog(catalogIn(catalog, callerScope()), query);
    res.json(body);
  });

  router.get('/services/:id', (req, res) => {
    const service = catalogIn(catalog, callerScope()).byId.get(req.params.id);
    if (!service) throw notFound(`Service ${req.params.id} was not found`);
    const body: ServiceDetail = service;
    res.json(body);
  });

  return router;
}

import type { Router } from 'express';
import { apiRouter } from './router';
import { ServiceListQuery } from '../contract/catalog';
import type { ServiceDetail, ServiceListResponse } from '../contract/catalog';
import type { CatalogSource } from '../features/catalog/catalog';
import { queryCatalog } from '../features/catalog/query';
import { notFound } from '../lib/errors';
import { parseInput } from './validate';

export function catalogRouter(catalog: CatalogSource): Router {
  const router = apiRouter();

  router.get('/services', (req, res) => {
    const query = parseInput(ServiceListQuery, req.query);
    const body: ServiceListResponse = queryCatalog(catalog.view(), query);
    res.json(body);
  });

  router.get('/services/:id', (req, res) => {
    const service = catalog.get(req.params.id);
    if (!service) throw notFound(`Service ${req.params.id} was not found`);
    const body: ServiceDetail = service;
    res.json(body);
  });

  return router;
}

import type { Router } from 'express';
import { DeleteRuleQuery, RouteForm, RouteYamlBody } from '../contract/routing';
import type { RouteForm as RouteFormT, RouteYamlBody as RouteYamlBodyT } from '../contract/routing';
import type { RoutingService } from '../features/routing/routing';
import { queryParameters } from './openapi-schema';
import { ruleRouter } from './rules';
import type { RuleKindDoc } from './rules';
import { parseInput } from './validate';

/** A body is a form, or `{ yaml }` for a rule the form cannot show. */
function parseRouteBody(body: unknown): RouteFormT | RouteYamlBodyT {
  if (body && typeof body === 'object' && 'yaml' in body) return parseInput(RouteYamlBody, body);
  return parseInput(RouteForm, body);
}

export const ROUTES: RuleKindDoc = {
  path: 'routes',
  noun: 'routing rule',
  openapi: {
    body: { oneOf: [{ $ref: '#/components/schemas/RouteForm' }, { $ref: '#/components/schemas/RouteYaml' }] },
    rule: 'RouteRule',
    list: 'RouteList',
    preview: 'RoutePreview',
    deleteParameters: queryParameters(DeleteRuleQuery),
    invalid: 'The form or YAML is invalid (for weights: `destinations`)',
    summaries: {
      list: 'Every routing rule on the service (hand-written ones too)',
      create: 'Create a routing rule (a revision is recorded)',
      delete: 'Delete a rule and the subsets only it used',
    },
  },
};

export function routingRouter(routing: RoutingService): Router {
  return ruleRouter({ ...ROUTES, parseBody: parseRouteBody, operations: routing });
}

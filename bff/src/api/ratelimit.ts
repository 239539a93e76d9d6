import type { Router } from 'express';
import { RateLimitForm } from '../contract/ratelimit';
import { DeleteRuleQuery } from '../contract/routing';
import type { RateLimitService } from '../features/ratelimit/ratelimit';
import { queryParameters } from './openapi-schema';
import { ruleRouter } from './rules';
import type { RuleKindDoc } from './rules';
import { parseInput } from './validate';

export const RATELIMITS: RuleKindDoc = {
  path: 'ratelimits',
  noun: 'rate limit',
  openapi: {
    body: { $ref: '#/components/schemas/RateLimitForm' },
    rule: 'RateLimitRule',
    list: 'RateLimitList',
    preview: 'RateLimitPreview',
    deleteParameters: queryParameters(DeleteRuleQuery),
    invalid:
      'The form is invalid (a negative limit, a zero window, an unknown unit, the same match as another rule)',
    summaries: {
      list: "The service's rate limits; EnvoyFilters the console did not write on it, and the other EnvoyFilters that select its instances, from the root namespace or its own (read-only; content only from namespaces the caller may read)",
      create: 'Create a rate limit (an EnvoyFilter; for a global limit also its descriptors ConfigMap)',
      delete: 'Delete a rate limit and its objects',
    },
  },
};

export function rateLimitRouter(ratelimits: RateLimitService): Router {
  return ruleRouter({
    ...RATELIMITS,
    parseBody: (body) => parseInput(RateLimitForm, body),
    operations: ratelimits,
  });
}

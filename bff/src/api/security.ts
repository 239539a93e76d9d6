import type { Router } from 'express';
import { WindowQuery } from '../contract/monitoring';
import { DeleteRuleQuery } from '../contract/routing';
import { AccessPolicyForm, PeerAuthenticationForm } from '../contract/security';
import type { AccessPolicyService } from '../features/security/access-policy';
import type { PeerAuthenticationService } from '../features/security/peer-authentication';
import { errorResponse, queryParameters } from './openapi-schema';
import { apiRouter } from './router';
import { ruleRouter } from './rules';
import type { RuleKindDoc } from './rules';
import { parseInput } from './validate';

/**
 * Zero trust from the console: mTLS (PeerAuthentication) and who may call the service
 * (AuthorizationPolicy), two kinds of rule with the eight operations of every kind (api/rules.ts),
 * plus the access-policy suggestion ("allow what is seen now").
 */

export const PEER_AUTHENTICATIONS: RuleKindDoc = {
  path: 'peer-authentications',
  noun: 'PeerAuthentication',
  openapi: {
    body: { $ref: '#/components/schemas/PeerAuthenticationForm' },
    rule: 'PeerAuthenticationRule',
    list: 'PeerAuthenticationList',
    preview: 'PeerAuthenticationPreview',
    deleteParameters: queryParameters(DeleteRuleQuery),
    invalid:
      'The form is invalid (an unknown mode, port-level modes on the namespace scope, a port twice, the workload scope for a service that selects no labels)',
    summaries: {
      list: "The PeerAuthentications of the service's namespace that apply to its workloads; those of the root namespace (read-only, only when the caller may read it); the mTLS mode in force per port and where it comes from; the DestinationRules' TLS for its host; the callers seen sending plaintext over the last 5 minutes",
      create: 'Create a PeerAuthentication for the service’s workloads (or its whole namespace)',
      delete: 'Delete a PeerAuthentication',
    },
  },
};

export const ACCESS_POLICIES: RuleKindDoc = {
  path: 'access-policies',
  noun: 'access policy',
  openapi: {
    body: { $ref: '#/components/schemas/AccessPolicyForm' },
    rule: 'AccessPolicyRule',
    list: 'AccessPolicyList',
    preview: 'AccessPolicyPreview',
    deleteParameters: queryParameters(DeleteRuleQuery),
    invalid:
      'The form is invalid (an unknown action, an empty value, a port that is no number, the reserved name `suggestion`)',
    summaries: {
      list: "The AuthorizationPolicies of the service's namespace that apply to it (by selector, targetRefs or namespace-wide); those of the root namespace (read-only, only when the caller may read it); each caller seen over the last 5 minutes, judged by the policies in force",
      create:
        'Create an AuthorizationPolicy for the service (selecting its workloads, or targeting its Service when a waypoint serves it)',
      delete: 'Delete an AuthorizationPolicy',
    },
  },
};

const SUGGESTION_PATH = `/services/{id}/${ACCESS_POLICIES.path}/suggestion`;

export function peerAuthenticationRouter(service: PeerAuthenticationService): Router {
  return ruleRouter({
    ...PEER_AUTHENTICATIONS,
    parseBody: (body) => parseInput(PeerAuthenticationForm, body),
    operations: service,
  });
}

export function accessPolicyRouter(service: AccessPolicyService): Router {
  const router = apiRouter();
  // Before the kind's routes, whose `/:name` would otherwise take it (a rule cannot be named so).
  router.get(`/services/:id/${ACCESS_POLICIES.path}/suggestion`, async (req, res) => {
    const { window } = parseInput(WindowQuery, req.query);
    res.setHeader('cache-control', 'no-store');
    res.json(await service.suggestion(req.params.id, window));
  });
  router.use(
    ruleRouter({
      ...ACCESS_POLICIES,
      parseBody: (body) => parseInput(AccessPolicyForm, body),
      operations: service,
    }),
  );
  return router;
}

/** The suggestion's OpenAPI path (the kinds' own paths come from `ruleOpenApiPaths`). */
export function securityOpenApiPaths(): Record<string, Record<string, unknown>> {
  return {
    [SUGGESTION_PATH]: {
      get: {
        summary:
          'Allow what is seen now: an ALLOW policy for the callers seen over the window (of the namespaces the caller may read), to edit before applying; nothing is written',
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: 'The service ID, URL-encoded',
            schema: { type: 'string' },
          },
          ...queryParameters(WindowQuery),
        ],
        responses: {
          200: {
            description: 'OK',
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/AccessPolicySuggestion' } },
            },
          },
          400: errorResponse('A query parameter is invalid'),
          404: errorResponse('No such service'),
          409: errorResponse('The service is defined in several namespaces'),
          502: errorResponse('Prometheus rejected a query'),
          503: errorResponse('No telemetry: Prometheus is unreachable or did not answer in time'),
        },
      },
    },
  };
}

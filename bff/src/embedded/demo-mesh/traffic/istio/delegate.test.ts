import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide';
import { config, meshRequest, objectsOf } from './fixtures.test-support';
import type { RequestContext, RouteDecision } from './types';

/**
 * Delegation (VirtualService reference, "Delegate": a root's http route hands over to the delegate's
 * routes; "only one level delegation is supported"; the delegate's match must be a subset of the
 * root's; a delegate that is missing or not exported to the root drops the route).
 */

const root = (http: string, extra = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: root, namespace: default}
spec:
  hosts: [reviews]
  http:
${http}
${extra}`;

const delegate = (name: string, namespace: string, http: string, extra = '') => `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${extra}
  http:
${http}`;

const REVIEWS = 'reviews.default.svc.cluster.local';
const RATINGS = 'ratings.default.svc.cluster.local';
const DETAILS = 'details.default.svc.cluster.local';

const decide = (yaml: string, over: Partial<RequestContext> = {}) =>
  decideRoute(config(objectsOf(yaml)), meshRequest('reviews', over));
const host = (d: RouteDecision) => (d.kind === 'route' ? d.destinations[0]?.host : d.kind);

describe('delegate', () => {
  const rootWithDelegate = root(`
  - name: api
    match: [{uri: {prefix: /api}}]
    delegate: {name: api-routes, namespace: team}
    timeout: 3s
  - route: [{destination: {host: ${DETAILS}}}]`);

  const teamRoutes = delegate(
    'api-routes',
    'team',
    `
  - name: v2
    match: [{uri: {prefix: /api/v2}}]
    route: [{destination: {host: ${RATINGS}}}]
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: ${REVIEWS}}}]
    timeout: 1s`,
  );

  it('replaces the root route with the delegate’s routes, their matches ANDed with the root’s', () => {
    const yaml = rootWithDelegate + teamRoutes;
    expect(host(decide(yaml, { path: '/api/v2/x' }))).toBe(RATINGS);
    expect(host(decide(yaml, { path: '/api/v1', headers: { 'end-user': 'jason' } }))).toBe(REVIEWS);
    // Root's /api condition still holds for the delegate's header-only route.
    expect(host(decide(yaml, { path: '/other', headers: { 'end-user': 'jason' } }))).toBe(DETAILS);
    // Under /api with nothing of the delegate matching, the root's later routes still follow.
    expect(host(decide(yaml, { path: '/api/v1' }))).toBe(DETAILS);
  });

  it('names the merged route root-delegate and inherits the root’s fields the delegate leaves unset', () => {
    const yaml = rootWithDelegate + teamRoutes;
    const v2 = decide(yaml, { path: '/api/v2' });
    expect(v2).toMatchObject({ kind: 'route', routeName: 'api-v2', timeoutMs: 3000 });
    expect(v2.kind === 'route' && v2.rule?.name).toBe('root');
    expect(decide(yaml, { path: '/api', headers: { 'end-user': 'jason' } })).toMatchObject({
      timeoutMs: 1000,
    });
  });

  it('drops a delegate route whose match is not within the root’s', () => {
    const conflicting = delegate(
      'api-routes',
      'team',
      `
  - match: [{uri: {prefix: /web}}]
    route: [{destination: {host: ${RATINGS}}}]`,
    );
    expect(host(decide(rootWithDelegate + conflicting, { path: '/web' }))).toBe(DETAILS);
    expect(host(decide(rootWithDelegate + conflicting, { path: '/api/web' }))).toBe(DETAILS);
  });

  it.each([
    ['missing', ''],
    [
      'not exported to the root’s namespace',
      delegate('api-routes', 'team', `  - route: [{destination: {host: ${RATINGS}}}]`, '  exportTo: ["."]'),
    ],
  ])('drops the root route when the delegate is %s', (_n, yaml) => {
    expect(host(decide(rootWithDelegate + yaml, { path: '/api/v2' }))).toBe(DETAILS);
  });

  it('follows only one level of delegation', () => {
    const chained =
      delegate('api-routes', 'team', `  - delegate: {name: deeper, namespace: team}`) +
      delegate('deeper', 'team', `  - route: [{destination: {host: ${RATINGS}}}]`);
    expect(host(decide(rootWithDelegate + chained, { path: '/api/v2' }))).toBe(DETAILS);
  });

  it('never applies a delegate (no hosts) on its own', () => {
    const d = decide(teamRoutes, { path: '/api/v2' });
    expect(d.kind === 'route' && d.rule).toBeUndefined();
    expect(host(d)).toBe(REVIEWS);
  });
});

import { describe, expect, it } from 'vitest';
import type { SessionUser } from './contract';
import { decide } from './permissions';

const user = (role: SessionUser['role'], namespaces: string[]): SessionUser => ({
  name: role,
  role,
  namespaces,
  via: 'local',
  mustChangePassword: false,
});

describe('decide', () => {
  it('lets admins do everything, anywhere', () => {
    const admin = user('admin', ['*']);
    expect(decide(admin, 'changeRoutes', 'shop')).toEqual({ allowed: true });
    expect(decide(admin, 'admin')).toEqual({ allowed: true });
  });

  it('never lets a viewer change anything, and says which role it has', () => {
    const viewer = user('viewer', ['*']);
    expect(decide(viewer, 'changeRoutes', 'shop')).toEqual({
      allowed: false,
      denial: { key: 'changeRoutes', role: 'viewer' },
    });
    expect(decide(viewer, 'changeRateLimits', 'shop')).toEqual({
      allowed: false,
      denial: { key: 'changeRateLimits', role: 'viewer' },
    });
    expect(decide(viewer, 'admin')).toEqual({ allowed: false, denial: { key: 'admin', role: 'viewer' } });
  });

  it('lets an operator change routes and rate limits in its namespaces only', () => {
    const operator = user('operator', ['dubbo-demo']);
    expect(decide(operator, 'changeRoutes', 'dubbo-demo')).toEqual({ allowed: true });
    expect(decide(operator, 'changeRateLimits', 'dubbo-demo')).toEqual({ allowed: true });
    expect(decide(operator, 'changeRoutes', 'shop')).toEqual({
      allowed: false,
      denial: { key: 'changeRoutesIn', role: 'operator', namespace: 'shop' },
    });
    expect(decide(operator, 'changeRoutes')).toEqual({
      allowed: false,
      denial: { key: 'changeRoutes', role: 'operator' },
    });
    expect(decide(user('operator', ['*']), 'changeRoutes', 'shop')).toEqual({ allowed: true });
    expect(decide(operator, 'admin')).toMatchObject({ allowed: false });
  });

  it('lets operators of the service’s namespace and admins change security rules, no viewer', () => {
    expect(decide(user('admin', ['*']), 'changeSecurity', 'shop')).toEqual({ allowed: true });
    expect(decide(user('operator', ['shop']), 'changeSecurity', 'shop')).toEqual({ allowed: true });
    expect(decide(user('operator', ['dubbo-demo']), 'changeSecurity', 'shop')).toEqual({
      allowed: false,
      denial: { key: 'changeSecurityIn', role: 'operator', namespace: 'shop' },
    });
    expect(decide(user('viewer', ['*']), 'changeSecurity', 'shop')).toEqual({
      allowed: false,
      denial: { key: 'changeSecurity', role: 'viewer' },
    });
  });

  it('lets nobody signed out do anything', () => {
    expect(decide(undefined, 'changeRoutes', 'shop')).toEqual({
      allowed: false,
      denial: { key: 'signedOut' },
    });
  });

  it('lets no one change the rules of a service in conflict, an admin neither, and names the claimants', () => {
    const conflicted = { namespace: '', conflict: { namespaces: ['dubbo-demo', 'shop'] } };
    const denied = { allowed: false, denial: { key: 'conflict', namespaces: 'dubbo-demo, shop' } };
    expect(decide(user('admin', ['*']), 'changeRoutes', conflicted)).toEqual(denied);
    expect(decide(user('operator', ['dubbo-demo']), 'changeRateLimits', conflicted)).toEqual(denied);
    // Not in conflict: the service's namespace decides, as for a bare namespace.
    expect(decide(user('operator', ['shop']), 'changeRoutes', { namespace: 'shop', conflict: null })).toEqual(
      {
        allowed: true,
      },
    );
    // Admin pages do not depend on a service.
    expect(decide(user('admin', ['*']), 'admin', conflicted)).toEqual({ allowed: true });
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

describe('MESH_CONSOLE_ROUTE_API', () => {
  const env = { MESH_CONSOLE_DATA_DIR: '/tmp/mesh-console-config-test' };

  it('is auto unless set, and takes istio or gateway-api', () => {
    expect(loadConfig(env).routeApi).toBe('auto');
    expect(loadConfig({ ...env, MESH_CONSOLE_ROUTE_API: 'istio' }).routeApi).toBe('istio');
    expect(loadConfig({ ...env, MESH_CONSOLE_ROUTE_API: 'gateway-api' }).routeApi).toBe('gateway-api');
  });

  it('refuses another value, naming the setting', () => {
    expect(() => loadConfig({ ...env, MESH_CONSOLE_ROUTE_API: 'httproute' })).toThrow(
      /^Invalid setting MESH_CONSOLE_ROUTE_API: /,
    );
  });
});

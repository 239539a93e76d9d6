import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';

/** The sign-in settings, as `npm start` reads them from the environment. */
describe('sign-in settings', () => {
  it('defaults to local accounts in the data directory, 8-hour sessions and no cross-origin access', () => {
    const c = loadConfig({ HOME: '/home/u', MESH_CONSOLE_DATA_DIR: '/data' });
    expect(c.auth).toMatchObject({
      mode: 'local',
      sessionTtlMs: 8 * 3600_000,
      oidc: null,
      namespace: 'default',
    });
    expect(c.auth.usersFile).toBeUndefined();
    expect(c.corsOrigins).toEqual([]);
    expect(c.trustProxy).toBeUndefined();
  });

  it('reads OpenID Connect with its group → role rules', () => {
    const c = loadConfig({
      MESH_CONSOLE_AUTH: 'oidc',
      OIDC_ISSUER_URL: 'https://id.example.com/realms/ops',
      OIDC_CLIENT_ID: 'mesh-console',
      OIDC_REDIRECT_URL: 'https://console.example.com/api/v1/auth/oidc/callback',
      MESH_CONSOLE_OIDC_GROUP_ROLES: 'admins=admin;demo-ops=operator:demo,shop',
      MESH_CONSOLE_CORS_ORIGINS: 'https://ops.example.com, https://b.example.com',
      MESH_CONSOLE_TRUST_PROXY: '1',
      MESH_CONSOLE_SESSION_TTL: '30m',
    });
    expect(c.auth.oidc?.groupRoles).toEqual([
      { group: 'admins', role: 'admin', namespaces: ['*'] },
      { group: 'demo-ops', role: 'operator', namespaces: ['demo', 'shop'] },
    ]);
    expect(c.auth.oidc?.groupsClaim).toBe('groups');
    expect(c.auth.sessionTtlMs).toBe(30 * 60_000);
    expect(c.corsOrigins).toEqual(['https://ops.example.com', 'https://b.example.com']);
    expect(c.trustProxy).toBe(1);
  });

  it.each([
    [{ MESH_CONSOLE_AUTH: 'oidc' }, /OIDC_ISSUER_URL: required/],
    [
      {
        MESH_CONSOLE_AUTH: 'oidc',
        OIDC_ISSUER_URL: 'https://id.example.com',
        OIDC_CLIENT_ID: 'c',
        OIDC_REDIRECT_URL: 'https://c.example.com/cb',
      },
      /MESH_CONSOLE_OIDC_GROUP_ROLES: required/,
    ],
    [
      {
        MESH_CONSOLE_AUTH: 'oidc',
        OIDC_ISSUER_URL: 'https://id.example.com',
        OIDC_CLIENT_ID: 'c',
        OIDC_REDIRECT_URL: 'https://c.example.com/cb',
        MESH_CONSOLE_OIDC_GROUP_ROLES: 'ops=superuser',
      },
      /MESH_CONSOLE_OIDC_GROUP_ROLES/,
    ],
    [{ MESH_CONSOLE_AUTH: 'ldap' }, /MESH_CONSOLE_AUTH/],
    [{ MESH_CONSOLE_ADMIN_TOKEN: 'short' }, /MESH_CONSOLE_ADMIN_TOKEN: at least 32/],
    [{ MESH_CONSOLE_ADMIN_PASSWORD: 'short' }, /MESH_CONSOLE_ADMIN_PASSWORD: at least 12/],
    [{ MESH_CONSOLE_SESSION_TTL: '10s' }, /MESH_CONSOLE_SESSION_TTL/],
    [{ MESH_CONSOLE_CORS_ORIGINS: '*' }, /MESH_CONSOLE_CORS_ORIGINS/],
  ])('refuses %j, naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

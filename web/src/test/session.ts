import { http, HttpResponse } from 'msw';
import type { Role, Session, SignedInSession } from '../features/auth/contract';

// Sessions for web tests. The shared test server answers GET /api/v1/auth/session with
// `adminSession()` unless a test says otherwise with `server.use(sessionHandler(...))`, and
// `createTestQueryClient()` starts with that session already known (see render.tsx).

export const SESSION_URL = '*/api/v1/auth/session';
export const TEST_CSRF_TOKEN = 'csrf-test-token';

export function sessionAs(
  role: Role,
  namespaces: string[] = ['*'],
  overrides: Partial<SignedInSession['user']> = {},
): SignedInSession {
  return {
    authenticated: true,
    methods: { local: true, oidc: false },
    csrfToken: TEST_CSRF_TOKEN,
    expiresAt: '2099-01-01T00:00:00.000Z',
    user: {
      name: role === 'admin' ? 'admin' : `${role}-user`,
      role,
      namespaces,
      via: 'local',
      mustChangePassword: false,
      ...overrides,
    },
  };
}

export const adminSession = (): SignedInSession => sessionAs('admin');

export function signedOutSession(methods = { local: true, oidc: false }): Session {
  return { authenticated: false, methods };
}

/** An msw handler answering GET /auth/session with `session`. */
export function sessionHandler(session: Session | (() => Session)) {
  return http.get(SESSION_URL, () => HttpResponse.json(typeof session === 'function' ? session() : session));
}

import type { Router } from 'express';
import { apiRouter } from './router';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import { LoginBody, PasswordChangeBody } from '../contract/auth';
import type { SessionResponse } from '../contract/auth';
import type { CatalogSource } from '../features/catalog/catalog';
import type { AuthService } from '../features/auth/auth';
import { currentPrincipal, requestContext, runWithContext } from '../lib/request-context';
import type { RequestContext } from '../lib/request-context';
import { TooManyAttempts } from '../features/auth/login-limiter';
import { OIDC_COOKIE, safeReturnTo } from '../features/auth/oidc';
import {
  authorize as checkPolicy,
  isStateChanging,
  ownerOfService,
  requirementFor,
} from '../features/auth/policy';
import type { Principal } from '../lib/principal';
import { SESSION_COOKIE } from '../features/auth/sessions';
import { ApiError } from '../lib/errors';
import { parseInput } from './validate';

const unauthenticated = (message = 'Sign in first') => new ApiError(401, 'Unauthenticated', message);

/** Every request gets its own context (who is asking, what changed) before anything else runs. */
export const requestContextMiddleware: RequestHandler = (_req, res, next) => {
  const ctx: RequestContext = { principal: null, changes: [] };
  res.locals.requestContext = ctx;
  runWithContext(ctx, () => next());
};

/** The request's context, even where a stream callback may have lost the async one. */
const contextOf = (res: Response): RequestContext | undefined =>
  (res.locals.requestContext as RequestContext | undefined) ?? requestContext();

/** Who sent the request: a bearer token wins over a cookie; `byCookie` says which it was. */
async function identify(
  auth: AuthService,
  req: Request,
): Promise<{ principal: Principal | null; byCookie: boolean; badToken: boolean }> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const principal = m?.[1] ? await auth.fromBearer(m[1]) : null;
    return { principal, byCookie: false, badToken: principal === null };
  }
  const cookies = req.cookies as Record<string, string> | undefined;
  return { principal: await auth.fromCookie(cookies?.[SESSION_COOKIE]), byCookie: true, badToken: false };
}

/**
 * Authentication, before the body is read: identifies the user and refuses anyone unidentified
 * (except on public routes), so nobody unknown gets a request body parsed.
 */
export function authenticate(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const requirement = requirementFor(req.method, req.path, req.query as Record<string, unknown>);
    const { principal, byCookie, badToken } = await identify(auth, req);
    const ctx = contextOf(res);
    if (ctx) ctx.principal = principal;
    res.locals.authenticatedByCookie = byCookie;
    if (requirement.kind === 'public' || principal) return next();
    throw unauthenticated(badToken ? 'The API token is not valid (revoked or mistyped)' : 'Sign in first');
  };
}

/**
 * Authorization, in front of every API router: checks the CSRF token of a cookie-authenticated
 * change, holds a user with a one-time password at the password change, and applies the policy
 * table (features/auth/policy.ts).
 */
export function authorize(auth: AuthService, catalog: CatalogSource): RequestHandler {
  return (req, res, next) => {
    const requirement = requirementFor(req.method, req.path, req.query as Record<string, unknown>);
    const ctx = contextOf(res);
    const principal = ctx?.principal ?? null;
    // Re-entered after the body was read: the routers run in the request's context for certain.
    const proceed = () => (ctx ? runWithContext(ctx, () => next()) : next());
    if (requirement.kind === 'public') return proceed();
    if (!principal) throw unauthenticated();
    const byCookie = res.locals.authenticatedByCookie === true;
    if (byCookie && isStateChanging(req.method) && !auth.checkCsrf(principal, req.get('x-csrf-token')))
      throw new ApiError(
        403,
        'CsrfTokenInvalid',
        'The request lacks a valid CSRF token; reload the page and try again',
      );
    if (principal.mustChangePassword && requirement.kind !== 'signed-in')
      throw new ApiError(403, 'PasswordChangeRequired', 'Choose a new password before going on');
    const denied = checkPolicy(principal, requirement, (id) => ownerOfService(catalog.get(id)));
    if (denied) throw denied;
    // What a user limited to some namespaces may see is a parameter of the features' queries
    // (features/auth/scope.ts), taken from the principal in the request context: nothing is cut here.
    proceed();
  };
}

function sessionCookieOptions(req: Request, maxAgeMs?: number): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: '/',
    ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
  };
}

const oidcCookieOptions = (req: Request): CookieOptions => ({
  httpOnly: true,
  // The provider sends the browser back with a cross-site redirect; Strict would drop the cookie.
  sameSite: 'lax',
  secure: req.secure,
  path: '/api/v1/auth/oidc',
  maxAge: 10 * 60 * 1000,
});

function sendRetryAfter(res: Response, err: unknown): void {
  if (err instanceof TooManyAttempts) res.setHeader('retry-after', String(err.retryAfterSeconds));
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

export function authRouter(auth: AuthService): Router {
  const router = apiRouter();

  router.get('/auth/session', (_req, res) => {
    const body: SessionResponse = auth.session(currentPrincipal());
    res.setHeader('cache-control', 'no-store');
    res.json(body);
  });

  router.post('/auth/login', async (req, res) => {
    const { username, password } = parseInput(LoginBody, req.body);
    try {
      const { cookie, principal } = await auth.login(username, password, req.ip ?? 'unknown');
      const ctx = requestContext();
      if (ctx) ctx.principal = principal;
      res.cookie(SESSION_COOKIE, cookie, sessionCookieOptions(req, auth.sessionTtlMs));
      res.setHeader('cache-control', 'no-store');
      res.json(auth.session(principal));
    } catch (err) {
      sendRetryAfter(res, err);
      throw err;
    }
  });

  router.post('/auth/logout', async (req, res) => {
    const principal = currentPrincipal();
    if (principal) await auth.logout(principal);
    res.clearCookie(SESSION_COOKIE, sessionCookieOptions(req));
    res.status(204).end();
  });

  router.post('/auth/password', async (req, res) => {
    const principal = currentPrincipal();
    if (!principal) throw unauthenticated();
    const body = parseInput(PasswordChangeBody, req.body);
    let session: Awaited<ReturnType<AuthService['changePassword']>>;
    try {
      session = await auth.changePassword(
        principal,
        body.currentPassword,
        body.newPassword,
        req.ip ?? 'unknown',
      );
    } catch (err) {
      sendRetryAfter(res, err);
      throw err;
    }
    // The user's other sessions end; this one goes on in a cookie issued after the change.
    if (session?.principal.expiresAt !== undefined)
      res.cookie(
        SESSION_COOKIE,
        session.cookie,
        sessionCookieOptions(req, Math.max(0, session.principal.expiresAt - Date.now())),
      );
    res.setHeader('cache-control', 'no-store');
    res.status(204).end();
  });

  router.get('/auth/oidc/login', async (req, res) => {
    const oidc = auth.oidc;
    if (!oidc) throw new ApiError(404, 'NotFound', 'Single sign-on is not configured');
    const { url, transaction } = await oidc.start(safeReturnTo(req.query.returnTo));
    res.cookie(OIDC_COOKIE, transaction, oidcCookieOptions(req));
    res.redirect(302, url);
  });

  router.get('/auth/oidc/callback', async (req, res) => {
    const oidc = auth.oidc;
    if (!oidc) throw new ApiError(404, 'NotFound', 'Single sign-on is not configured');
    const search = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const cookies = req.cookies as Record<string, string> | undefined;
    res.clearCookie(OIDC_COOKIE, { ...oidcCookieOptions(req), maxAge: undefined });
    let returnTo: string;
    try {
      const done = await oidc.finish(search, cookies?.[OIDC_COOKIE]);
      const { cookie, principal } = auth.issue(done.user);
      const ctx = requestContext();
      if (ctx) ctx.principal = principal;
      res.cookie(SESSION_COOKIE, cookie, sessionCookieOptions(req, auth.sessionTtlMs));
      returnTo = done.returnTo;
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'SignInFailed';
      res.redirect(302, `/signin?error=${encodeURIComponent(code)}`);
      if (!(err instanceof ApiError)) throw err;
      return;
    }
    // Not a 302: a SameSite=Strict cookie is not sent on a redirect chain that began at the
    // provider's (cross-site) page, so the next page would look signed out. A page of ours that
    // moves on by itself starts a same-site navigation. (A meta refresh needs no script, so the
    // CSP holds.)
    const target = escapeHtml(returnTo);
    res.setHeader('cache-control', 'no-store');
    res
      .status(200)
      .type('html')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${target}"><title>Signing in</title></head><body><a href="${target}">Continue to the console</a></body></html>`,
      );
  });

  return router;
}

/**
 * Pages of the SPA need a session too: a browser without one is sent to the sign-in page, which
 * brings it back afterwards. The sign-in page and the static assets are public.
 */
export function pageGate(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    if (req.path === '/signin' || req.path === '/signin/') return next();
    const cookies = req.cookies as Record<string, string> | undefined;
    const principal = await auth.fromCookie(cookies?.[SESSION_COOKIE]);
    if (principal) return next();
    res.setHeader('cache-control', 'no-store');
    res.redirect(302, `/signin?returnTo=${encodeURIComponent(safeReturnTo(req.originalUrl))}`);
  };
}

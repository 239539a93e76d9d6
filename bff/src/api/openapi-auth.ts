import { z } from 'zod';
import { requirementFor } from '../features/auth/policy';
import { AuditQuery } from '../contract/audit';
import '../contract/auth';
import { errorResponse, jsonBody, okResponse } from './openapi-schema';

type JsonSchema = Record<string, unknown>;

const ok = okResponse;
const error = errorResponse;
const body = jsonBody;

function auditParameters(): JsonSchema[] {
  const json = z.toJSONSchema(AuditQuery, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
  };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    description: s.description,
    schema: { ...s, description: undefined },
  }));
}

/** Sign-in, tokens, users and the audit log. */
export function authPaths(): Record<string, JsonSchema> {
  return {
    '/auth/session': {
      get: {
        summary: 'Who is signed in, the CSRF token, and the sign-in methods (always 200)',
        responses: { 200: ok('Session') },
      },
    },
    '/auth/login': {
      post: {
        summary: 'Sign in with a local account; sets the session cookie',
        requestBody: body('LoginBody'),
        responses: {
          200: ok('Session'),
          400: error('A field is missing; `field` names it'),
          401: error('InvalidCredentials: the user name or password is wrong'),
          429: error('TooManyRequests: too many failed attempts for this user or address; see Retry-After'),
        },
      },
    },
    '/auth/logout': {
      post: {
        summary: 'Sign out: the session ends everywhere',
        responses: { 204: { description: 'Signed out' } },
      },
    },
    '/auth/password': {
      post: {
        summary: 'Change the password of a local account (required after a one-time password)',
        requestBody: body('PasswordChangeBody'),
        responses: {
          204: { description: 'Changed' },
          400: error('The current password is wrong, or the new one too short'),
        },
      },
    },
    '/auth/oidc/login': {
      get: {
        summary: 'Sign in with the OpenID Connect provider (authorization code with PKCE)',
        parameters: [
          {
            name: 'returnTo',
            in: 'query',
            schema: { type: 'string' },
            description: 'A path of the console to return to',
          },
        ],
        responses: { 302: { description: 'To the provider' } },
      },
    },
    '/auth/oidc/callback': {
      get: {
        summary: "The provider's redirect back; signs in and moves on to `returnTo`",
        responses: {
          200: { description: 'A page that moves on to returnTo' },
          302: { description: 'Back to /signin with an error' },
        },
      },
    },
    '/admin/tokens': {
      get: { summary: 'API tokens (never their secrets)', responses: { 200: ok('ApiTokenList') } },
      post: {
        summary: 'Create an API token; its secret is in this answer only',
        requestBody: body('CreateTokenBody'),
        responses: { 201: ok('CreatedToken', 'Created'), 400: error('A field is invalid; `field` names it') },
      },
    },
    '/admin/tokens/{id}': {
      delete: {
        summary: 'Revoke an API token',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 204: { description: 'Revoked' }, 404: error('No such token') },
      },
    },
    '/admin/users': {
      get: {
        summary: 'The local accounts (never their passwords); empty with OIDC sign-in',
        responses: { 200: ok('UserList') },
      },
      post: {
        summary:
          'Add a local account (written to the accounts file the users CLI writes); the password is one-time',
        requestBody: body('CreateUserBody'),
        responses: {
          201: ok('User', 'Created'),
          400: error('A field is invalid; `field` names it'),
          409: error(
            'AlreadyExists: a user of that name (in any case); AccountsFileChanged: the file changed meanwhile, try again; UsersFromProvider: OIDC sign-in, users come from the provider',
          ),
        },
      },
    },
    '/admin/users/{name}': {
      patch: {
        summary:
          "Change a local account's role, namespaces, password (a reset: one-time, ends the user's sessions) or disabled (ends the user's sessions, refuses sign-in)",
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: body('UpdateUserBody'),
        responses: {
          200: ok('User'),
          400: error(
            'A field is invalid, or an admin demoting, disabling or resetting themselves; `field` names it',
          ),
          404: error('No such user'),
          409: error(
            'LastAdmin: no enabled admin would remain; AccountsFileChanged: the file changed meanwhile, try again; UsersFromProvider: OIDC sign-in',
          ),
        },
      },
      delete: {
        summary: "Remove a local account; the user's sessions end",
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          204: { description: 'Removed' },
          400: error('An admin deleting themselves (`field`: name)'),
          404: error('No such user'),
          409: error(
            'LastAdmin: no enabled admin would remain; AccountsFileChanged: the file changed meanwhile, try again; UsersFromProvider: OIDC sign-in',
          ),
        },
      },
    },
    '/audit': {
      get: {
        summary: 'The audit trail, newest first: every change and every refused change',
        parameters: auditParameters(),
        responses: { 200: ok('AuditList'), 400: error('A query parameter is invalid') },
      },
    },
  };
}

const unauthenticated = error('Unauthenticated: no valid session cookie or bearer token');
const forbidden = error(
  "Forbidden: the user's role or namespaces do not allow it (the message says what is needed); CsrfTokenInvalid: a cookie-authenticated change without X-CSRF-Token; PasswordChangeRequired; KubernetesForbidden: the cluster's RBAC refused an impersonated write",
);

/** Adds the 401 and 403 answers to every operation the policy does not make public. */
export function withAuthResponses(paths: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [path, ops] of Object.entries(paths)) {
    const next: JsonSchema = {};
    for (const [method, op] of Object.entries(ops as Record<string, { responses?: JsonSchema }>)) {
      const req = requirementFor(method, path.replace(/\{[^}]+\}/g, 'x'));
      next[method] =
        req.kind === 'public'
          ? { ...op, security: [] }
          : { ...op, responses: { ...op.responses, 401: unauthenticated, 403: forbidden } };
    }
    out[path] = next;
  }
  return out;
}

export const securitySchemes = {
  session: { type: 'apiKey', in: 'cookie', name: 'mesh_console_session' },
  bearer: { type: 'http', scheme: 'bearer', description: 'An API token (mct_…) or MESH_CONSOLE_ADMIN_TOKEN' },
};

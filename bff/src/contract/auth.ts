import { z } from 'zod';
import { PASSWORD_MIN_LENGTH } from './password';

export { PASSWORD_MIN_LENGTH } from './password';

/** What a user may do: viewer reads, operator also changes its namespaces' services, admin everything. */
export const Role = z.enum(['viewer', 'operator', 'admin']).meta({ id: 'Role' });
export type Role = z.infer<typeof Role>;

/** Namespaces a user may see and (operator) change; `['*']` means all. */
export const Namespaces = z
  .array(
    z
      .string()
      .regex(/^(\*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$/, 'a namespace name, or * for all namespaces'),
  )
  .min(1, 'at least one namespace, or * for all')
  .max(100);

export const SignInMethods = z.object({ local: z.boolean(), oidc: z.boolean() });

export const SessionUser = z
  .object({
    name: z.string(),
    role: Role,
    namespaces: z.array(z.string()),
    via: z.enum(['local', 'oidc', 'token']),
    mustChangePassword: z.boolean(),
  })
  .meta({ id: 'SessionUser' });
export type SessionUser = z.infer<typeof SessionUser>;

export const SessionResponse = z
  .union([
    z.object({ authenticated: z.literal(false), methods: SignInMethods }),
    z.object({
      authenticated: z.literal(true),
      methods: SignInMethods,
      csrfToken: z.string().describe('Send as X-CSRF-Token on every POST/PUT/PATCH/DELETE'),
      expiresAt: z.string().describe('ISO time when the session ends'),
      user: SessionUser,
    }),
  ])
  .meta({ id: 'Session' });
export type SessionResponse = z.infer<typeof SessionResponse>;

export const LoginBody = z
  .object({
    username: z.string().trim().min(1, 'enter your user name').max(128),
    password: z.string().min(1, 'enter your password').max(1024),
  })
  .meta({ id: 'LoginBody' });
export type LoginBody = z.infer<typeof LoginBody>;

export const PasswordChangeBody = z
  .object({
    currentPassword: z.string().min(1, 'enter your current password').max(1024),
    newPassword: z
      .string()
      .min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`)
      .max(1024, 'at most 1024 characters'),
  })
  .refine((b) => b.currentPassword !== b.newPassword, {
    message: 'the new password must differ from the current one',
    path: ['newPassword'],
  })
  .meta({ id: 'PasswordChangeBody' });
export type PasswordChangeBody = z.infer<typeof PasswordChangeBody>;

export const ApiToken = z
  .object({
    id: z.string(),
    name: z.string(),
    role: Role,
    namespaces: z.array(z.string()),
    createdBy: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });
export type ApiToken = z.infer<typeof ApiToken>;

export const ApiTokenList = z.object({ items: z.array(ApiToken) }).meta({ id: 'ApiTokenList' });
export type ApiTokenList = z.infer<typeof ApiTokenList>;

export const CreateTokenBody = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'name the token after what uses it')
      .max(63, 'at most 63 characters')
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, spaces, dots, dashes and underscores'),
    role: Role,
    namespaces: Namespaces,
  })
  .meta({ id: 'CreateTokenBody' });
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

export const CreatedToken = z
  .object({
    token: ApiToken,
    secret: z.string().describe('The bearer token; shown once, stored only as a hash'),
  })
  .meta({ id: 'CreatedToken' });
export type CreatedToken = z.infer<typeof CreatedToken>;

export const UserList = z
  .object({
    items: z.array(
      z.object({ name: z.string(), role: Role, namespaces: z.array(z.string()), source: z.literal('local') }),
    ),
  })
  .meta({ id: 'UserList' });
export type UserList = z.infer<typeof UserList>;

import { z } from 'zod';
import { contractMessage as msg } from './messages';
import { PASSWORD_MIN_LENGTH } from './password';

export { PASSWORD_MIN_LENGTH } from './password';

/** What a user may do: viewer reads, operator also changes its namespaces' services, admin everything. */
export const Role = z.enum(['viewer', 'operator', 'admin']).meta({ id: 'Role' });
export type Role = z.infer<typeof Role>;

/** Namespaces a user may see and (operator) change; `['*']` means all. */
export const Namespaces = z
  .array(z.string().regex(/^(\*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$/, msg('auth.namespaceName')))
  .min(1, msg('auth.namespacesRequired'))
  .max(100);

const SignInMethods = z.object({ local: z.boolean(), oidc: z.boolean() });

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
    username: z.string().trim().min(1, msg('auth.userNameRequired')).max(128),
    password: z.string().min(1, msg('auth.passwordRequired')).max(1024),
  })
  .meta({ id: 'LoginBody' });
export type LoginBody = z.infer<typeof LoginBody>;

export const PasswordChangeBody = z
  .object({
    currentPassword: z.string().min(1, msg('auth.currentPasswordRequired')).max(1024),
    newPassword: z
      .string()
      .min(PASSWORD_MIN_LENGTH, msg('auth.atLeastCharacters', { min: PASSWORD_MIN_LENGTH }))
      .max(1024, msg('auth.atMostCharacters', { max: 1024 })),
  })
  .refine((b) => b.currentPassword !== b.newPassword, {
    message: msg('auth.samePassword'),
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
      .min(1, msg('auth.tokenNameRequired'))
      .max(63, msg('auth.atMostCharacters', { max: 63 }))
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, msg('auth.tokenNameCharacters')),
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

/** A local account's name: what the user types to sign in and what the audit trail records. */
const USER_NAME_MAX_LENGTH = 64;
const UserName = z
  .string()
  .trim()
  .min(1, msg('auth.newUserNameRequired'))
  .max(USER_NAME_MAX_LENGTH, msg('auth.atMostCharacters', { max: USER_NAME_MAX_LENGTH }))
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, msg('auth.userNameCharacters'));

const NewPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, msg('auth.atLeastCharacters', { min: PASSWORD_MIN_LENGTH }))
  .max(1024, msg('auth.atMostCharacters', { max: 1024 }));

/** A local account as the API shows it: never its password or hash. */
export const User = z
  .object({
    name: z.string(),
    role: Role,
    namespaces: z.array(z.string()),
    source: z.literal('local'),
    disabled: z.boolean().describe('A disabled user cannot sign in; their sessions ended'),
    mustChangePassword: z
      .boolean()
      .describe('The user must choose a new password at the next sign-in (after a reset)'),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const UserList = z.object({ items: z.array(User) }).meta({ id: 'UserList' });
export type UserList = z.infer<typeof UserList>;

export const CreateUserBody = z
  .strictObject({
    name: UserName,
    role: Role,
    namespaces: Namespaces,
    password: NewPassword.describe('A one-time password: the user chooses a new one at first sign-in'),
  })
  .meta({ id: 'CreateUserBody' });
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .strictObject({
    role: Role.optional(),
    namespaces: Namespaces.optional(),
    password: NewPassword.optional().describe(
      "A reset: a one-time password; the user's sessions end and a new password is chosen at next sign-in",
    ),
    disabled: z.boolean().optional().describe("true: refuses sign-in and ends the user's sessions"),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: msg('auth.nothingToChange'),
  })
  .meta({ id: 'UpdateUserBody' });
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

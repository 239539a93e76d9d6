// The sign-in, token and audit contracts, shared with the BFF (bff/src/contract/auth.ts and
// audit.ts). Types only: the SPA trusts the BFF's validation and keeps zod out of its bundle.
import type { AuditRecord, AuditList as BffAuditList } from '../../../../bff/src/contract/audit';
import type {
  Role as BffRole,
  SessionResponse,
  SessionUser as BffSessionUser,
  UserList,
} from '../../../../bff/src/contract/auth';

export type {
  ApiToken,
  ApiTokenList,
  CreateTokenBody,
  CreatedToken,
  LoginBody,
  PasswordChangeBody,
} from '../../../../bff/src/contract/auth';
export type { AuditOutcome } from '../../../../bff/src/contract/audit';

export type Role = BffRole;
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export type SessionUser = BffSessionUser;
/** GET /auth/session: signed out (with the ways to sign in), or the user and the CSRF token. */
export type Session = SessionResponse;
export type SignedInSession = Extract<Session, { authenticated: true }>;
export type SignInMethods = Session['methods'];

export type LocalUserList = UserList;
export type LocalUser = UserList['items'][number];

/** One audit record: who, when, what, the outcome and the diff. */
export type AuditEntry = AuditRecord;
export type AuditList = BffAuditList;

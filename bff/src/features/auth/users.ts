import type { CreateUserBody, UpdateUserBody, User } from '../../contract/auth';
import { ApiError, badRequest, notFound } from '../../lib/errors';
import type { Account, LocalAccounts } from './accounts';
import { hashPassword } from './accounts';
import { noteChange } from '../../lib/request-context';

/** A local account as the API shows it: never its hash. */
const userView = (a: Account): User => ({
  name: a.name,
  role: a.role,
  namespaces: a.namespaces,
  source: 'local',
  disabled: a.disabled,
  mustChangePassword: a.mustChangePassword,
});

/** With OIDC sign-in there is no accounts file: users are the provider's. */
export const usersFromProvider = (): ApiError =>
  new ApiError(
    409,
    'UsersFromProvider',
    'Users come from the identity provider (single sign-on): add, change or disable them there',
  );

/** What the audit record shows of an account: never its password or hash. */
const shown = (a: Account | undefined): string[] =>
  a
    ? [
        `role: ${a.role}`,
        `namespaces: ${a.namespaces.join(', ')}`,
        `disabled: ${a.disabled}`,
        `mustChangePassword: ${a.mustChangePassword}`,
      ]
    : [];

/** Notes the change for the audit trail, as a diff of the shown fields (a reset says so, nothing more). */
function noteUserChange(
  name: string,
  before: Account | undefined,
  after: Account | undefined,
  reset = false,
) {
  const old = shown(before);
  const next = shown(after);
  const lines = [
    ...old.filter((l) => !next.includes(l)).map((l) => `-${l}`),
    ...next.filter((l) => !old.includes(l)).map((l) => `+${l}`),
    ...(reset ? ['+password: reset (one-time)'] : []),
  ];
  if (lines.length > 0) noteChange({ kind: 'users', name, diff: lines.join('\n') });
}

const noSuchUser = (name: string) => notFound(`There is no user ${name}`);

/** At least one admin who can sign in must remain, or nobody could manage the console again. */
function keepsAnAdmin(accounts: Account[]): void {
  if (!accounts.some((a) => a.role === 'admin' && !a.disabled))
    throw new ApiError(409, 'LastAdmin', 'This would leave no enabled admin; make another user admin first');
}

/**
 * Admins' changes to the local accounts (the same file the users CLI writes). `actor` is the
 * admin making the change: they cannot demote, disable or delete themselves.
 */
export class UserAdmin {
  constructor(private readonly accounts: LocalAccounts) {}

  list(): User[] {
    return this.accounts.list().map(userView);
  }

  /** A new user with a one-time password: they choose their own at first sign-in. */
  async create(body: CreateUserBody): Promise<User> {
    const passwordHash = await hashPassword(body.password);
    return this.accounts
      .transact(async (accounts) => {
        const lower = body.name.toLowerCase();
        if (accounts.some((a) => a.name.toLowerCase() === lower))
          throw new ApiError(409, 'AlreadyExists', `There is already a user ${body.name}`, 'name');
        const account: Account = {
          name: body.name,
          passwordHash,
          role: body.role,
          namespaces: body.namespaces,
          mustChangePassword: true,
          disabled: false,
        };
        return { accounts: [...accounts, account], result: account };
      })
      .then((account) => {
        noteUserChange(account.name, undefined, account);
        return userView(account);
      });
  }

  /**
   * Changes role, namespaces, password (a reset: a one-time password) or disabled. A reset or a
   * disable ends the user's sessions, as a password change does; a role or namespaces change
   * takes effect on the user's next request (read from the file on every request).
   */
  async update(name: string, body: UpdateUserBody, actor: string | undefined): Promise<User> {
    if (name === actor) {
      if (body.role !== undefined && body.role !== 'admin')
        throw badRequest('role: you cannot take the admin role from yourself', 'role');
      if (body.disabled === true) throw badRequest('disabled: you cannot disable yourself', 'disabled');
      if (body.password !== undefined)
        throw badRequest('password: change your own password from the user menu', 'password');
    }
    const passwordHash = body.password === undefined ? undefined : await hashPassword(body.password);
    const updated = await this.accounts.transact(async (accounts) => {
      const current = accounts.find((a) => a.name === name);
      if (!current) throw noSuchUser(name);
      const next: Account = {
        ...current,
        ...(body.role !== undefined ? { role: body.role } : {}),
        ...(body.namespaces !== undefined ? { namespaces: body.namespaces } : {}),
        ...(passwordHash !== undefined ? { passwordHash, mustChangePassword: true } : {}),
        ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
      };
      const list = accounts.map((a) => (a === current ? next : a));
      keepsAnAdmin(list);
      return { accounts: list, result: { before: current, next } };
    });
    noteUserChange(name, updated.before, updated.next, passwordHash !== undefined);
    if (passwordHash !== undefined || body.disabled === true) await this.accounts.endSessions(name);
    return userView(updated.next);
  }

  async remove(name: string, actor: string | undefined): Promise<void> {
    if (name === actor) throw badRequest('name: you cannot delete yourself', 'name');
    const removed = await this.accounts.transact(async (accounts) => {
      const current = accounts.find((a) => a.name === name);
      if (!current) throw noSuchUser(name);
      const list = accounts.filter((a) => a !== current);
      keepsAnAdmin(list);
      return { accounts: list, result: current };
    });
    noteUserChange(name, removed, undefined);
    // A user created again under this name must not inherit the old cookies.
    await this.accounts.endSessions(name);
  }
}

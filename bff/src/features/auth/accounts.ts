import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { hash, verify } from '@node-rs/argon2';
import * as yaml from 'js-yaml';
import { z } from 'zod';
import { Namespaces, Role } from '../../contract/auth';
import { ApiError } from '../../lib/errors';

const Account = z.object({
  name: z.string().min(1).max(128),
  passwordHash: z
    .string()
    .regex(/^\$argon2(id|i|d)\$/, 'an argon2 hash (PHC string, as @node-rs/argon2 writes)'),
  role: Role,
  namespaces: Namespaces.default(['*']),
  mustChangePassword: z.boolean().default(false),
  disabled: z.boolean().default(false),
});
export type Account = z.infer<typeof Account>;

const AccountsFile = z.object({ users: z.array(Account).default([]) });

/** argon2id with the library's defaults (19 MiB, t=2), as OWASP recommends. */
export const hashPassword = (password: string): Promise<string> => hash(password);

/**
 * Local accounts: a YAML file of users with argon2 password hashes, roles and
 * namespaces. The file is the source of truth: it is read again whenever it changes, so an
 * admin's edit (a role, a removed user) takes effect on the next request.
 */
export class LocalAccounts {
  private cache: { key: string; accounts: Account[] } | null = null;
  private queue: Promise<void> = Promise.resolve();
  private dummyHash: Promise<string> | null = null;

  constructor(readonly file: string) {}

  list(): Account[] {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      return [];
    }
    const key = `${stat.mtimeMs}:${stat.size}`;
    if (this.cache?.key === key) return this.cache.accounts;
    const accounts = this.parse(fs.readFileSync(this.file, 'utf8'));
    this.cache = { key, accounts };
    return accounts;
  }

  private parse(text: string): Account[] {
    const parsed = AccountsFile.safeParse(yaml.load(text) ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `The accounts file ${this.file} is invalid at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
      );
    }
    return parsed.data.users;
  }

  /** The file's text and its SHA-256 (null: no file yet). */
  private snapshot(): { text: string; digest: string | null } {
    try {
      const text = fs.readFileSync(this.file, 'utf8');
      return { text, digest: createHash('sha256').update(text).digest('hex') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', digest: null };
      throw err;
    }
  }

  /**
   * Changes the accounts file: `change` gets the accounts as the file holds them now and returns
   * the new list (it may be slow: argon2). Changes made through this object are serialized; one
   * made by someone else (the CLI, another replica) between the read and the write is not
   * overwritten: the change is refused with 409 AccountsFileChanged, to be tried again. The file
   * is replaced atomically (a temporary file renamed over it).
   */
  async transact<T>(
    change: (accounts: Account[]) => Promise<{ accounts: Account[]; result: T }>,
  ): Promise<T> {
    const run = this.queue.then(async () => {
      const before = this.snapshot();
      const { accounts, result } = await change(before.digest === null ? [] : this.parse(before.text));
      this.write(accounts, before.digest);
      return result;
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Sessions of the user must end (a reset password, disabled, removed): set by AuthService. */
  onSessionsEnded: ((user: string) => Promise<void>) | null = null;

  async endSessions(user: string): Promise<void> {
    await this.onSessionsEnded?.(user);
  }

  find(name: string): Account | undefined {
    return this.list().find((a) => a.name === name);
  }

  /** The account when the password is right; the time taken does not tell whether the user exists. */
  async verify(name: string, password: string): Promise<Account | null> {
    const account = this.find(name);
    if (!account) {
      this.dummyHash ??= hash(randomBytes(16).toString('hex'));
      await verify(await this.dummyHash, password).catch(() => false);
      return null;
    }
    const ok = await verify(account.passwordHash, password).catch(() => false);
    return ok ? account : null;
  }

  async setPassword(name: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.transact(async (accounts) => {
      if (!accounts.some((a) => a.name === name)) throw new Error(`no account ${name}`);
      return {
        accounts: accounts.map((a) =>
          a.name === name ? { ...a, passwordHash, mustChangePassword: false } : a,
        ),
        result: undefined,
      };
    });
  }

  /**
   * On a first start with no users, writes an `admin` account: with `password` when given, else a
   * generated one-time password the admin must change at first sign-in. Returns the generated
   * password (to print once), or null when nothing was created or the password was given.
   */
  async ensureFirstAdmin(password: string | undefined): Promise<{ name: string; password: string } | null> {
    if (this.list().length > 0) return null;
    const generated = password ? null : randomBytes(12).toString('base64url');
    const account: Account = {
      name: 'admin',
      passwordHash: await hashPassword(password ?? (generated as string)),
      role: 'admin',
      namespaces: ['*'],
      mustChangePassword: generated !== null,
      disabled: false,
    };
    this.write([account]);
    return generated ? { name: account.name, password: generated } : null;
  }

  /**
   * Writes the accounts atomically. With `expected` (the SHA-256 of the text the change was made
   * from; null: there was no file), refuses when the file no longer holds that text.
   */
  private write(accounts: Account[], expected?: string | null): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const users = accounts.map((a) => ({
      name: a.name,
      passwordHash: a.passwordHash,
      role: a.role,
      namespaces: a.namespaces,
      ...(a.mustChangePassword ? { mustChangePassword: true } : {}),
      ...(a.disabled ? { disabled: true } : {}),
    }));
    fs.writeFileSync(tmp, yaml.dump({ users }), { mode: 0o600 });
    try {
      if (expected !== undefined && this.snapshot().digest !== expected)
        throw new ApiError(
          409,
          'AccountsFileChanged',
          'The accounts file was changed by someone else meanwhile; nothing was written. Reload and try again.',
        );
      fs.renameSync(tmp, this.file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    } finally {
      this.cache = null;
    }
  }
}

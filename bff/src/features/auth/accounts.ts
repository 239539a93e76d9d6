import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { hash, verify } from '@node-rs/argon2';
import * as yaml from 'js-yaml';
import { z } from 'zod';
import { Namespaces, Role } from '../../contract/auth';

const Account = z.object({
  name: z.string().min(1).max(128),
  passwordHash: z
    .string()
    .regex(/^\$argon2(id|i|d)\$/, 'an argon2 hash (PHC string, as @node-rs/argon2 writes)'),
  role: Role,
  namespaces: Namespaces.default(['*']),
  mustChangePassword: z.boolean().default(false),
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
    const parsed = AccountsFile.safeParse(yaml.load(fs.readFileSync(this.file, 'utf8')) ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `The accounts file ${this.file} is invalid at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
      );
    }
    this.cache = { key, accounts: parsed.data.users };
    return parsed.data.users;
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
    const accounts = this.list();
    const account = accounts.find((a) => a.name === name);
    if (!account) throw new Error(`no account ${name}`);
    const passwordHash = await hashPassword(password);
    this.write(
      accounts.map((a) => (a.name === name ? { ...a, passwordHash, mustChangePassword: false } : a)),
    );
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
    };
    this.write([account]);
    return generated ? { name: account.name, password: generated } : null;
  }

  private write(accounts: Account[]): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const users = accounts.map((a) => ({
      name: a.name,
      passwordHash: a.passwordHash,
      role: a.role,
      namespaces: a.namespaces,
      ...(a.mustChangePassword ? { mustChangePassword: true } : {}),
    }));
    fs.writeFileSync(tmp, yaml.dump({ users }), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    this.cache = null;
  }
}

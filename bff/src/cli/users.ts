import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { Namespaces, PASSWORD_MIN_LENGTH, Role } from '../contract/auth';
import { defaultDataDir } from '../config';
import { hashPassword } from '../features/auth/accounts';

/**
 * Adds or updates a local account:
 *   npx tsx bff/src/cli/users.ts set <name> <viewer|operator|admin> [namespace,…]
 * The password is read from MESH_CONSOLE_PASSWORD, else generated and printed once; the account
 * must change a generated password at its first sign-in.
 */
async function main(): Promise<void> {
  const [command, name, role, namespaces = '*'] = process.argv.slice(2);
  if (command !== 'set' || !name || !Role.safeParse(role).success) {
    console.error(
      'usage: users.ts set <name> <viewer|operator|admin> [namespace,…]   (password from MESH_CONSOLE_PASSWORD)',
    );
    process.exit(2);
  }
  const ns = Namespaces.safeParse(namespaces.split(','));
  if (!ns.success) {
    console.error(`Invalid namespaces: ${ns.error.issues[0]?.message ?? ''}`);
    process.exit(2);
  }
  const given = process.env.MESH_CONSOLE_PASSWORD;
  if (given !== undefined && given.length < PASSWORD_MIN_LENGTH) {
    console.error(`MESH_CONSOLE_PASSWORD must have at least ${PASSWORD_MIN_LENGTH} characters`);
    process.exit(2);
  }
  const password = given ?? randomBytes(12).toString('base64url');
  const file =
    process.env.MESH_CONSOLE_USERS_FILE ??
    path.join(process.env.MESH_CONSOLE_DATA_DIR ?? defaultDataDir(), 'users.yaml');
  const doc = (fs.existsSync(file) ? yaml.load(fs.readFileSync(file, 'utf8')) : null) as {
    users?: Record<string, unknown>[];
  } | null;
  const users = (doc?.users ?? []).filter((u) => u.name !== name);
  users.push({
    name,
    passwordHash: await hashPassword(password),
    role,
    namespaces: ns.data,
    ...(given === undefined ? { mustChangePassword: true } : {}),
  });
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, yaml.dump({ users }), { mode: 0o600 });
  fs.renameSync(tmp, file);
  console.log(`${name} (${role}, namespaces ${ns.data.join(', ')}) written to ${file}`);
  if (given === undefined) console.log(`One-time password: ${password}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

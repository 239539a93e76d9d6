import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Namespaces, PASSWORD_MIN_LENGTH, Role } from '../contract/auth';
import { defaultDataDir } from '../config';
import { LocalAccounts, hashPassword } from '../features/auth/accounts';

/**
 * Adds or updates a local account:
 *   npx tsx bff/src/cli/users.ts set <name> <viewer|operator|admin> [namespace,…]
 * The password is read from MESH_CONSOLE_PASSWORD, else generated and printed once; the account
 * must change a generated password at its first sign-in. An existing account of that name is
 * replaced (and enabled again). Admins can do the same from the console's Users page.
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
  const passwordHash = await hashPassword(password);
  // The same writer as the console's Users page: atomic, and refused if the file changed meanwhile.
  await new LocalAccounts(file).transact(async (accounts) => ({
    accounts: [
      ...accounts.filter((u) => u.name !== name),
      {
        name,
        passwordHash,
        role: Role.parse(role),
        namespaces: ns.data,
        mustChangePassword: given === undefined,
        disabled: false,
      },
    ],
    result: undefined,
  }));
  console.log(`${name} (${role}, namespaces ${ns.data.join(', ')}) written to ${file}`);
  if (given === undefined) console.log(`One-time password: ${password}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

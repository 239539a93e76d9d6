import type { Router } from 'express';
import { apiRouter } from './router';
import { CreateTokenBody, CreateUserBody, UpdateUserBody } from '../contract/auth';
import type { ApiTokenList, CreatedToken, User, UserList } from '../contract/auth';
import type { LocalAccounts } from '../features/auth/accounts';
import { currentPrincipal } from '../lib/request-context';
import type { ApiTokens } from '../features/auth/tokens';
import { UserAdmin, usersFromProvider } from '../features/auth/users';
import { parseInput } from './validate';

/** Admin only (the policy table says so): API tokens and the local users. */
export function adminRouter(tokens: ApiTokens, accounts: LocalAccounts | null): Router {
  const router = apiRouter();

  router.get('/admin/tokens', async (_req, res) => {
    const body: ApiTokenList = { items: await tokens.list() };
    res.setHeader('cache-control', 'no-store');
    res.json(body);
  });

  router.post('/admin/tokens', async (req, res) => {
    const input = parseInput(CreateTokenBody, req.body);
    const body: CreatedToken = await tokens.create(input, currentPrincipal()?.name ?? 'unknown');
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(body);
  });

  router.delete('/admin/tokens/:id', async (req, res) => {
    await tokens.revoke(req.params.id);
    res.status(204).end();
  });

  // Local accounts only: with OIDC sign-in, users are the identity provider's (409 on changes).
  const users = accounts ? new UserAdmin(accounts) : null;
  const localUsers = (): UserAdmin => {
    if (!users) throw usersFromProvider();
    return users;
  };

  router.get('/admin/users', (_req, res) => {
    const body: UserList = { items: users?.list() ?? [] };
    res.setHeader('cache-control', 'no-store');
    res.json(body);
  });

  router.post('/admin/users', async (req, res) => {
    const admin = localUsers();
    const input = parseInput(CreateUserBody, req.body);
    const body: User = await admin.create(input);
    res.status(201).json(body);
  });

  router.patch('/admin/users/:name', async (req, res) => {
    const admin = localUsers();
    const input = parseInput(UpdateUserBody, req.body);
    const body: User = await admin.update(req.params.name, input, currentPrincipal()?.name);
    res.json(body);
  });

  router.delete('/admin/users/:name', async (req, res) => {
    await localUsers().remove(req.params.name, currentPrincipal()?.name);
    res.status(204).end();
  });

  return router;
}

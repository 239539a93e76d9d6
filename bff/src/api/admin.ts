import type { Router } from 'express';
import { apiRouter } from './router';
import { CreateTokenBody } from '../contract/auth';
import type { ApiTokenList, CreatedToken, UserList } from '../contract/auth';
import type { LocalAccounts } from '../features/auth/accounts';
import { currentPrincipal } from '../features/auth/context';
import type { ApiTokens } from '../features/auth/tokens';
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

  router.get('/admin/users', (_req, res) => {
    const body: UserList = {
      items: (accounts?.list() ?? []).map((a) => ({
        name: a.name,
        role: a.role,
        namespaces: a.namespaces,
        source: 'local' as const,
      })),
    };
    res.json(body);
  });

  return router;
}

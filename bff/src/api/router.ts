import { Router } from 'express';

/**
 * The router every API module uses. Paths match exactly, case and trailing slash included, because
 * that is how the policy table (features/auth/policy.ts) reads them: with Express's default
 * case-insensitive routing, `/Admin/tokens` would reach the admin router while the table saw no
 * admin path.
 */
export function apiRouter(): Router {
  return Router({ caseSensitive: true, strict: true });
}

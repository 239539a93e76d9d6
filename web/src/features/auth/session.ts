import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { apiGet, apiPath, apiPost, setCsrfToken } from '../../lib/api';
import type { LoginBody, PasswordChangeBody, Session, SessionUser, SignedInSession } from './contract';
import { decide } from './permissions';
import type { ChangeTarget, Permission } from './permissions';
import { isSafeReturnPath } from '../../../../bff/src/contract/return-to';

const SESSION_KEY = ['auth', 'session'] as const;

/** Keeps the API client's CSRF token in step with the session the SPA knows about. */
function remember(session: Session): Session {
  setCsrfToken(session.authenticated ? session.csrfToken : undefined);
  return session;
}

/**
 * GET /auth/session. Fetched once when the SPA starts and again after signing in or out; a 401
 * from any other API marks it signed out (see SessionProvider).
 */
const sessionQuery = queryOptions({
  queryKey: SESSION_KEY,
  queryFn: async ({ signal }) => remember(await apiGet<Session>(apiPath(['auth', 'session']), { signal })),
  staleTime: 5 * 60_000,
  retry: 1,
});

/** Puts a session the BFF answered with (sign-in, sign-out) in the cache. */
export function applySession(queryClient: QueryClient, session: Session): void {
  queryClient.setQueryData(SESSION_KEY, remember(session));
}

/** Marks the session signed out, keeping the sign-in methods the page should offer. */
export function markSignedOut(queryClient: QueryClient): void {
  const previous = queryClient.getQueryData<Session>(SESSION_KEY);
  applySession(queryClient, {
    authenticated: false,
    methods: previous?.methods ?? { local: true, oidc: false },
  });
}

/** Drops everything cached for the previous user, keeping only the session itself. */
function forgetUserData(queryClient: QueryClient): void {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
}

export interface SessionState {
  session: Session | undefined;
  user: SessionUser | undefined;
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => void;
}

/** The signed-in user (undefined while loading or when signed out). */
export function useSession(): SessionState {
  const query = useQuery(sessionQuery);
  const session = query.data;
  return {
    session,
    user: session?.authenticated ? session.user : undefined,
    isPending: query.isPending,
    isError: query.isError,
    error: query.error,
    refetch: () => void query.refetch(),
  };
}

export interface Can {
  allowed: boolean;
  /** Why not, to show beside the hidden or disabled control. */
  reason: string | undefined;
}

/**
 * Whether the signed-in user may do `permission` (in `namespace`), and if not, why, in the UI's
 * language: `useCan('changeRoutes', service)` (its namespace, and its conflict if any).
 */
export function useCan(permission: Permission, target?: string | ChangeTarget): Can {
  const { t } = useTranslation('auth');
  const { user } = useSession();
  const decision = decide(user, permission, target);
  if (decision.allowed) return { allowed: true, reason: undefined };
  const { key, ...values } = decision.denial;
  return { allowed: false, reason: t(`deny.${key}`, values) };
}

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: LoginBody) =>
      (await apiPost<SignedInSession>(apiPath(['auth', 'login']), body)) as SignedInSession,
    onSuccess: (session) => {
      forgetUserData(queryClient);
      applySession(queryClient, session);
    },
  });
}

export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: PasswordChangeBody) => apiPost<undefined>(apiPath(['auth', 'password']), body),
    onSuccess: () => queryClient.fetchQuery({ ...sessionQuery, staleTime: 0 }),
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiPost<undefined>(apiPath(['auth', 'logout'])),
    onSuccess: () => {
      forgetUserData(queryClient);
      markSignedOut(queryClient);
    },
  });
}

/**
 * Where to go after signing in: a path of this console (never another site, never the sign-in
 * page itself), else the services list.
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (!isSafeReturnPath(value)) return '/services';
  if (value === '/signin' || value.startsWith('/signin?') || value.startsWith('/api/')) return '/services';
  return value;
}

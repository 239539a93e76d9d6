import { useQueryClient } from '@tanstack/react-query';
import { Flex, Spin } from 'antd';
import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { QueryErrorAlert } from '../../components/QueryErrorAlert';
import { onUnauthenticated, signInPath } from '../../lib/api';
import { markSignedOut, useSession } from './session';

/**
 * On a 401 from any API (the session expired or was signed out elsewhere), marks the session
 * signed out and moves to the sign-in page inside the SPA, remembering where the user was.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const here = useRef(location);
  useEffect(() => {
    here.current = location;
  }, [location]);

  useEffect(
    () =>
      onUnauthenticated(() => {
        const { pathname, search } = here.current;
        markSignedOut(queryClient);
        if (pathname === '/signin') return;
        void navigate(signInPath(`${pathname}${search}`), { replace: true });
      }),
    [queryClient, navigate],
  );

  return children;
}

/** Renders its children for a signed-in user; anyone else goes to sign in, and comes back here. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { t } = useTranslation('auth');
  const { pathname, search } = useLocation();
  const { session, isPending, isError, error, refetch } = useSession();

  if (isPending) {
    return (
      <Flex align="center" justify="center" style={{ minHeight: '100vh' }}>
        <Spin aria-label={t('session.loading')} />
      </Flex>
    );
  }
  if (isError || !session) {
    return (
      <Flex justify="center" style={{ padding: '15vh 16px' }}>
        <div style={{ width: 'min(560px, 100%)' }}>
          <QueryErrorAlert title={t('session.loadFailed')} error={error} onRetry={refetch} />
        </div>
      </Flex>
    );
  }
  if (!session.authenticated || session.user.mustChangePassword) {
    return <Navigate to={signInPath(`${pathname}${search}`)} replace />;
  }
  return children;
}

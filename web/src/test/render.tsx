import type { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, useLocation } from 'react-router';
import { App } from '../App';
import type { Session } from '../features/auth/contract';
import { applySession } from '../features/auth/session';
import { createQueryClient } from '../lib/queryClient';
import { adminSession } from './session';

/** What the router's location is, as the app last rendered it. */
interface LocationProbe {
  pathname: string;
  search: URLSearchParams;
}

function LocationSpy({ probe }: { probe: LocationProbe }) {
  const location = useLocation();
  probe.pathname = location.pathname;
  probe.search = new URLSearchParams(location.search);
  return null;
}

/**
 * A QueryClient for one test. It already knows the session (an admin unless `session` says
 * otherwise), so pages render at once, as they do in the browser after the first load; pair a
 * different session with `server.use(sessionHandler(...))` for anything that fetches it again.
 */
export function createTestQueryClient({
  session = adminSession(),
}: { session?: Session | null } = {}): QueryClient {
  const queryClient = createQueryClient({ retry: false, staleTime: 0, gcTime: Infinity });
  if (session) applySession(queryClient, session);
  return queryClient;
}

/** Renders the whole console at `path`, with a fresh QueryClient and an in-memory router. */
export function renderApp(path: string, queryClient: QueryClient = createTestQueryClient()) {
  const location: LocationProbe = { pathname: '', search: new URLSearchParams() };
  const ui: ReactElement = (
    <MemoryRouter initialEntries={[path]}>
      <App queryClient={queryClient} />
      <LocationSpy probe={location} />
    </MemoryRouter>
  );
  return { ...render(ui), location, queryClient };
}

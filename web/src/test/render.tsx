import type { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, useLocation } from 'react-router';
import { App } from '../App';
import { createQueryClient } from '../lib/queryClient';

/** What the router's location is, as the app last rendered it. */
export interface LocationProbe {
  pathname: string;
  search: URLSearchParams;
}

function LocationSpy({ probe }: { probe: LocationProbe }) {
  const location = useLocation();
  probe.pathname = location.pathname;
  probe.search = new URLSearchParams(location.search);
  return null;
}

export function createTestQueryClient(): QueryClient {
  return createQueryClient({ retry: false, staleTime: 0, gcTime: Infinity });
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

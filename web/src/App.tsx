import type { QueryClient } from '@tanstack/react-query';
import { lazy } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { AppLayout } from './app/AppLayout';
import { AppProviders } from './app/AppProviders';
import { NotFoundPage } from './app/NotFoundPage';
import { ServiceDetailPage } from './features/catalog/ServiceDetailPage';
import { ServicesPage } from './features/catalog/ServicesPage';
import { RequireSession, SessionProvider } from './features/auth/SessionProvider';
import { SignInPage } from './features/auth/SignInPage';
import './lib/i18n';

// Split off so their graph and chart libraries stay out of the first bundle.
const TopologyPage = lazy(() =>
  import('./features/topology/TopologyPage').then((m) => ({ default: m.TopologyPage })),
);
// Its own chunk: most visits are to a service, and this page lists the whole mesh.
const IstioConfigPage = lazy(() =>
  import('./features/istio-config/IstioConfigPage').then((m) => ({ default: m.IstioConfigPage })),
);
const MonitoringPage = lazy(() =>
  import('./features/monitoring/MonitoringPage').then((m) => ({ default: m.MonitoringPage })),
);

// Admin pages: most users never open them.
const AuditPage = lazy(() => import('./features/audit/AuditPage').then((m) => ({ default: m.AuditPage })));
const TokensPage = lazy(() => import('./features/admin/TokensPage').then((m) => ({ default: m.TokensPage })));
const UsersPage = lazy(() => import('./features/admin/UsersPage').then((m) => ({ default: m.UsersPage })));

function AppRoutes() {
  return (
    <Routes>
      <Route path="signin" element={<SignInPage />} />
      <Route
        element={
          <RequireSession>
            <AppLayout />
          </RequireSession>
        }
      >
        <Route index element={<Navigate to="/services" replace />} />
        <Route path="services" element={<ServicesPage />} />
        <Route path="services/:id" element={<ServiceDetailPage />} />
        <Route path="topology" element={<TopologyPage />} />
        <Route path="istio-config" element={<IstioConfigPage />} />
        <Route path="monitoring" element={<MonitoringPage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="admin/tokens" element={<TokensPage />} />
        <Route path="admin/users" element={<UsersPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** The console; the router comes from outside (BrowserRouter in the browser, MemoryRouter in tests). */
export function App({ queryClient }: { queryClient: QueryClient }) {
  return (
    <AppProviders queryClient={queryClient}>
      <SessionProvider>
        <AppRoutes />
      </SessionProvider>
    </AppProviders>
  );
}

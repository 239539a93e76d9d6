import type { QueryClient } from '@tanstack/react-query';
import { lazy } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { AppLayout } from './app/AppLayout';
import { AppProviders } from './app/AppProviders';
import { NotFoundPage } from './app/NotFoundPage';
import { ServiceDetailPage } from './features/catalog/ServiceDetailPage';
import { ServicesPage } from './features/catalog/ServicesPage';
import './lib/i18n';

// Split off so their graph and chart libraries stay out of the first bundle.
const TopologyPage = lazy(() =>
  import('./features/topology/TopologyPage').then((m) => ({ default: m.TopologyPage })),
);
const MonitoringPage = lazy(() =>
  import('./features/monitoring/MonitoringPage').then((m) => ({ default: m.MonitoringPage })),
);

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<Navigate to="/services" replace />} />
        <Route path="services" element={<ServicesPage />} />
        <Route path="services/:id" element={<ServiceDetailPage />} />
        <Route path="topology" element={<TopologyPage />} />
        <Route path="monitoring" element={<MonitoringPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** The console; the router comes from outside (BrowserRouter in the browser, MemoryRouter in tests). */
export function App({ queryClient }: { queryClient: QueryClient }) {
  return (
    <AppProviders queryClient={queryClient}>
      <AppRoutes />
    </AppProviders>
  );
}

import { serviceMetrics } from '../monitoring/testing';
import { render, screen, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import type { UserEvent } from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { MemoryRouter } from 'react-router';
import { AppProviders } from '../../app/AppProviders';
import type { ServiceDetail } from '../../lib/contract';
import { ECHO_ID, ECHO_V1, ECHO_V2, echoDetail } from '../../test/fixtures';
import { createTestQueryClient } from '../../test/render';
import { server } from '../../test/server';
import { sessionHandler } from '../../test/session';
import type { Session } from '../auth/contract';
import { contractMessage } from '../../../../bff/src/contract/messages';
import type {
  MergedSubsets,
  PreviewResponse,
  Revision,
  RouteApiChoice,
  RouteFormValue,
  RouteListResponse,
  RouteRule,
  RouteScope,
} from './contract';
import { RoutesTab } from './RoutesTab';

// Test helpers for the routing UI: fixtures and an in-memory BFF behind msw.

export { ECHO_ID, ECHO_V1, ECHO_V2, echoDetail };

/** The value, or a test failure saying it is missing. */
export function must<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('Expected a value');
  return value;
}

export const ROUTES = '*/api/v1/services/:id/routes';

export function versionForm(weights: [string, number][], name = 'echo-split'): RouteFormValue {
  return {
    name,
    routeType: 'version',
    trafficSplit: true,
    destinations: weights.map(([version, weight]) => ({ version, weight })),
    matches: [],
  };
}

/** The scope of one of the service's own rules: in its namespace, on its host, for the mesh. */
export function ownScope(overrides: Partial<RouteScope> = {}): RouteScope {
  return {
    namespace: 'dubbo-demo',
    match: 'exact',
    host: echoDetail.host,
    appliesAt: { mesh: true, gateways: [] },
    exportTo: ['*'],
    effect: 'in-effect',
    missingGateways: [],
    editable: true,
    ...overrides,
  };
}

/** The scope of a rule bound to gateways alone (none of them the mesh). */
export function gatewayScope(gateways: string[], overrides: Partial<RouteScope> = {}): RouteScope {
  return ownScope({ appliesAt: { mesh: false, gateways }, effect: 'gateway', ...overrides });
}

/** An HTTP service of an ambient namespace with a waypoint: routed with the Gateway API. */
export const reviewsDetail: ServiceDetail = {
  ...echoDetail,
  id: 'reviews.bookinfo-ambient.svc.cluster.local',
  name: 'reviews',
  application: 'reviews',
  namespace: 'bookinfo-ambient',
  protocol: 'http',
  host: 'reviews.bookinfo-ambient.svc.cluster.local',
  versions: ['v1', 'v2'],
  ports: [{ name: 'http', port: 9080, protocol: 'http' }],
  versionDetails: [
    { version: 'v1', instances: 1, ready: 1, platforms: ['kubernetes'] },
    { version: 'v2', instances: 1, ready: 1, platforms: ['kubernetes'] },
  ],
  providers: [],
  sources: [{ kind: 'Service', namespace: 'bookinfo-ambient', name: 'reviews' }],
};

/** The list's choice for an ambient namespace with a waypoint. */
export const GATEWAY_API_CHOICE: RouteApiChoice = {
  api: 'gateway-api',
  kind: 'HTTPRoute',
  reason: contractMessage('routeApi.ambientWaypoint', {
    service: 'reviews',
    waypoint: 'waypoint',
    kind: 'HTTPRoute',
  }),
};

/** An HTTPRoute whose parentRefs name the service (GAMMA), as the BFF lists it. */
export function httpRoute(overrides: Partial<RouteRule> = {}): RouteRule {
  const name = overrides.name ?? 'reviews-split';
  return rule({
    name,
    ref: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      namespace: 'bookinfo-ambient',
      name,
    },
    form: versionForm(
      [
        ['v1', 20],
        ['v2', 80],
      ],
      name,
    ),
    scope: ownScope({ namespace: 'bookinfo-ambient', host: reviewsDetail.host }),
    yaml: `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: ${name}\n  namespace: bookinfo-ambient\nspec:\n  parentRefs:\n    - kind: Service\n      name: reviews\n`,
    ...overrides,
  });
}

/** A rule lives where its scope says (the service's namespace unless told otherwise). */
export function rule(overrides: Partial<RouteRule> = {}): RouteRule {
  const name = overrides.name ?? 'echo-split';
  const namespace = overrides.scope?.namespace ?? 'dubbo-demo';
  return {
    name,
    ref: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name },
    resourceVersion: '101',
    managedByConsole: true,
    managedBy: 'mesh-console',
    form: versionForm(
      [
        [ECHO_V1, 20],
        [ECHO_V2, 80],
      ],
      name,
    ),
    reasons: [],
    scope: ownScope(),
    kept: [],
    problems: [],
    yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  hosts:\n    - ${echoDetail.host}\n`,
    ...overrides,
  };
}

/**
 * A rule of another namespace that names the service's host: shown on the tab read-only, opening
 * as YAML with the BFF's reason.
 */
export function otherNamespaceRule(
  name: string,
  namespace: string,
  scope: Partial<RouteScope> = {},
): RouteRule {
  return rule({
    name,
    managedByConsole: false,
    managedBy: 'kubectl',
    form: null,
    reasons: [contractMessage('yaml.otherNamespace', { namespace })],
    scope: ownScope({ namespace, editable: false, ...scope }),
  });
}

/** The host's DestinationRules merged: v1 and v2 of the service's own, canary of a second one. */
export function mergedSubsets(overrides: Partial<MergedSubsets> = {}): MergedSubsets {
  return {
    subsets: [
      {
        name: 'v1',
        labels: { version: ECHO_V1 },
        from: { namespace: 'dubbo-demo', name: 'echo' },
        version: ECHO_V1,
      },
      {
        name: 'v2',
        labels: { version: ECHO_V2 },
        from: { namespace: 'dubbo-demo', name: 'echo' },
        version: ECHO_V2,
      },
      {
        name: 'canary',
        labels: { track: 'canary' },
        from: { namespace: 'dubbo-demo', name: 'echo-canary' },
        version: null,
      },
    ],
    trafficPolicy: {
      yaml: 'loadBalancer:\n  simple: ROUND_ROBIN\n',
      from: { namespace: 'dubbo-demo', name: 'echo' },
    },
    ignored: [],
    ...overrides,
  };
}

export function listOf(items: RouteRule[], overrides: Partial<RouteListResponse> = {}): RouteListResponse {
  return {
    dialect: 'istio',
    items,
    destinationRules: [],
    merged: null,
    gateways: [],
    warnings: [],
    ...overrides,
  };
}

export function previewOf(name = 'echo-split', overrides: Partial<PreviewResponse> = {}): PreviewResponse {
  return {
    dialect: 'istio',
    objects: [
      {
        action: 'create',
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        namespace: 'dubbo-demo',
        name,
        yaml: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\n`,
        diff: `--- /dev/null\n+++ new/${name}\n@@ -0,0 +1,3 @@\n+apiVersion: networking.istio.io/v1\n+kind: VirtualService\n-removed: line\n`,
      },
    ],
    warnings: [],
    ...overrides,
  };
}

export function revision(n: number, overrides: Partial<Revision> = {}): Revision {
  return {
    revision: n,
    action: n === 1 ? 'create' : 'update',
    user: 'anonymous',
    timestamp: `2025-01-0${n}T10:00:00Z`,
    objects: [],
    diff: `--- live/echo-split\n+++ new/echo-split\n@@ -1 +1 @@\n-weight: 20\n+weight: ${n * 10}\n`,
    ...overrides,
  };
}

interface Recorded {
  method: string;
  path: string;
  search: URLSearchParams;
  body: unknown;
}

/** Serves the list and records every routing request (method, decoded path, query, JSON body). */
export function serveRoutes(
  list: RouteListResponse | (() => RouteListResponse),
  options: { telemetryDown?: boolean } = {},
) {
  const requests: Recorded[] = [];
  const record = async (request: Request) => {
    const url = new URL(request.url);
    const text = request.method === 'GET' || request.method === 'DELETE' ? '' : await request.text();
    requests.push({
      method: request.method,
      path: decodeURIComponent(url.pathname),
      search: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
    });
  };
  server.use(
    http.get(ROUTES, async ({ request }) => {
      await record(request);
      return HttpResponse.json(typeof list === 'function' ? list() : list);
    }),
    // The observed split beside the rules: 20/80, unless a test says telemetry is down.
    http.get('*/api/v1/services/:id/metrics', () =>
      options.telemetryDown
        ? HttpResponse.json(
            { code: 'TelemetryUnavailable', message: 'Prometheus is unreachable' },
            { status: 503 },
          )
        : HttpResponse.json(serviceMetrics()),
    ),
    // The tab's canary releases (features/releases): none, unless a test serves its own.
    http.get('*/api/v1/services/:id/releases', () => HttpResponse.json({ items: [] })),
  );
  return { requests, record };
}

/** Renders the tab as the admin, unless `session` says who is signed in. */
export function renderRoutesTab(service: ServiceDetail = echoDetail, session?: Session) {
  if (session) server.use(sessionHandler(session));
  const queryClient = createTestQueryClient(session ? { session } : {});
  return {
    ...render(
      <AppProviders queryClient={queryClient}>
        {/* The tab lives on the service page, inside the app's router. */}
        <MemoryRouter>
          <RoutesTab service={service} />
        </MemoryRouter>
      </AppProviders>,
    ),
    queryClient,
  };
}

// Interactions with the form, shared by the editor tests.

export const weightOf = (version: string) => `Weight of ${version}`;

// Role queries walk antd's large DOM computing styles (about a second each in jsdom), so most
// lookups go by label, and role queries stay inside small containers such as the drawer footer.
export const byLabel = (container: HTMLElement, label: string | RegExp) =>
  within(container).getByLabelText(label);
export const footerOf = (drawer: HTMLElement) =>
  must(drawer.querySelector<HTMLElement>('.ant-drawer-footer'));
// user-event checks `pointer-events` up the tree with getComputedStyle on every action, which
// over antd's CSS costs most of a test's time in jsdom; the e2e spec clicks for real.
export const setupUser = () => userEvent.setup({ pointerEventsCheck: PointerEventsCheckLevel.Never });
export const weightsGroup = (drawer: HTMLElement, name = 'Version weights') =>
  within(drawer).getByLabelText(name, { selector: '[role=group]' });

export async function openAddForm(user: UserEvent) {
  await user.click(await screen.findByRole('button', { name: 'Add routing rule' }));
  return screen.findByRole('dialog', { name: 'Add routing rule' });
}

/** Switches a row to manual input and types its weight. */
export async function typeWeight(user: UserEvent, drawer: HTMLElement, version: string, weight: number) {
  const manual = within(drawer).queryByLabelText(`Switch to manual input for ${version}`);
  if (manual) await user.click(manual);
  const input = byLabel(drawer, weightOf(version));
  await user.clear(input);
  // One input event rather than one per digit: each re-renders the whole drawer.
  await user.paste(String(weight));
}

export function submitButton(drawer: HTMLElement, name = 'Submit') {
  return within(footerOf(drawer)).getByRole('button', { name });
}

/** The open "Discard unsaved changes?" confirmation (antd's confirm modal, found by its title). */
export async function discardConfirmation() {
  const titles = await screen.findAllByText('Discard unsaved changes?');
  return must(titles.at(-1)?.closest<HTMLElement>('.ant-modal-container, .ant-modal-content, .ant-modal'));
}

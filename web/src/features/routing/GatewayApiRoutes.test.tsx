// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { i18n } from '../../lib/i18n';
import { server } from '../../test/server';
import { contractMessage } from '../../../../bff/src/contract/messages';
import {
  GATEWAY_API_CHOICE,
  ROUTES,
  byLabel,
  httpRoute,
  listOf,
  must,
  openAddForm,
  ownScope,
  previewOf,
  renderRoutesTab,
  reviewsDetail,
  serveRoutes,
  setupUser,
  submitButton,
} from './testing';

/**
 * Issue 15: a namespace routed with the Kubernetes Gateway API. The tab and the preview say which
 * API and why; the form writes HTTPRoutes (no Istio gateways, no source labels, relative weights
 * written as exact percentages) and gains query parameter conditions.
 */

const REASON =
  'reviews is in ambient mode and uses waypoint waypoint: Istio routes it with the Gateway API (VirtualService is only a technical preview there), so routes are HTTPRoutes';

/** Chooses an option of an antd Select by its text. */
async function choose(user: UserEvent, select: HTMLElement, label: string) {
  await user.click(select);
  const option = await waitFor(() =>
    must(
      [...document.querySelectorAll<HTMLElement>('.ant-select-item-option')].find(
        (o) => o.textContent === label && o.getAttribute('aria-disabled') !== 'true',
      ),
    ),
  );
  await user.click(option);
}

async function fill(user: UserEvent, input: HTMLElement, text: string) {
  await user.click(input);
  await user.paste(text);
}

describe('Routing with the Gateway API', () => {
  it('says which API and why, lists the HTTPRoute with its kind, and edits it without Istio gateways', async () => {
    const waypoint = httpRoute({
      scope: ownScope({
        namespace: 'bookinfo-ambient',
        host: reviewsDetail.host,
        appliesAt: { mesh: true, gateways: ['bookinfo-ambient/waypoint'] },
      }),
    });
    const { record } = serveRoutes(
      listOf([waypoint], {
        routeApi: GATEWAY_API_CHOICE,
        // Istio Gateways exist in the mesh: the form must still not offer them for an HTTPRoute.
        gateways: ['istio-system/ingressgateway'],
        warnings: [
          {
            code: 'backend-service-created',
            message: contractMessage('gatewayApi.backendCreated', {
              name: 'reviews-v1',
              version: 'v1',
              service: 'reviews',
            }),
          },
        ],
      }),
    );
    server.use(
      http.post(`${ROUTES}/preview`, async ({ request }) => {
        await record(request);
        return HttpResponse.json(
          previewOf('reviews-split', {
            routeApi: GATEWAY_API_CHOICE,
            objects: [
              ...previewOf('reviews-split').objects.map((o) => ({
                ...o,
                apiVersion: 'gateway.networking.k8s.io/v1',
                kind: 'HTTPRoute',
                namespace: 'bookinfo-ambient',
              })),
              {
                action: 'create',
                apiVersion: 'v1',
                kind: 'Service',
                namespace: 'bookinfo-ambient',
                name: 'reviews-v2',
                yaml: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews-v2\n',
                diff: '',
              },
            ],
            warnings: [
              {
                code: 'reordered-by-gateway-api',
                message: contractMessage('gatewayApi.reordered', { later: '2', earlier: '1' }),
              },
            ],
          }),
        );
      }),
    );
    const user = setupUser();
    renderRoutesTab(reviewsDetail);

    const note = await screen.findByRole('note', { name: 'Route API' });
    expect(note).toHaveTextContent('Rules are written as HTTPRoute (Kubernetes Gateway API)');
    expect(note).toHaveTextContent(REASON);
    expect(
      screen.getByText(
        'Service reviews-v1 will be created to select version v1 of reviews: Gateway API routes send traffic to Services, one per version',
      ),
    ).toBeInTheDocument();
    const row = must((await screen.findByText('reviews-split')).closest('tr'));
    expect(within(row).getByText('HTTPRoute')).toBeInTheDocument();
    // The tab speaks Chinese too.
    await i18n.changeLanguage('zh-CN');
    expect(screen.getByRole('note', { name: '路由 API' })).toHaveTextContent(
      '规则以 HTTPRoute（Kubernetes Gateway API）写入',
    );
    expect(screen.getByRole('note', { name: '路由 API' })).toHaveTextContent(
      'reviews 处于 ambient 模式并使用 waypoint waypoint',
    );
    await i18n.changeLanguage('en-US');

    await user.click(within(row).getByLabelText('Edit reviews-split'));
    const drawer = await screen.findByRole('dialog', { name: 'Edit routing rule' });
    expect(byLabel(drawer, 'Route API')).toHaveValue('HTTPRoute (Kubernetes Gateway API)');
    expect(within(drawer).getByText(REASON)).toBeInTheDocument();
    // Parent refs are the HTTPRoute's own: shown, not offered as Istio Gateways.
    expect(within(drawer).queryByRole('combobox', { name: 'Gateways' })).not.toBeInTheDocument();
    expect(byLabel(drawer, 'Parent gateways')).toHaveValue('bookinfo-ambient/waypoint');
    expect(byLabel(drawer, 'Parent gateways')).toHaveAttribute('readonly');
    expect(
      within(drawer).getByText(
        'Gateway API weights are relative: the console writes your exact percentages, so they must still total 100%.',
      ),
    ).toBeInTheDocument();

    await user.click(submitButton(drawer, 'Preview'));
    const preview = await within(drawer).findByLabelText('Preview', { selector: 'section' });
    // The per-version Service the change creates is listed with its action.
    const service = must(
      within(preview).getByText('Service bookinfo-ambient/reviews-v2').closest<HTMLElement>('.ant-card'),
    );
    expect(within(service).getByText('Create')).toBeInTheDocument();
    expect(within(preview).getByText('HTTPRoute bookinfo-ambient/reviews-split')).toBeInTheDocument();
    expect(
      within(preview).getByText(/^Gateway API tries condition 2 before condition 1: the more specific match/),
    ).toBeInTheDocument();
    expect(within(preview).getByRole('note', { name: 'Route API of this preview' })).toHaveTextContent(
      'Rules are written as HTTPRoute (Kubernetes Gateway API)',
    );
  });

  it('adds a query parameter condition: the contract flags a bad regex as it is typed, keeps it, and sends the fixed one', async () => {
    const { requests, record } = serveRoutes(listOf([], { routeApi: GATEWAY_API_CHOICE }));
    server.use(
      http.post(ROUTES, async ({ request }) => {
        await record(request);
        return HttpResponse.json(httpRoute({ name: 'by-user' }), { status: 201 });
      }),
    );
    const user = setupUser();
    renderRoutesTab(reviewsDetail);
    const drawer = await openAddForm(user);
    // Pasted, not typed: each keystroke re-renders the whole drawer, slow in jsdom.
    await fill(user, byLabel(drawer, 'Rule name'), 'by-user');
    await user.click(within(byLabel(drawer, 'Route type')).getByLabelText('Condition route'));

    const condition = within(drawer).getByLabelText('Condition 1', { selector: '[role=group]' });
    // An HTTPRoute cannot match on the caller's labels.
    expect(within(condition).queryByText('Source application labels')).not.toBeInTheDocument();
    await user.click(within(condition).getByText('Add query parameter'));
    const param = within(condition).getByLabelText('Query parameter 1', { selector: '[role=group]' });
    await fill(user, byLabel(param, 'Parameter name'), 'user');
    await choose(user, byLabel(param, 'Match type'), 'Regex');
    const value = byLabel(param, 'Value');
    await fill(user, value, 'u(');

    const error = await within(param).findByText(/^Not a valid RE2 regular expression/);
    expect(error.closest('.ant-form-item')).toContainElement(value);
    expect(value).toHaveValue('u(');

    await user.clear(value);
    await user.paste('^u[0-9]+$');
    expect(within(param).queryByText(/^Not a valid RE2 regular expression/)).not.toBeInTheDocument();
    await user.click(submitButton(drawer));
    await screen.findByText('Routing rule by-user saved');
    const post = must(requests.find((r) => r.method === 'POST'));
    expect(post.body).toMatchObject({
      name: 'by-user',
      routeType: 'condition',
      matches: [{ match: { queryParams: [{ name: 'user', type: 'regex', value: '^u[0-9]+$' }] } }],
    });
    // Nothing the form does not edit for an HTTPRoute is sent.
    expect(post.body).not.toHaveProperty('gateways');
  });
});

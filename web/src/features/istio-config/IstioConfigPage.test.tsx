// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import { EditorView } from '@uiw/react-codemirror';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { contractMessage } from '../../../../bff/src/contract/messages';
import { i18n } from '../../lib/i18n';
import { ECHO_ID, echoDetail } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { server } from '../../test/server';
import { must, setupUser } from '../routing/testing';
import type { IstioConfigList } from './contract';
import { configItem, meshConfig } from './testing';

const CONFIG_URL = '*/api/v1/istio-config';

/** Serves `list` (or what it returns for the request's query) and records every query asked. */
function serveConfig(list: IstioConfigList | ((query: URLSearchParams) => IstioConfigList) = meshConfig()) {
  const requests: URLSearchParams[] = [];
  server.use(
    http.get(CONFIG_URL, ({ request }) => {
      const query = new URL(request.url).searchParams;
      requests.push(query);
      return HttpResponse.json(typeof list === 'function' ? list(query) : list);
    }),
  );
  return requests;
}

const table = async () =>
  within(await screen.findByRole('region', { name: 'Istio configuration objects' }, { timeout: 10_000 }));

/** The table row of `kind` `namespace/name`. */
const rowOf = (kind: string, namespace: string, name: string) =>
  within(must(document.querySelector<HTMLElement>(`tr[data-row-key="${kind}/${namespace}/${name}"]`)));

afterEach(async () => {
  await i18n.changeLanguage('en-US');
});

describe('Istio config page', () => {
  it('is in the main navigation after Topology', async () => {
    serveConfig();
    renderApp('/istio-config');
    const nav = within(await screen.findByLabelText('Main navigation'));
    const links = nav.getAllByRole('link').map((l) => l.textContent);
    expect(links.slice(0, 3)).toEqual(['Services', 'Topology', 'Istio config']);
    expect(nav.getByRole('link', { name: 'Istio config' })).toHaveAttribute('href', '/istio-config');
  });

  it('lists every object with its hosts, where it applies, who manages it, and the summary', async () => {
    serveConfig();
    renderApp('/istio-config');
    const rows = (await table()).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-row-key'))).toEqual([
      'VirtualService/bookinfo/reviews',
      'DestinationRule/bookinfo/reviews',
      'VirtualService/bookinfo/bookinfo',
      'Gateway/bookinfo/bookinfo-gateway',
      'VirtualService/dubbo-demo/echo-split',
    ]);
    const summary = within(screen.getByRole('region', { name: 'Summary' }));
    expect(summary.getByText('Objects').closest('.ant-statistic')).toHaveTextContent('5');
    expect(summary.getByText('Errors').closest('.ant-statistic')).toHaveTextContent('1');
    expect(summary.getByText('Warnings').closest('.ant-statistic')).toHaveTextContent('2');

    // A rule with no gateways is mesh routing; a gateway-bound one applies at its gateway only.
    const reviews = rowOf('VirtualService', 'bookinfo', 'reviews');
    expect(reviews.getByText('Mesh')).toBeInTheDocument();
    expect(reviews.getByText('kubectl')).toBeInTheDocument();
    const front = rowOf('VirtualService', 'bookinfo', 'bookinfo');
    expect(front.getByText('Gateway bookinfo-gateway')).toBeInTheDocument();
    expect(front.queryByText('Mesh')).not.toBeInTheDocument();
    expect(front.getByText('*')).toBeInTheDocument();
    const echo = rowOf('VirtualService', 'dubbo-demo', 'echo-split');
    expect(echo.getByText('Mesh')).toBeInTheDocument();
    expect(echo.getByText('Gateway istio-system/edge')).toBeInTheDocument();
    expect(echo.getByText('This console')).toBeInTheDocument();
    expect(rowOf('Gateway', 'bookinfo', 'bookinfo-gateway').getByText('Unknown')).toBeInTheDocument();
    // A DestinationRule is bound to neither.
    expect(rowOf('DestinationRule', 'bookinfo', 'reviews').queryByText('Mesh')).not.toBeInTheDocument();
  });

  it('shows errors red, warnings orange and valid objects green, with each check reachable from the keyboard', async () => {
    serveConfig();
    renderApp('/istio-config');
    await table();

    const broken = rowOf('VirtualService', 'bookinfo', 'reviews');
    const badge = broken.getByRole('button', {
      name: 'Validation of VirtualService reviews: 1 error, 1 warning',
    });
    expect(within(badge).getByText('1 error').closest('.ant-tag')).toHaveClass('ant-tag-error');
    expect(within(badge).getByText('1 warning').closest('.ant-tag')).toHaveClass('ant-tag-orange');
    expect(broken.queryByText('Valid')).not.toBeInTheDocument();
    expect(badge).toHaveAttribute('aria-expanded', 'false');

    const warned = rowOf('DestinationRule', 'bookinfo', 'reviews');
    expect(warned.getByRole('button', { name: /: 1 warning$/ })).toBeInTheDocument();
    expect(warned.queryByText(/error/)).not.toBeInTheDocument();

    const valid = rowOf('VirtualService', 'bookinfo', 'bookinfo');
    expect(valid.getByText('Valid').closest('.ant-tag')).toHaveClass('ant-tag-success');
    expect(valid.queryByRole('button', { name: /Validation/ })).not.toBeInTheDocument();

    // Tab to the badge and open it with the keyboard: the checks, worst first, with their paths.
    const user = setupUser();
    badge.focus();
    await user.keyboard('{Enter}');
    expect(badge).toHaveAttribute('aria-expanded', 'true');
    const list = await screen.findByRole('list', { name: 'Checks of VirtualService reviews' });
    expect(badge).toHaveAttribute('aria-controls', list.id);
    const items = within(list).getAllByRole('listitem');
    expect(items.map((i) => i.textContent)).toEqual([
      'ErrorSubset v4 is not defined in any DestinationRule for reviews.bookinfo.svc.cluster.localAt spec.http[0].route[1] · subset-not-found',
      'WarningThe weights of route 1 total 90, not 100At spec.http[0] · weights-not-100',
    ]);
    await user.keyboard('{Enter}');
    await waitFor(() =>
      expect(
        screen.queryByRole('list', { name: 'Checks of VirtualService reviews' }),
      ).not.toBeInTheDocument(),
    );
  });

  it('sends the filters as the request’s query, keeps them in the address, and clears them', async () => {
    const requests = serveConfig();
    const user = setupUser();
    const { location } = renderApp('/istio-config?kind=VirtualService&severity=bogus');
    await table();
    // A link's kind is asked for; a value the page does not know is not.
    expect(requests.some((q) => q.get('kind') === 'VirtualService' && !q.has('severity'))).toBe(true);

    await user.click(screen.getByRole('combobox', { name: 'Filter by namespace' }));
    await user.click(await screen.findByTitle('dubbo-demo'));
    await waitFor(() => expect(requests.at(-1)?.get('namespace')).toBe('dubbo-demo'));
    expect(requests.at(-1)?.get('kind')).toBe('VirtualService');

    // Services are chosen by name, sent by catalog ID.
    await user.click(screen.getByRole('combobox', { name: 'Filter by service' }));
    await user.click(await screen.findByTitle(`dubbo-demo/com.alibaba.dubbo.samples.echo.api.EchoService`));
    await waitFor(() => expect(requests.at(-1)?.get('service')).toBe(ECHO_ID));

    await user.click(screen.getByRole('combobox', { name: 'Filter by validation' }));
    await user.click(await screen.findByTitle('Only with errors'));
    await waitFor(() => expect(requests.at(-1)?.get('severity')).toBe('error'));
    expect(Object.fromEntries(location.search)).toEqual({
      kind: 'VirtualService',
      namespace: 'dubbo-demo',
      service: ECHO_ID,
      severity: 'error',
    });

    await user.click(screen.getByRole('combobox', { name: 'Filter by kind' }));
    await user.click(await screen.findByTitle('DestinationRule'));
    await waitFor(() => expect(requests.at(-1)?.get('kind')).toBe('DestinationRule'));

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(location.search.toString()).toBe(''));
    await waitFor(() => expect([...must(requests.at(-1)).keys()]).toEqual([]));
  });

  it('links each service to its Routes tab', async () => {
    serveConfig();
    const user = setupUser();
    const { location } = renderApp('/istio-config');
    // The service's page, as far as this test goes: its details, and nothing else.
    server.use(
      http.get('*/api/v1/services/:id', () => HttpResponse.json(echoDetail)),
      http.get('*/api/v1/services/:id/*', () =>
        HttpResponse.json({ code: 'NotFound', message: 'Not served in this test' }, { status: 404 }),
      ),
    );
    await table();
    const link = rowOf('VirtualService', 'dubbo-demo', 'echo-split').getByRole('link', {
      name: 'dubbo-demo/com.alibaba.dubbo.samples.echo.api.EchoService',
    });
    expect(link).toHaveAttribute('href', `/services/${encodeURIComponent(ECHO_ID)}?tab=routes`);
    expect(
      rowOf('VirtualService', 'bookinfo', 'reviews').getByRole('link', { name: 'bookinfo/reviews' }),
    ).toHaveAttribute('href', '/services/reviews.bookinfo.svc.cluster.local?tab=routes');
    expect(rowOf('Gateway', 'bookinfo', 'bookinfo-gateway').queryByRole('link')).not.toBeInTheDocument();

    await user.click(link);
    await waitFor(() => expect(location.pathname).toBe(`/services/${encodeURIComponent(ECHO_ID)}`));
    expect(location.search.get('tab')).toBe('routes');
  });

  it('opens an object’s YAML read-only, with its checks, and keeps it in the address', async () => {
    serveConfig();
    const user = setupUser();
    const { location } = renderApp('/istio-config?namespace=bookinfo');
    await table();
    await user.click(
      rowOf('VirtualService', 'bookinfo', 'reviews').getByRole('button', {
        name: 'View YAML of VirtualService reviews',
      }),
    );
    const drawer = within(await screen.findByRole('dialog', { name: 'VirtualService bookinfo/reviews' }));
    const editor = await drawer.findByRole('textbox', { name: 'YAML of VirtualService reviews' });
    expect(editor).toHaveAttribute('aria-readonly', 'true');
    const doc = must(EditorView.findFromDOM(editor)).state.doc.toString();
    expect(doc).toBe(must(meshConfig().items[0]).yaml);
    expect(drawer.getByRole('list', { name: 'Checks of VirtualService reviews' })).toHaveTextContent(
      'spec.http[0].route[1]',
    );
    expect(location.search.get('yaml')).toBe('VirtualService/bookinfo/reviews');
    expect(location.search.get('namespace')).toBe('bookinfo');

    await user.click(drawer.getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(location.search.has('yaml')).toBe(false));
    expect(location.search.get('namespace')).toBe('bookinfo');
  });

  it('opens the YAML a link names', async () => {
    serveConfig();
    renderApp('/istio-config?yaml=Gateway%2Fbookinfo%2Fbookinfo-gateway');
    const dialog = await screen.findByRole(
      'dialog',
      { name: 'Gateway bookinfo/bookinfo-gateway' },
      { timeout: 10_000 },
    );
    expect(
      await within(dialog).findByRole('textbox', { name: 'YAML of Gateway bookinfo-gateway' }),
    ).toBeInTheDocument();
  });

  it('says when the mesh has no objects, when none match, and when the list cannot be loaded', async () => {
    serveConfig((query) =>
      query.get('kind') === 'ServiceEntry'
        ? { items: [], summary: { objects: 0, errors: 0, warnings: 0 } }
        : meshConfig(),
    );
    const first = renderApp('/istio-config?kind=ServiceEntry');
    expect(
      await screen.findByText('No objects match the filters', {}, { timeout: 10_000 }),
    ).toBeInTheDocument();
    first.unmount();

    serveConfig({ items: [], summary: { objects: 0, errors: 0, warnings: 0 } });
    const second = renderApp('/istio-config');
    expect(await screen.findByText('The mesh has no routing objects')).toBeInTheDocument();
    second.unmount();

    server.use(
      http.get(CONFIG_URL, () =>
        HttpResponse.json(
          { code: 'KubernetesUnavailable', message: 'The control plane is unreachable' },
          { status: 503 },
        ),
      ),
    );
    renderApp('/istio-config');
    expect(await screen.findByText('Could not load the Istio configuration')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Retry/ })).toBeInTheDocument();
  });

  it('shows a check’s message in Chinese when the contract’s catalog knows it, and English marked as such when not', async () => {
    const known = {
      code: 'host-claimed-twice' as const,
      severity: 'warning' as const,
      message: contractMessage('routing.secondRouteOnHost', { name: 'reviews-old', host: 'reviews' }),
    };
    serveConfig({
      items: [
        configItem('VirtualService', 'bookinfo', 'reviews', {
          checks: [
            known,
            { code: 'gateway-not-found', severity: 'error', message: 'Gateway nowhere does not exist' },
          ],
        }),
      ],
      summary: { objects: 1, errors: 1, warnings: 1 },
    });
    await i18n.changeLanguage('zh-CN');
    const user = setupUser();
    renderApp('/istio-config');
    await user.click(
      await screen.findByRole(
        'button',
        { name: 'VirtualService reviews 的校验结果：1 个错误, 1 个警告' },
        { timeout: 10_000 },
      ),
    );
    const list = await screen.findByRole('list', { name: 'VirtualService reviews 的检查项' });
    expect(
      within(list).getByText('VirtualService reviews-old 也在路由 reviews；网格只会生效其中一个'),
    ).not.toHaveAttribute('lang');
    expect(within(list).getByText('Gateway nowhere does not exist')).toHaveAttribute('lang', 'en');
  });
});

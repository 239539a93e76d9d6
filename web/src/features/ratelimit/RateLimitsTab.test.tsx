// @vitest-environment jsdom
import '../../test/setup';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { AppProviders } from '../../app/AppProviders';
import { ECHO_V1, ECHO_V2, echoDetail } from '../../test/fixtures';
import { createTestQueryClient } from '../../test/render';
import { server } from '../../test/server';
import { discardConfirmation } from '../routing/testing';
import type { RateLimitListResponse, RateLimitRule } from './contract';
import { RateLimitsTab } from './RateLimitsTab';

const LIST = '*/api/v1/services/:id/ratelimits';

function rule(name: string, overrides: Partial<RateLimitRule['form']> = {}): RateLimitRule {
  return {
    name,
    objects: [
      { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', namespace: 'dubbo-demo', name },
    ],
    resourceVersion: '7',
    form: {
      name,
      limit: { requests: 10, unit: 'second' },
      scope: 'instance',
      response: { status: 429 },
      enabled: true,
      shadow: false,
      ...overrides,
    },
    yaml: `kind: EnvoyFilter\nmetadata:\n  name: ${name}\n`,
  };
}

function listOf(
  items: RateLimitRule[],
  overrides: Partial<RateLimitListResponse> = {},
): RateLimitListResponse {
  return {
    items,
    foreign: [],
    others: { items: [], hidden: 0, unavailable: [] },
    readyInstances: 3,
    versions: [
      { version: ECHO_V1, ready: 1 },
      { version: ECHO_V2, ready: 2 },
    ],
    ...overrides,
  };
}

interface Recorded {
  method: string;
  path: string;
  body: unknown;
}

function serve(list: RateLimitListResponse) {
  const requests: Recorded[] = [];
  const record = async (request: Request) => {
    const text = request.method === 'GET' || request.method === 'DELETE' ? '' : await request.text();
    requests.push({
      method: request.method,
      path: decodeURIComponent(new URL(request.url).pathname),
      body: text ? JSON.parse(text) : undefined,
    });
  };
  server.use(
    http.get(LIST, () => HttpResponse.json(list)),
    http.post(`${LIST}/preview`, async ({ request }) => {
      await record(request);
      return HttpResponse.json({
        objects: [
          {
            action: 'create',
            apiVersion: 'networking.istio.io/v1alpha3',
            kind: 'EnvoyFilter',
            namespace: 'dubbo-demo',
            name: 'echo-provider-ratelimit-gate',
            yaml: 'kind: EnvoyFilter\n',
            diff: '+kind: EnvoyFilter\n',
          },
        ],
        warnings: [],
      });
    }),
    http.post(LIST, async ({ request }) => {
      await record(request);
      return HttpResponse.json(rule('gate'), { status: 201 });
    }),
  );
  return requests;
}

function renderTab() {
  return render(
    <AppProviders queryClient={createTestQueryClient()}>
      <RateLimitsTab service={echoDetail} />
    </AppProviders>,
  );
}

const setupUser = () => userEvent.setup({ pointerEventsCheck: PointerEventsCheckLevel.Never });

describe('Rate limits tab', () => {
  it('focuses the name on open and asks before discarding unsaved edits (Escape, Cancel)', async () => {
    serve(listOf([]));
    const user = setupUser();
    renderTab();
    await user.click(await screen.findByRole('button', { name: 'Add rate limit' }));
    const drawer = await screen.findByRole('dialog', { name: 'Add rate limit' });
    const footer = drawer.querySelector<HTMLElement>('.ant-drawer-footer') as HTMLElement;
    const name = within(drawer).getByLabelText('Rule name');
    await waitFor(() => expect(name).toHaveFocus());

    await user.type(name, 'gate');
    await user.keyboard('{Escape}');
    await user.click(within(await discardConfirmation()).getByRole('button', { name: 'Keep editing' }));
    expect(name).toHaveValue('gate');
    expect(drawer).toBeInTheDocument();

    await user.click(within(footer).getByRole('button', { name: 'Cancel' }));
    await user.click(within(await discardConfirmation()).getByRole('button', { name: 'Discard' }));
    await waitFor(() => expect(drawer).not.toBeInTheDocument());
  });

  it('scrolls the preview into view and focuses its heading when it arrives', async () => {
    serve(listOf([]));
    const user = setupUser();
    renderTab();
    await user.click(await screen.findByRole('button', { name: 'Add rate limit' }));
    const drawer = await screen.findByRole('dialog', { name: 'Add rate limit' });
    const footer = drawer.querySelector<HTMLElement>('.ant-drawer-footer') as HTMLElement;
    await user.type(within(drawer).getByLabelText('Rule name'), 'gate');
    // The preview renders below the form: it is scrolled into view and its heading takes focus.
    const scrolled: Element[] = [];
    Element.prototype.scrollIntoView = function scrollIntoView(this: Element) {
      scrolled.push(this);
    };
    await user.click(within(footer).getByRole('button', { name: 'Preview' }));
    const preview = await within(drawer).findByLabelText('Preview', { selector: 'section' });
    const heading = within(preview).getByRole('heading', { name: 'Preview' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(scrolled).toEqual([heading]);
    delete (Element.prototype as Partial<Element>).scrollIntoView;
  });

  it('says there are none yet', async () => {
    serve(listOf([]));
    renderTab();
    expect(await screen.findByText('No rate limits yet')).toBeInTheDocument();
  });

  it('lists the rules with their limit, scope, match and state, and hand-written EnvoyFilters read-only', async () => {
    serve(
      listOf(
        [
          rule('gate', { burst: 5 }),
          rule('echo-only', { match: { rpcMethod: 'echo' }, scope: 'global', shadow: true, enabled: false }),
        ],
        {
          foreign: [
            {
              ref: {
                apiVersion: 'networking.istio.io/v1alpha3',
                kind: 'EnvoyFilter',
                namespace: 'dubbo-demo',
                name: 'legacy',
              },
              yaml: 'kind: EnvoyFilter\nmetadata:\n  name: legacy\n',
            },
          ],
        },
      ),
    );
    renderTab();
    const table = within(await screen.findByLabelText('Rate limits', { selector: 'section' })).getByRole(
      'table',
    );
    const rows = [...table.querySelectorAll<HTMLElement>('tbody tr[data-row-key]')].map((r) =>
      [...r.querySelectorAll('td')].slice(0, 5).map((td) => td.textContent),
    );
    expect(rows).toEqual([
      ['gate', '10 per second (+5)', 'Per instance', 'Every request', 'Enabled'],
      ['echo-only', '10 per second', 'Global', 'echo()', 'DisabledShadow'],
    ]);
    expect(screen.getByText('EnvoyFilter dubbo-demo/legacy')).toBeInTheDocument();
  });

  it('shows the other EnvoyFilters that apply to the service read-only, with why, and their YAML', async () => {
    const envoyFilter = (namespace: string, name: string) => ({
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      namespace,
      name,
    });
    serve(
      listOf([rule('gate')], {
        others: {
          items: [
            {
              ref: envoyFilter('istio-system', 'mesh-limit'),
              yaml: 'kind: EnvoyFilter\nmetadata:\n  name: mesh-limit\n  namespace: istio-system\n',
              from: 'root',
              selector: { app: 'echo-provider' },
              instances: { selected: 3, total: 3 },
              rateLimiting: true,
            },
            {
              ref: envoyFilter('dubbo-demo', 'access-log'),
              yaml: 'kind: EnvoyFilter\nmetadata:\n  name: access-log\n',
              from: 'namespace',
              selector: null,
              instances: { selected: 3, total: 3 },
              rateLimiting: false,
            },
          ],
          hidden: 2,
          unavailable: [],
        },
      }),
    );
    const user = setupUser();
    renderTab();
    const section = await screen.findByRole('region', {
      name: 'Other EnvoyFilters that apply to this service',
    });
    const rows = [...section.querySelectorAll<HTMLElement>('tbody tr[data-row-key]')];
    expect(rows.map((r) => r.dataset.rowKey)).toEqual(['istio-system/mesh-limit', 'dubbo-demo/access-log']);
    const [root, local] = rows as [HTMLElement, HTMLElement];
    expect(root).toHaveTextContent('Root namespace istio-system: every namespace');
    expect(root).toHaveTextContent('Selectorapp=echo-provider');
    expect(root).toHaveTextContent('Selects 3 of the service’s 3 instances');
    expect(within(root).getByText('Rate limiting')).toBeInTheDocument();
    expect(local).toHaveTextContent('No selector: every workload in dubbo-demo');
    expect(local).toHaveTextContent('Other patches');
    expect(within(section).getByRole('note')).toHaveTextContent(
      '2 more EnvoyFilters in namespaces you may not read apply to this service.',
    );

    // Read-only: the only action is to look; the rules' table above keeps its own.
    expect(
      within(section)
        .getAllByRole('button')
        .map((b) => b.getAttribute('aria-label')),
    ).toEqual([
      'View YAML of EnvoyFilter istio-system/mesh-limit',
      'View YAML of EnvoyFilter dubbo-demo/access-log',
    ]);
    expect(within(section).queryByRole('button', { name: /edit|delete|history/i })).toBeNull();
    expect(within(section).queryByRole('textbox')).toBeNull();
    expect(screen.getByRole('button', { name: 'Edit gate' })).toBeInTheDocument();

    await user.click(
      within(section).getByRole('button', { name: 'View YAML of EnvoyFilter istio-system/mesh-limit' }),
    );
    const drawer = await screen.findByRole('dialog', { name: 'EnvoyFilter istio-system/mesh-limit' });
    expect(within(drawer).getByLabelText('YAML of EnvoyFilter istio-system/mesh-limit')).toHaveTextContent(
      'name: mesh-limit',
    );
    expect(
      within(drawer).getByText(/Read-only: this EnvoyFilter is not one of the service’s rate limits/),
    ).toBeInTheDocument();
    expect(within(drawer).queryByRole('textbox')).toBeNull();
    expect(within(drawer).queryByRole('button', { name: /edit|delete|save|submit/i })).toBeNull();
  });

  it('opens a rule’s history from the rate-limit API and rolls back to a revision', async () => {
    serve(listOf([rule('gate')]));
    const rolledBack: string[] = [];
    server.use(
      http.get(`${LIST}/:name/revisions`, ({ params }) =>
        HttpResponse.json({
          items: [2, 1].map((n) => ({
            revision: n,
            action: n === 1 ? 'create' : 'update',
            user: 'admin',
            timestamp: `2025-01-0${n}T10:00:00Z`,
            objects: [],
            diff: `--- live/${String(params.name)}\n+++ new/${String(params.name)}\n@@ -1 +1 @@\n-tokens_per_fill: 5\n+tokens_per_fill: 10\n`,
          })),
        }),
      ),
      http.post(`${LIST}/:name/revisions/:revision/rollback`, ({ params }) => {
        rolledBack.push(`${String(params.name)}@${String(params.revision)}`);
        return HttpResponse.json(rule('gate'));
      }),
    );
    const user = setupUser();
    renderTab();
    await user.click(await screen.findByRole('button', { name: 'History of gate' }));
    const drawer = await screen.findByRole('dialog', { name: /gate/ });
    await user.click(await within(drawer).findByRole('button', { name: 'Roll back to revision 1' }));
    await user.click(await screen.findByRole('button', { name: 'Roll back' }));
    await waitFor(() => expect(rolledBack).toEqual(['gate@1']));
  });

  it('edits a rule with the resourceVersion it was based on: a 400 lands beside its field, a 409 keeps the form and reloads', async () => {
    const requests = serve(listOf([rule('gate')]));
    let live = rule('gate');
    const puts: unknown[] = [];
    server.use(
      http.get(`${LIST}/:name`, () => HttpResponse.json(live)),
      http.put(`${LIST}/:name`, async ({ request }) => {
        const body = (await request.json()) as { resourceVersion: string; limit: { requests: number } };
        puts.push(body);
        if (body.limit.requests === 20)
          return HttpResponse.json(
            { code: 'InvalidRequest', message: 'limit.requests: over the quota', field: 'limit.requests' },
            { status: 400 },
          );
        if (body.resourceVersion !== live.resourceVersion)
          return HttpResponse.json(
            { code: 'Conflict', message: 'Rate limit gate was changed by someone else after you opened it.' },
            { status: 409 },
          );
        return HttpResponse.json(rule('gate'));
      }),
    );
    const user = setupUser();
    renderTab();
    await user.click(await screen.findByRole('button', { name: 'Edit gate' }));
    const drawer = await screen.findByRole('dialog', { name: 'Edit rate limit' });
    expect(within(drawer).getByLabelText('Rule name')).toBeDisabled();
    const requestsInput = within(drawer).getByLabelText('Requests');
    await user.clear(requestsInput);
    await user.type(requestsInput, '20');
    const footer = drawer.querySelector<HTMLElement>('.ant-drawer-footer') as HTMLElement;
    const submit = within(footer).getByRole('button', { name: 'Submit' });
    await user.click(submit);

    // The server's word on a field is shown beside it, and named in the footer.
    const beside = await within(drawer).findByText('over the quota');
    expect(beside.closest('.ant-form-item')).toContainElement(requestsInput);
    expect(within(footer).getByRole('status')).toHaveTextContent(/Fix the number of requests/);
    expect(puts[0]).toMatchObject({
      name: 'gate',
      limit: { requests: 20, unit: 'second' },
      resourceVersion: '7',
    });

    // Someone else changes the rule; the next submit conflicts and keeps the form.
    live = { ...rule('gate'), resourceVersion: '8' };
    await user.clear(requestsInput);
    await user.type(requestsInput, '30');
    expect(within(drawer).queryByText('over the quota')).not.toBeInTheDocument();
    await user.click(submit);
    expect(await within(footer).findByText('Someone else changed this rule')).toBeInTheDocument();
    expect(within(drawer).getByLabelText('Requests')).toHaveValue('30');

    await user.click(within(footer).getByRole('button', { name: 'Reload live rule' }));
    expect(await within(footer).findByText(/The live rule is loaded/)).toBeInTheDocument();
    expect(requests.filter((r) => r.path.endsWith('/preview')).at(-1)?.body).toMatchObject({
      resourceVersion: '8',
      limit: { requests: 30 },
    });
    await user.click(submit);
    await screen.findByText('Rate limit gate saved');
    expect(puts.map((b) => (b as { resourceVersion: string }).resourceVersion)).toEqual(['7', '7', '8']);
  });

  it('opens without errors, then on a submit attempt keeps Submit disabled naming the field, shows the effective total and a same-match conflict, then creates', async () => {
    const requests = serve(listOf([rule('existing', { match: { rpcMethod: 'echo' } })]));
    const user = setupUser();
    renderTab();
    await user.click(await screen.findByRole('button', { name: 'Add rate limit' }));
    const drawer = await screen.findByRole('dialog', { name: 'Add rate limit' });
    const footer = drawer.querySelector<HTMLElement>('.ant-drawer-footer') as HTMLElement;
    const submit = within(footer).getByRole('button', { name: 'Submit' });

    // A new form opens clean: no red name, no error in the footer.
    expect(within(footer).queryByRole('status')).not.toBeInTheDocument();
    expect(drawer.querySelector('.ant-form-item-has-error')).toBeNull();
    // The match section's header is its own name, its help text apart.
    expect(within(drawer).getByRole('group', { name: 'Match' })).toHaveAccessibleDescription(
      'Leave empty to count every request.',
    );

    await user.click(submit);
    expect(submit).toBeDisabled();
    expect(within(footer).getByRole('status')).toHaveTextContent(/Fix the rule name/);
    expect(drawer.querySelector('.ant-form-item-has-error')).not.toBeNull();
    expect(requests).toEqual([]);

    await user.type(within(drawer).getByLabelText('Rule name'), 'gate');
    await waitFor(() => expect(submit).toBeEnabled());
    // Per instance: the limit times the ready instances (3 here).
    expect(
      within(drawer).getByText(/Effective total: 30 requests per second \(10 × 3 ready instances\)/),
    ).toBeInTheDocument();

    await user.type(within(drawer).getByLabelText('Method name'), 'echo');
    await waitFor(() => expect(submit).toBeDisabled());
    expect(within(footer).getByRole('status')).toHaveTextContent(
      /Rule existing already limits the same requests/,
    );
    await user.clear(within(drawer).getByLabelText('Method name'));

    const requestsInput = within(drawer).getByLabelText('Requests');
    await user.clear(requestsInput);
    await user.type(requestsInput, '0');
    await waitFor(() =>
      expect(within(footer).getByRole('status')).toHaveTextContent(/Fix the number of requests/),
    );
    await user.clear(requestsInput);
    await user.type(requestsInput, '10');

    await waitFor(() => expect(submit).toBeEnabled());
    await user.click(submit);
    await waitFor(() => expect(requests).toHaveLength(1));
    // Submit writes without previewing first: the audit records it as the create it is.
    expect(requests.map((r) => `${r.method} ${r.path.replace(/.*\/ratelimits/, '…')}`)).toEqual(['POST …']);
    expect(requests[0]?.body).toEqual({
      name: 'gate',
      limit: { requests: 10, unit: 'second' },
      scope: 'instance',
      response: { status: 429 },
      enabled: true,
      shadow: false,
    });
  });
});

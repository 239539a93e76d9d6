// @vitest-environment jsdom
import '../../test/setup';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { PointerEventsCheckLevel } from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders } from '../../app/AppProviders';
import { i18n } from '../../lib/i18n';
import { echoDetail } from '../../test/fixtures';
import { createTestQueryClient } from '../../test/render';
import { server } from '../../test/server';
import { sessionAs } from '../../test/session';
import type {
  AccessPolicyList,
  AccessPolicyPreview,
  AccessPolicySuggestion,
  ObservedCaller,
  PeerAuthenticationList,
} from './contract';
import { SecurityTab } from './SecurityTab';

const SERVICE = '*/api/v1/services/:id';
const ref = (kind: string, namespace: string, name: string) => ({
  apiVersion: 'security.istio.io/v1',
  kind,
  namespace,
  name,
});

const caller = (name: string, namespace: string, rpm: number, principal: string | null): ObservedCaller => ({
  service: principal ? `${namespace}/${name}` : null,
  name,
  namespace,
  version: 'v1',
  principal,
  requestsPerMinute: rpm,
  mtlsShare: principal ? 1 : 0,
});

const FRONTEND = caller('frontend', 'shop', 120, 'cluster.local/ns/shop/sa/frontend');
const LEGACY = caller('legacy', 'batch', 6, null);

const MTLS: PeerAuthenticationList = {
  items: [],
  others: [{ ref: ref('PeerAuthentication', 'istio-system', 'default'), yaml: 'spec: {}\n', level: 'mesh' }],
  effective: {
    mode: 'STRICT',
    source: { level: 'mesh', ref: ref('PeerAuthentication', 'istio-system', 'default'), port: null },
    ports: [],
  },
  clientTls: [],
  plaintextCallers: [LEGACY],
  ports: [20880],
  trafficUnavailable: false,
};

const ACCESS: AccessPolicyList = {
  items: [
    {
      name: 'ext-authz',
      objects: [ref('AuthorizationPolicy', 'dubbo-demo', 'ext-authz')],
      resourceVersion: '3',
      form: null,
      keptFields: [],
      attachment: 'selector',
      yaml: 'spec:\n  action: CUSTOM\n',
    },
  ],
  others: [],
  callers: [
    { caller: FRONTEND, decision: 'allowed', policy: null, reason: 'no ALLOW policy' },
    { caller: LEGACY, decision: 'allowed', policy: null, reason: 'no ALLOW policy' },
  ],
  trafficUnavailable: false,
};

interface Recorded {
  method: string;
  path: string;
  body: unknown;
}

/** Serves the two lists, the preview, the suggestion and a create (a 400 first when `failFirst`). */
function serve({ failFirst = false, trafficUnavailable = false } = {}) {
  const requests: Recorded[] = [];
  let creates = 0;
  const record = async (request: Request) => {
    requests.push({
      method: request.method,
      path: new URL(request.url).pathname,
      body: (await request.json()) as unknown,
    });
  };
  const preview: AccessPolicyPreview = {
    objects: [
      {
        action: 'create',
        ...ref('AuthorizationPolicy', 'dubbo-demo', 'deny-shop'),
        yaml: 'kind: AuthorizationPolicy\n',
        diff: '+kind: AuthorizationPolicy\n',
      },
    ],
    warnings: [],
    refused: [{ caller: FRONTEND, decision: 'denied', policy: null, reason: 'DENY matches' }],
  };
  const suggestion: AccessPolicySuggestion = {
    form: {
      name: 'allow-observed',
      action: 'ALLOW',
      rules: [{ from: [{ principals: ['cluster.local/ns/shop/sa/frontend'] }] }],
      dryRun: false,
    },
    callers: [FRONTEND],
    window: '5m',
  };
  server.use(
    http.get(`${SERVICE}/peer-authentications`, () => HttpResponse.json({ ...MTLS, trafficUnavailable })),
    http.get(`${SERVICE}/access-policies`, () => HttpResponse.json({ ...ACCESS, trafficUnavailable })),
    http.post(`${SERVICE}/peer-authentications/preview`, async ({ request }) => {
      await record(request);
      return HttpResponse.json({
        objects: [
          {
            action: 'create',
            ...ref('PeerAuthentication', 'dubbo-demo', 'echo-provider'),
            yaml: 'kind: PeerAuthentication\n',
            diff: '+kind: PeerAuthentication\n',
          },
        ],
        warnings: [],
        refused: [LEGACY],
      });
    }),
    http.post(`${SERVICE}/peer-authentications`, async ({ request }) => {
      await record(request);
      return HttpResponse.json({ name: 'echo-provider', resourceVersion: '1' }, { status: 201 });
    }),
    http.get(`${SERVICE}/access-policies/suggestion`, () => HttpResponse.json(suggestion)),
    http.post(`${SERVICE}/access-policies/preview`, async ({ request }) => {
      await record(request);
      return HttpResponse.json(preview);
    }),
    http.post(`${SERVICE}/access-policies`, async ({ request }) => {
      await record(request);
      creates += 1;
      if (failFirst && creates === 1)
        return HttpResponse.json(
          { code: 'InvalidRequest', message: 'The control plane refused the policy' },
          { status: 400 },
        );
      return HttpResponse.json({ name: 'deny-shop' }, { status: 201 });
    }),
  );
  return requests;
}

function renderTab(role: 'admin' | 'viewer' = 'admin') {
  return render(
    <AppProviders queryClient={createTestQueryClient({ session: sessionAs(role) })}>
      <SecurityTab service={echoDetail} />
    </AppProviders>,
  );
}

const setupUser = () => userEvent.setup({ pointerEventsCheck: PointerEventsCheckLevel.Never });

afterEach(async () => {
  await i18n.changeLanguage('en-US');
});

describe('Security tab', () => {
  it('shows the mode in force and where it comes from, the plaintext callers, and who calls', async () => {
    serve();
    renderTab();
    const mtls = await screen.findByRole('region', { name: 'mTLS' });
    expect(await within(mtls).findByText('Mode in force: STRICT')).toBeInTheDocument();
    expect(within(mtls).getByText('From mesh policy istio-system/default')).toBeInTheDocument();
    expect(within(mtls).getByRole('list', { name: /Plaintext callers/ })).toHaveTextContent(
      'legacy v1 (batch): 6 requests/min',
    );
    const access = screen.getByRole('region', { name: 'Access policies' });
    const callers = await within(access).findByRole('table', { name: /Callers seen/ });
    expect(within(callers).getByText('frontend')).toBeInTheDocument();
    expect(within(callers).getAllByText('Allowed')).toHaveLength(2);
    // A policy the form cannot show opens read-only, with its YAML.
    const policies = within(access).getByRole('table', { name: 'Policies' });
    expect(within(policies).getByText('CUSTOM')).toBeInTheDocument();
    expect(within(policies).queryByRole('button', { name: 'Edit ext-authz' })).toBeNull();
    expect(screen.queryByText(/traffic could not be read/)).toBeNull();
    await setupUser().click(within(policies).getByRole('button', { name: 'View ext-authz' }));
    const drawer = await screen.findByRole('dialog', { name: 'Access policy ext-authz' });
    expect(within(drawer).getByLabelText('YAML of ext-authz')).toHaveTextContent('action: CUSTOM');
  });

  it('says when the traffic could not be read, so no caller is not taken for none', async () => {
    serve({ trafficUnavailable: true });
    renderTab();
    const mtls = await screen.findByRole('region', { name: 'mTLS' });
    expect(await within(mtls).findByText(/traffic could not be read/)).toBeInTheDocument();
    const access = screen.getByRole('region', { name: 'Access policies' });
    expect(await within(access).findByText(/traffic could not be read/)).toBeInTheDocument();
  });

  it('edits mTLS with a port-level mode, and lists the plaintext callers STRICT would refuse', async () => {
    const requests = serve();
    const user = setupUser();
    renderTab();
    const mtls = await screen.findByLabelText('mTLS', { selector: 'section' });
    const edit = within(mtls).getByRole('button', { name: 'Edit mTLS' });
    await waitFor(() => expect(edit).toBeEnabled());
    await user.click(edit);
    const drawer = await screen.findByRole('dialog', { name: 'Edit mTLS' });
    expect(within(drawer).getByLabelText('Policy name')).toHaveValue('echo-provider');
    expect(within(drawer).getByRole('radio', { name: 'STRICT' })).toBeChecked();
    await user.click(within(drawer).getByRole('button', { name: 'Add port' }));
    expect(within(drawer).getByRole('combobox', { name: 'Port 1' })).toBeInTheDocument();

    const footer = drawer.querySelector<HTMLElement>('.ant-drawer-footer') as HTMLElement;
    await user.click(within(footer).getByRole('button', { name: 'Preview' }));
    expect(
      await within(drawer).findByRole('list', { name: 'Plaintext callers this would refuse' }),
    ).toHaveTextContent('legacy v1 (batch): 6 requests/min');
    await user.click(within(footer).getByRole('button', { name: 'Submit' }));
    await screen.findByText('mTLS policy echo-provider saved');
    expect(requests.map((r) => `${r.method} ${r.path.replace(/.*\/peer-authentications/, '…')}`)).toEqual([
      'POST …/preview',
      'POST …',
    ]);
    expect(requests[1]?.body).toEqual({
      name: 'echo-provider',
      scope: 'workload',
      mode: 'STRICT',
      portLevel: [{ port: 20880, mode: 'PERMISSIVE' }],
    });
  });

  it('builds a DENY policy from the form, previews the refused callers, and keeps the draft on a 400', async () => {
    const requests = serve({ failFirst: true });
    const user = setupUser();
    renderTab();
    const access = await screen.findByLabelText('Access policies', { selector: 'section' });
    const add = within(access).getByRole('button', { name: 'New policy' });
    await waitFor(() => expect(add).toBeEnabled());
    await user.click(add);
    const drawer = await screen.findByRole('dialog', { name: 'New access policy' });
    const footer = drawer.querySelector<HTMLElement>('.ant-drawer-footer') as HTMLElement;
    // Checked by the contract before anything is sent: the footer names the field.
    await user.click(within(footer).getByRole('button', { name: 'Submit' }));
    expect(within(footer).getByRole('status')).toHaveTextContent(/^Fix Name:/);
    expect(requests).toEqual([]);
    await user.click(within(drawer).getByLabelText('Name'));
    await user.paste('deny-shop');
    const action = within(drawer).getByRole('radiogroup', { name: 'Action' });
    await user.click(within(action).getByRole('radio', { name: 'DENY' }));
    const rule = within(drawer).getByRole('group', { name: 'Rule 1' });
    await user.type(within(rule).getByRole('combobox', { name: 'Namespaces' }), 'x{Enter}');

    await user.click(within(footer).getByRole('button', { name: 'Preview' }));
    const refused = await within(drawer).findByRole('list', { name: 'Refused callers' });
    expect(refused).toHaveTextContent('frontend v1 (shop): 120 requests/min');

    await user.click(within(footer).getByRole('button', { name: 'Submit' }));
    expect(await within(footer).findByText('Could not save the access policy')).toBeInTheDocument();
    expect(within(drawer).getByLabelText('Name')).toHaveValue('deny-shop');
    expect(requests.map((r) => `${r.method} ${r.path.replace(/.*\/access-policies/, '…')}`)).toEqual([
      'POST …/preview',
      'POST …',
    ]);
    expect(requests[1]?.body).toEqual({
      name: 'deny-shop',
      action: 'DENY',
      rules: [{ from: [{ namespaces: ['x'] }] }],
      dryRun: false,
    });
  });

  it('prefills the form from what is seen now', async () => {
    serve();
    const user = setupUser();
    renderTab();
    const suggest = await screen.findByRole('button', { name: 'Allow what is seen now' });
    await waitFor(() => expect(suggest).toBeEnabled());
    await user.click(suggest);
    const drawer = await screen.findByRole('dialog', { name: 'New access policy' });
    expect(within(drawer).getByLabelText('Name')).toHaveValue('allow-observed');
    expect(within(drawer).getByRole('radio', { name: 'ALLOW' })).toBeChecked();
    expect(
      within(within(drawer).getByRole('group', { name: 'Rule 1' })).getByText(
        'cluster.local/ns/shop/sa/frontend',
      ),
    ).toBeInTheDocument();
  });

  it('shows a viewer no button that changes anything', async () => {
    serve();
    renderTab('viewer');
    await screen.findByText('Mode in force: STRICT');
    expect(screen.getByRole('note')).toHaveTextContent('cannot change mTLS or access policies');
    expect(screen.queryByRole('button', { name: /Edit|New policy|Allow what is seen now/ })).toBeNull();
  });

  it('speaks Chinese in zh-CN', async () => {
    serve();
    await i18n.changeLanguage('zh-CN');
    renderTab();
    const access = await screen.findByRole('region', { name: '访问策略' });
    expect(within(access).getByRole('button', { name: '新建策略' })).toBeInTheDocument();
    expect(within(access).getByRole('button', { name: '按当前流量生成允许策略' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '编辑 mTLS' })).toBeInTheDocument();
    expect(await screen.findByText('生效模式：STRICT')).toBeInTheDocument();
  });
});

// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import type { UserEvent } from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '../../test/server';
import {
  ECHO_ID,
  ECHO_V1,
  ECHO_V2,
  ROUTES,
  byLabel,
  echoDetail,
  gatewayScope,
  listOf,
  must,
  openAddForm,
  renderRoutesTab,
  rule,
  serveRoutes,
  setupUser,
  submitButton,
  typeWeight,
  versionForm,
} from './testing';

/**
 * Issue 13: the form shows where a rule applies (the mesh, gateways) and TCP routes, and an edit
 * keeps what it does not change.
 */

const GATEWAYS = ['dubbo-demo/echo-gateway', 'istio-system/ingressgateway'];
const GATEWAY_ONLY = /The rule applies at .* only: calls between services inside the mesh are not affected/;

/** The Gateways field: a multiple select named by its label. */
const gatewaysField = (drawer: HTMLElement) => within(drawer).getByRole('combobox', { name: 'Gateways' });

/** What the Gateways field shows as chosen. */
const chosenGateways = (drawer: HTMLElement) =>
  [...must(gatewaysField(drawer).closest('.ant-select')).querySelectorAll('.ant-select-selection-item')].map(
    (item) => item.textContent,
  );

/** Chooses (or, when chosen, unchooses) one of the Gateways field's options. */
async function toggleGateway(user: UserEvent, drawer: HTMLElement, label: string) {
  await user.click(gatewaysField(drawer));
  const option = await waitFor(() =>
    must(
      [...document.querySelectorAll<HTMLElement>('.ant-select-item-option')].find(
        (o) => o.textContent === label,
      ),
    ),
  );
  await user.click(option);
}

/** Serves writes of the rule, recording them. */
function acceptWrites(record: (request: Request) => Promise<void>) {
  server.use(
    http.put(`${ROUTES}/:name`, async ({ request, params }) => {
      await record(request);
      return HttpResponse.json(rule({ name: String(params.name), resourceVersion: '102' }));
    }),
    http.post(ROUTES, async ({ request }) => {
      await record(request);
      return HttpResponse.json(rule(), { status: 201 });
    }),
  );
}

describe('Routing rule form: gateways and TCP', () => {
  it('opens a gateway-bound rule with its gateway, says it is not mesh routing, and sends the gateways back unchanged', async () => {
    // The VirtualService names its gateway by its bare name (in the rule's namespace), as written.
    const edge = rule({
      name: 'echo-edge',
      form: {
        ...versionForm(
          [
            [ECHO_V1, 20],
            [ECHO_V2, 80],
          ],
          'echo-edge',
        ),
        gateways: ['echo-gateway'],
      },
      scope: { ...gatewayScope(['dubbo-demo/echo-gateway']), hosts: ['echo.example.com'] },
    });
    const { requests, record } = serveRoutes(listOf([edge], { gateways: GATEWAYS }));
    acceptWrites(record);
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('Edit echo-edge'));
    const drawer = await screen.findByRole('dialog', { name: 'Edit routing rule' });

    expect(chosenGateways(drawer)).toEqual(['dubbo-demo/echo-gateway']);
    // Its hosts, as written, beside where it applies.
    expect(within(drawer).getByRole('textbox', { name: 'Hosts' })).toHaveValue('echo.example.com');
    expect(within(drawer).getByRole('note')).toHaveTextContent(
      'The rule applies at dubbo-demo/echo-gateway only: calls between services inside the mesh are not affected',
    );

    await typeWeight(user, drawer, ECHO_V1, 50);
    await typeWeight(user, drawer, ECHO_V2, 50);
    await user.click(submitButton(drawer));
    await screen.findByText('Routing rule echo-edge saved');
    const put = must(requests.find((r) => r.method === 'PUT'));
    expect(put.path).toBe(`/api/v1/services/${ECHO_ID}/routes/echo-edge`);
    expect(put.body).toMatchObject({
      destinations: [
        { version: ECHO_V1, weight: 50 },
        { version: ECHO_V2, weight: 50 },
      ],
    });
    // Exactly as written: not resolved to namespace/name, not dropped.
    expect((put.body as { gateways?: unknown }).gateways).toEqual(['echo-gateway']);
  });

  it('starts a new rule with the mesh only, and warns once only gateways are chosen', async () => {
    const { requests, record } = serveRoutes(listOf([], { gateways: GATEWAYS }));
    acceptWrites(record);
    const user = setupUser();
    renderRoutesTab();
    const drawer = await openAddForm(user);
    expect(chosenGateways(drawer)).toEqual([]);
    expect(within(drawer).queryByText(GATEWAY_ONLY)).not.toBeInTheDocument();

    await toggleGateway(user, drawer, 'istio-system/ingressgateway');
    expect(chosenGateways(drawer)).toEqual(['istio-system/ingressgateway']);
    expect(await within(drawer).findByRole('note')).toHaveTextContent(
      'The rule applies at istio-system/ingressgateway only: calls between services inside the mesh are not affected',
    );
    // With the mesh too, the rule routes in-mesh calls: no warning.
    await toggleGateway(user, drawer, 'Mesh (calls between services)');
    expect(within(drawer).queryByText(GATEWAY_ONLY)).not.toBeInTheDocument();

    await user.type(byLabel(drawer, 'Rule name'), 'echo-split');
    await user.click(submitButton(drawer));
    await screen.findByText('Routing rule echo-split saved');
    const post = must(requests.find((r) => r.method === 'POST'));
    expect((post.body as { gateways?: unknown }).gateways).toEqual(['istio-system/ingressgateway', 'mesh']);
  });

  it('edits a TCP rule as a version split only and sends transport tcp back', async () => {
    const tcp = rule({
      form: {
        ...versionForm([
          [ECHO_V1, 20],
          [ECHO_V2, 80],
        ]),
        transport: 'tcp',
      },
    });
    const { requests, record } = serveRoutes(listOf([tcp]));
    acceptWrites(record);
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('Edit echo-split'));
    const drawer = await screen.findByRole('dialog', { name: 'Edit routing rule' });

    expect(within(drawer).getByText('TCP')).toBeInTheDocument();
    const routeType = byLabel(drawer, 'Route type');
    expect(routeType).toHaveAccessibleDescription(/TCP has no headers, paths or methods/);
    const condition = within(routeType).getByRole('radio', { name: 'Condition route' });
    expect(condition).toBeDisabled();
    await user.click(condition);
    expect(within(routeType).getByRole('radio', { name: 'Version route' })).toBeChecked();
    expect(within(drawer).queryByText('Conditions')).not.toBeInTheDocument();

    await typeWeight(user, drawer, ECHO_V1, 40);
    await typeWeight(user, drawer, ECHO_V2, 60);
    await user.click(submitButton(drawer));
    await screen.findByText('Routing rule echo-split saved');
    expect(requests.find((r) => r.method === 'PUT')?.body).toMatchObject({
      transport: 'tcp',
      routeType: 'version',
      matches: [],
      destinations: [
        { version: ECHO_V1, weight: 40 },
        { version: ECHO_V2, weight: 60 },
      ],
    });
  });

  it('starts a new rule of a TCP service as a TCP route', async () => {
    const { requests, record } = serveRoutes(listOf([]));
    acceptWrites(record);
    const user = setupUser();
    renderRoutesTab({ ...echoDetail, protocol: 'tcp' });
    const drawer = await openAddForm(user);
    expect(
      within(byLabel(drawer, 'Route type')).getByRole('radio', { name: 'Condition route' }),
    ).toBeDisabled();
    await user.type(byLabel(drawer, 'Rule name'), 'echo-split');
    await user.click(submitButton(drawer));
    await screen.findByText('Routing rule echo-split saved');
    const post = must(requests.find((r) => r.method === 'POST'));
    expect(post.body).toMatchObject({ transport: 'tcp', routeType: 'version' });
    // Nothing chosen for gateways: none sent, so the BFF writes a mesh rule.
    expect(post.body).not.toHaveProperty('gateways');
  });

  it('says what a version selects when the instances have no version label: one rollout each', async () => {
    serveRoutes(listOf([]));
    const user = setupUser();
    const rollout = {
      ...echoDetail,
      versionDetails: echoDetail.versionDetails.map((v) => ({ ...v, label: 'pod-template-hash' })),
    };
    renderRoutesTab(rollout);
    const drawer = await openAddForm(user);
    expect(within(drawer).getByRole('note')).toHaveTextContent(
      'each version is one rollout (pod-template-hash). A new rollout makes a new version',
    );
  });

  it('says nothing of labels when versions come from the version label', async () => {
    serveRoutes(listOf([]));
    const user = setupUser();
    renderRoutesTab({
      ...echoDetail,
      versionDetails: echoDetail.versionDetails.map((v) => ({ ...v, label: 'version' })),
    });
    const drawer = await openAddForm(user);
    expect(within(drawer).queryByText(/one rollout|read from the label/)).toBeNull();
  });

  it('says what an existing rule holds that the form does not show, and that saving keeps it', async () => {
    serveRoutes(listOf([rule({ kept: ['http[0].fault', 'http[1].retries'] }), rule({ name: 'plain' })]));
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('Edit echo-split'));
    const drawer = await screen.findByRole('dialog', { name: 'Edit routing rule' });
    const kept = within(drawer).getByText(
      'The rule also holds what the form does not show; saving keeps it as it is:',
    );
    const items = within(must(kept.closest<HTMLElement>('.ant-alert'))).getAllByRole('listitem');
    expect(items.map((i) => i.textContent)).toEqual(['http[0].fault', 'http[1].retries']);
    await user.click(within(drawer).getByRole('button', { name: 'Close' }));
    await user.click(await screen.findByLabelText('Edit plain'));
    const other = await screen.findByRole('dialog', { name: 'Edit routing rule' });
    expect(within(other).queryByText(/does not show; saving keeps it/)).toBeNull();
  });
});

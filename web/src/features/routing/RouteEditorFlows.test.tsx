// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { EditorView } from '@uiw/react-codemirror';
import { describe, expect, it } from 'vitest';
import { server } from '../../test/server';
import {
  ECHO_ID,
  ECHO_V1,
  ECHO_V2,
  ROUTES,
  byLabel,
  discardConfirmation,
  listOf,
  must,
  openAddForm,
  previewOf,
  renderRoutesTab,
  rule,
  serveRoutes,
  setupUser,
  submitButton,
  typeWeight,
  versionForm,
  weightOf,
} from './testing';

/** The text in a CodeMirror editor, read through CodeMirror's own API. */
const yamlIn = (editor: HTMLElement) => EditorView.findFromDOM(editor)?.state.doc.toString();

describe('Routing rule form: conflicts, server errors, YAML, conditions', () => {
  it('focuses the first field on open and asks before discarding unsaved edits', async () => {
    serveRoutes(listOf([]));
    const user = setupUser();
    renderRoutesTab();
    const closed = (el: HTMLElement) => waitFor(() => expect(el).not.toBeInTheDocument());

    let drawer = await openAddForm(user);
    await waitFor(() => expect(byLabel(drawer, 'Rule name')).toHaveFocus());
    // Nothing typed: Cancel closes at once.
    await user.click(submitButton(drawer, 'Cancel'));
    await closed(drawer);

    drawer = await openAddForm(user);
    await user.type(byLabel(drawer, 'Rule name'), 'echo-split');
    await user.click(submitButton(drawer, 'Cancel'));
    let confirm = await discardConfirmation();
    await user.click(within(confirm).getByRole('button', { name: 'Keep editing' }));
    expect(byLabel(drawer, 'Rule name')).toHaveValue('echo-split');
    expect(drawer).toBeInTheDocument();

    // The close icon asks too; Discard closes.
    await user.click(byLabel(drawer, 'Close'));
    confirm = await discardConfirmation();
    await user.click(within(confirm).getByRole('button', { name: 'Discard' }));
    await closed(drawer);
  });

  it('keeps the form on a 409 Conflict, reloads the live rule and applies on top of it', async () => {
    let live = rule();
    const { requests, record } = serveRoutes(() => listOf([live]));
    const conflict = () =>
      HttpResponse.json(
        { code: 'Conflict', message: 'Routing rule echo-split was changed by someone else' },
        { status: 409 },
      );
    server.use(
      // The dry run refuses a stale resourceVersion too, as the BFF's does.
      http.post(`${ROUTES}/preview`, async ({ request }) => {
        await record(request.clone());
        const body = (await request.json()) as { resourceVersion?: string };
        return body.resourceVersion !== live.resourceVersion ? conflict() : HttpResponse.json(previewOf());
      }),
      http.get(`${ROUTES}/:name`, async ({ request }) => {
        await record(request);
        return HttpResponse.json(live);
      }),
      http.put(`${ROUTES}/:name`, async ({ request }) => {
        await record(request.clone());
        const body = (await request.json()) as { resourceVersion?: string };
        if (body.resourceVersion !== live.resourceVersion) {
          return HttpResponse.json(
            { code: 'Conflict', message: 'Routing rule echo-split was changed by someone else' },
            { status: 409 },
          );
        }
        live = rule({ resourceVersion: '103' });
        return HttpResponse.json(live);
      }),
    );
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('Edit echo-split'));
    const drawer = await screen.findByRole('dialog', { name: 'Edit routing rule' });
    // Someone else changes the rule meanwhile.
    live = rule({
      resourceVersion: '102',
      form: versionForm([
        [ECHO_V1, 90],
        [ECHO_V2, 10],
      ]),
    });

    await typeWeight(user, drawer, ECHO_V1, 30);
    await typeWeight(user, drawer, ECHO_V2, 70);
    await user.click(submitButton(drawer));

    expect(await within(drawer).findByText('Someone else changed this rule')).toBeVisible();
    // The 409 came from the write itself, so the audit records the submit (routes.update), not a
    // preview that failed.
    expect(requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /api/v1/services/${ECHO_ID}/routes/echo-split`,
    ]);
    expect(byLabel(drawer, weightOf(ECHO_V1))).toHaveValue('30');
    expect(byLabel(drawer, weightOf(ECHO_V2))).toHaveValue('70');
    expect(screen.getByRole('dialog', { name: 'Edit routing rule' })).toBe(drawer);

    await user.click(within(drawer).getByText('Reload live rule'));
    expect(await within(drawer).findByText(/The live rule is loaded/)).toBeInTheDocument();
    const previews = requests.filter((r) => r.path.endsWith('/preview'));
    expect(previews.at(-1)?.body).toMatchObject({ resourceVersion: '102' });
    expect(within(drawer).getByLabelText('Changes to VirtualService echo-split')).toBeInTheDocument();

    await user.click(submitButton(drawer));
    await screen.findByText('Routing rule echo-split saved');
    const puts = requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => (r.body as { resourceVersion: string }).resourceVersion)).toEqual(['101', '102']);
    expect(puts[1]?.body).toMatchObject({
      destinations: [
        { version: ECHO_V1, weight: 30 },
        { version: ECHO_V2, weight: 70 },
      ],
    });
  });

  it('shows an error under the field the server names', async () => {
    const { record } = serveRoutes(listOf([]));
    server.use(
      http.post(`${ROUTES}/preview`, async ({ request }) => {
        await record(request);
        return HttpResponse.json(
          { code: 'InvalidRequest', message: 'name: Routing rule names must be unique', field: 'name' },
          { status: 400 },
        );
      }),
    );
    const user = setupUser();
    renderRoutesTab();
    const drawer = await openAddForm(user);
    const name = byLabel(drawer, 'Rule name');
    await user.type(name, 'echo-split');
    await user.click(submitButton(drawer, 'Preview'));

    // Beside its field, without the field's name the BFF puts before it.
    const message = await within(drawer).findByText('Routing rule names must be unique');
    expect(message.closest('.ant-form-item')).toContainElement(name);
    // Changing the field clears what the server said about the old value.
    await user.type(name, '2');
    expect(within(drawer).queryByText('Routing rule names must be unique')).not.toBeInTheDocument();
  });

  it('opens a rule the form cannot show in the YAML editor and submits it as YAML', async () => {
    const yamlRule = rule({
      name: 'mirror',
      managedByConsole: false,
      managedBy: 'unknown',
      form: null,
      reasons: ['spec.http[0].mirror is not in the form'],
    });
    const { requests, record } = serveRoutes(listOf([yamlRule]));
    server.use(
      http.post(`${ROUTES}/preview`, async ({ request }) => {
        await record(request);
        return HttpResponse.json(previewOf('mirror'));
      }),
      http.put(`${ROUTES}/:name`, async ({ request }) => {
        await record(request);
        return HttpResponse.json(yamlRule);
      }),
    );
    const user = setupUser();
    renderRoutesTab();
    const row = must((await screen.findByText('mirror')).closest('tr'));
    expect(within(row).getByText('YAML only')).toBeInTheDocument();
    expect(within(row).getByText('Hand-written')).toBeInTheDocument();
    await user.click(within(row).getByLabelText('Edit mirror'));
    const drawer = await screen.findByRole('dialog', { name: 'Edit routing rule' });

    expect(within(drawer).getByText('spec.http[0].mirror is not in the form')).toBeInTheDocument();
    expect(within(drawer).queryByLabelText('Rule name')).not.toBeInTheDocument();
    const editor = await within(drawer).findByLabelText('YAML of the rule');
    expect(editor).toHaveAttribute('role', 'textbox');
    expect(yamlIn(editor)).toBe(yamlRule.yaml);

    await user.click(editor);
    await user.paste('spec: [');
    expect(await within(drawer).findByText(/The YAML does not parse/)).toBeInTheDocument();
    expect(editor).toHaveAttribute('aria-invalid', 'true');
    await user.clear(editor);
    const labelled = yamlRule.yaml.replace('dubbo-demo\nspec', 'dubbo-demo\n  labels:\n    team: a\nspec');
    await user.paste(labelled);
    expect(yamlIn(editor)).toBe(labelled);
    expect(within(drawer).queryByText(/The YAML does not parse/)).not.toBeInTheDocument();
    expect(editor).toHaveAttribute('aria-invalid', 'false');

    await user.click(submitButton(drawer));
    await screen.findByText('Routing rule mirror saved');
    const put = requests.find((r) => r.method === 'PUT');
    expect(put?.body).toMatchObject({ resourceVersion: '101', yaml: labelled });
  });

  it('flags a condition after a catch-all as unreachable and offers RPC matches for Dubbo', async () => {
    serveRoutes(listOf([]));
    const user = setupUser();
    renderRoutesTab();
    const drawer = await openAddForm(user);
    await user.click(within(byLabel(drawer, 'Route type')).getByLabelText('Condition route'));

    const condition = (n: number) =>
      within(drawer).getByLabelText(`Condition ${n}`, { selector: '[role=group]' });
    expect(within(condition(1)).getByLabelText('RPC method name')).toBeInTheDocument();
    expect(within(condition(1)).queryByLabelText('URI')).not.toBeInTheDocument();
    expect(within(condition(1)).getByText('Matches all traffic')).toBeInTheDocument();
    expect(within(condition(1)).getByLabelText('Version weights of condition 1')).toBeInTheDocument();

    await user.click(within(drawer).getByText('Add condition'));
    const unreachable = 'Unreachable: an earlier condition matches all traffic';
    expect(within(condition(2)).getByText(unreachable)).toBeInTheDocument();

    await user.type(within(condition(1)).getByLabelText('RPC method name'), 'echo');
    expect(within(drawer).queryByText(unreachable)).not.toBeInTheDocument();

    await user.click(byLabel(drawer, 'Move condition 2 up'));
    expect(within(condition(2)).getByLabelText('RPC method name')).toHaveValue('echo');
    expect(within(condition(2)).getByText(unreachable)).toBeInTheDocument();
  });
});

// @vitest-environment jsdom
import '../../test/setup';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { i18n } from '../../lib/i18n';
import { server } from '../../test/server';
import {
  ECHO_ID,
  ECHO_V1,
  ECHO_V2,
  ROUTES,
  byLabel,
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
  weightsGroup,
} from './testing';

describe('Routing rule form', () => {
  it('blocks Submit with the message at 30/60 and allows it at 20/80, then creates the rule', async () => {
    const { requests, record } = serveRoutes(listOf([]));
    server.use(
      http.post(`${ROUTES}/preview`, async ({ request }) => {
        await record(request);
        return HttpResponse.json(previewOf());
      }),
      http.post(ROUTES, async ({ request }) => {
        await record(request);
        return HttpResponse.json(rule(), { status: 201 });
      }),
    );
    const user = setupUser();
    renderRoutesTab();
    expect(await screen.findByText('No routing rules yet')).toBeInTheDocument();

    const drawer = await openAddForm(user);
    await user.type(byLabel(drawer, 'Rule name'), 'echo-split');
    expect(byLabel(drawer, 'Application')).toHaveValue('echo-provider');
    expect(byLabel(drawer, 'Service')).toHaveValue(ECHO_ID);
    expect(byLabel(drawer, 'Service type')).toHaveValue('Dubbo');
    expect(within(byLabel(drawer, 'Route type')).getByRole('radio', { name: 'Version route' })).toBeChecked();
    expect(byLabel(drawer, 'Traffic split')).toHaveAttribute('role', 'switch');
    expect(byLabel(drawer, 'Traffic split')).toBeChecked();

    await user.click(byLabel(drawer, 'Add version'));
    expect(byLabel(drawer, 'Version, row 2')).toHaveAttribute('role', 'combobox');
    expect(byLabel(drawer, 'Add version')).toBeDisabled(); // Both versions are in use.

    await typeWeight(user, drawer, ECHO_V1, 30);
    await typeWeight(user, drawer, ECHO_V2, 60);
    const group = weightsGroup(drawer);
    expect(within(group).getByRole('status')).toHaveTextContent('Total 90%');
    const submit = submitButton(drawer);
    expect(submit).toBeDisabled();
    const message = within(drawer).getByText('Weights must total 100%');
    expect(message).toBeVisible();
    expect(submit).toHaveAttribute('aria-describedby', message.id);

    await typeWeight(user, drawer, ECHO_V1, 20);
    await typeWeight(user, drawer, ECHO_V2, 80);
    expect(within(group).getByRole('status')).toHaveTextContent('Total 100%');
    expect(submit).toBeEnabled();
    expect(within(drawer).queryByText('Weights must total 100%')).not.toBeInTheDocument();
    expect(submit).not.toHaveAttribute('aria-describedby');

    await user.click(submit);
    expect(await screen.findByText('Routing rule echo-split saved')).toBeInTheDocument();
    // Submit writes at once (the BFF checks again): no preview first, so the audit records a
    // refused submit as the create it is.
    const writes = requests.filter((r) => r.method === 'POST');
    expect(writes.map((r) => r.path)).toEqual([`/api/v1/services/${ECHO_ID}/routes`]);
    expect(writes[0]?.body).toEqual(
      versionForm([
        [ECHO_V1, 20],
        [ECHO_V2, 80],
      ]),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('lets the unlocked rows absorb a slider move', async () => {
    serveRoutes(listOf([rule()]));
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('Edit echo-split'));
    const drawer = await screen.findByRole('dialog', { name: 'Edit routing rule' });

    const v1 = byLabel(drawer, weightOf(ECHO_V1));
    expect(v1).toHaveAttribute('role', 'slider');
    // rc-slider reads keyCode, which user-event does not set.
    v1.focus();
    fireEvent.keyDown(v1, { key: 'ArrowRight', keyCode: 39 });
    expect(v1).toHaveAttribute('aria-valuenow', '21');
    expect(byLabel(drawer, weightOf(ECHO_V2))).toHaveAttribute('aria-valuenow', '79');

    const lock = byLabel(drawer, `Lock weight of ${ECHO_V2}`);
    await user.click(lock);
    expect(lock).toHaveAttribute('aria-pressed', 'true');
    expect(byLabel(drawer, weightOf(ECHO_V2))).toHaveAttribute('aria-disabled', 'true');
    // The locked row bounds what the other can take: dragging v1 to the end stops at 21, not 100.
    fireEvent.keyDown(v1, { key: 'End', keyCode: 35 });
    expect(v1).toHaveAttribute('aria-valuenow', '21');
    expect(byLabel(drawer, weightOf(ECHO_V2))).toHaveAttribute('aria-valuenow', '79');
    expect(within(weightsGroup(drawer)).getByRole('status')).toHaveTextContent('Total 100%');
    // No unlocked row is left to absorb a move down: the total falls below 100 and Submit waits.
    fireEvent.keyDown(v1, { key: 'ArrowLeft', keyCode: 37 });
    expect(v1).toHaveAttribute('aria-valuenow', '20');
    expect(within(weightsGroup(drawer)).getByRole('status')).toHaveTextContent('Total 99%');
    expect(submitButton(drawer)).toBeDisabled();
  });

  it('fills the form when editing and sends the resourceVersion it was based on', async () => {
    const { requests, record } = serveRoutes(listOf([rule()]));
    const update = { ...must(previewOf().objects[0]), action: 'update' as const };
    server.use(
      http.post(`${ROUTES}/preview`, async ({ request }) => {
        await record(request);
        return HttpResponse.json(previewOf('echo-split', { objects: [update] }));
      }),
      http.put(`${ROUTES}/:name`, async ({ request }) => {
        await record(request);
        return HttpResponse.json(rule({ resourceVersion: '102' }));
      }),
    );
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('Edit echo-split'));
    const drawer = await screen.findByRole('dialog', { name: 'Edit routing rule' });

    const name = byLabel(drawer, 'Rule name');
    expect(name).toHaveValue('echo-split');
    expect(name).toBeDisabled();
    expect(byLabel(drawer, weightOf(ECHO_V1))).toHaveAttribute('aria-valuenow', '20');
    expect(byLabel(drawer, weightOf(ECHO_V2))).toHaveAttribute('aria-valuenow', '80');
    expect(byLabel(drawer, 'Version, row 1').closest('.ant-select')).toHaveTextContent(ECHO_V1);
    expect(byLabel(drawer, 'Version, row 2').closest('.ant-select')).toHaveTextContent(ECHO_V2);

    await user.click(within(weightsGroup(drawer)).getByText('Distribute evenly'));
    // The preview renders below the form: it is scrolled into view and its heading takes focus.
    const scrolled: Element[] = [];
    Element.prototype.scrollIntoView = function scrollIntoView(this: Element) {
      scrolled.push(this);
    };
    await user.click(submitButton(drawer, 'Preview'));
    const preview = await within(drawer).findByLabelText('Preview', { selector: 'section' });
    const heading = within(preview).getByRole('heading', { name: 'Preview' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(scrolled).toEqual([heading]);
    delete (Element.prototype as Partial<Element>).scrollIntoView;
    expect(within(preview).getByText('Update')).toBeInTheDocument();
    expect(within(preview).getByLabelText('Changes to VirtualService echo-split')).toHaveTextContent(
      '+kind: VirtualService',
    );
    await user.click(within(preview).getByRole('tab', { name: 'YAML' }));
    expect(within(preview).getByLabelText('YAML of VirtualService echo-split')).toHaveTextContent(
      'kind: VirtualService',
    );

    await user.click(submitButton(drawer));
    await screen.findByText('Routing rule echo-split saved');
    const put = requests.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(`/api/v1/services/${ECHO_ID}/routes/echo-split`);
    expect(put?.body).toMatchObject({
      resourceVersion: '101',
      destinations: [
        { version: ECHO_V1, weight: 50 },
        { version: ECHO_V2, weight: 50 },
      ],
    });
  });

  it('shows a duplicate version inline, under the row it concerns', async () => {
    serveRoutes(
      listOf([
        rule({
          form: versionForm([
            [ECHO_V1, 50],
            [ECHO_V1, 50],
          ]),
        }),
      ]),
    );
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('Edit echo-split'));
    const drawer = await screen.findByRole('dialog', { name: 'Edit routing rule' });

    const message = await within(drawer).findByText(`Version ${ECHO_V1} appears twice`);
    const rows = weightsGroup(drawer).querySelectorAll<HTMLElement>('tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContainElement(message);
    expect(within(must(rows[0])).queryByText(/appears twice/)).not.toBeInTheDocument();
  });

  it('speaks Chinese', async () => {
    serveRoutes(listOf([rule()]));
    await i18n.changeLanguage('zh-CN');
    const user = setupUser();
    renderRoutesTab();
    await user.click(await screen.findByLabelText('编辑 echo-split'));
    const drawer = await screen.findByRole('dialog', { name: '编辑路由规则' });
    for (const label of ['规则名称', '应用', '服务', '服务类型']) {
      expect(byLabel(drawer, label)).toHaveAttribute('type', 'text');
    }
    expect(byLabel(drawer, '路由类型')).toHaveAttribute('role', 'radiogroup');
    expect(within(byLabel(drawer, '路由类型')).getByLabelText('版本路由')).toBeChecked();
    expect(byLabel(drawer, '分流开关')).toBeChecked();
    const group = weightsGroup(drawer, '版本权重');
    for (const header of ['版本', '权重', '操作']) {
      expect(within(group).getByRole('columnheader', { name: header })).toBeInTheDocument();
    }
    await user.click(byLabel(drawer, `切换为手动输入（${ECHO_V1}）`));
    const v1 = byLabel(drawer, `${ECHO_V1} 的权重`);
    await user.clear(v1);
    await user.type(v1, '30');
    expect(within(group).getByRole('status')).toHaveTextContent('合计 110%');
    expect(byLabel(drawer, `删除 ${ECHO_V2}`)).toBeInTheDocument();
    expect(byLabel(drawer, '添加版本')).toBeInTheDocument();
    expect(within(drawer).getByText('提交时要求版本权重和为 100%')).toBeVisible();
    expect(submitButton(drawer, '提交')).toBeDisabled();
    expect(submitButton(drawer, '取消')).toBeEnabled();
  });
});

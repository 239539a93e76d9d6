import path from 'node:path';
import { load } from 'js-yaml';
import { expectAccessible, OPEN_DIALOG } from './a11y';
import { kubectl } from './kubectl';
import { RoutesTab } from './pages/routing';
import { attemptName, attemptNames, expect, failedResource, test } from './fixtures';

const ECHO = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
const V1 = '20191115224823305.fvxo1wbt';
const V2 = '20191115225115467.dfy77ofd';
// Set for each attempt (attemptName): a retry makes its own rules, with their own history.
let RULE = 'echo-split';
let CONFLICT_RULE = 'echo-conflict';
const NAMESPACE = 'dubbo-demo';

interface VirtualService {
  spec: { http?: { route?: { weight?: number; destination: { subset?: string } }[] }[] };
}

/** The rule's weights as a real kubectl reads them from the control plane. */
function liveWeights(name = RULE): number[] {
  const out = kubectl(['get', 'virtualservice', name, '-n', NAMESPACE, '-o', 'yaml']);
  const vs = load(out) as VirtualService;
  return (vs.spec.http?.[0]?.route ?? []).map((r) => r.weight ?? 0);
}

/** Screenshots for a human to look at, when ROUTING_SCREENSHOTS names a directory. */
async function snap(target: { screenshot: (o: { path: string }) => Promise<unknown> }, name: string) {
  const dir = process.env.ROUTING_SCREENSHOTS;
  if (dir) await target.screenshot({ path: path.join(dir, `routing-${name}.png`) });
}

const rulePath = (name: string) =>
  `/api/v1/services/${encodeURIComponent(ECHO)}/routes/${encodeURIComponent(name)}`;

test.beforeEach(async ({ request }) => {
  RULE = attemptName('echo-split');
  CONFLICT_RULE = attemptName('echo-conflict');
  // An attempt starts from no rule of its own or of an earlier attempt (a 404 is fine).
  for (const name of [...attemptNames('echo-split'), ...attemptNames('echo-conflict')]) {
    expect([204, 404]).toContain((await request.delete(rulePath(name))).status());
  }
});

test('split EchoService 20/80 through the form, edit it, and roll it back from the history', async ({
  page,
}) => {
  test.slow();
  const routes = new RoutesTab(page);
  await routes.open(ECHO);
  await expectAccessible(page, 'the Routes tab');

  // Add: the talk's form, with the service filled in.
  const editor = await routes.add();
  // The drawer opens with focus in its first field.
  await expect(editor.field('Rule name')).toBeFocused();
  await editor.field('Rule name').fill(RULE);
  await expect(editor.field('Application')).toHaveValue('echo-provider');
  await expect(editor.field('Service')).toHaveValue(ECHO);
  await expect(editor.field('Service type')).toHaveValue('Dubbo');
  await expect(editor.dialog.getByRole('radio', { name: 'Version route' })).toBeChecked();
  await expect(editor.dialog.getByRole('switch', { name: 'Traffic split' })).toBeChecked();
  await expect(editor.versionSelect(1)).toBeVisible();
  await editor.addVersionButton().click();
  await expect(editor.versionSelect(2)).toBeVisible();

  await editor.setWeight(V1, 20);
  await editor.setWeight(V2, 80);
  await expect(editor.total()).toHaveText('Total 100%');
  await editor.button('Preview').click();
  // The preview renders below the form: the drawer scrolls to it and its heading takes focus.
  const previewHeading = editor.preview().getByRole('heading', { name: 'Preview' });
  await expect(previewHeading).toBeFocused();
  await expect(previewHeading).toBeInViewport();
  const yaml = editor.previewYaml('VirtualService', RULE);
  await expect(yaml).toContainText('weight: 20');
  await expect(yaml).toContainText('weight: 80');
  await expectAccessible(page, 'the route editor drawer with its preview', { include: OPEN_DIALOG });
  await snap(editor.dialog, 'form');
  await snap(editor.preview(), 'preview');

  // 30/60: Submit waits, and says why.
  await editor.setWeight(V1, 30);
  await editor.setWeight(V2, 60);
  await expect(editor.total()).toHaveText('Total 90%');
  await expect(editor.button('Submit')).toBeDisabled();
  await expect(editor.weightsRule()).toBeVisible();
  const ruleId = await editor.weightsRule().getAttribute('id');
  await expect(editor.button('Submit')).toHaveAttribute('aria-describedby', ruleId ?? '');
  await snap(editor.dialog.locator('.ant-drawer-footer'), 'blocked');

  // Back to 20/80 and submit.
  await editor.setWeight(V1, 20);
  await editor.setWeight(V2, 80);
  await expect(editor.weightsRule()).toBeHidden();
  await editor.button('Submit').click();
  await expect(editor.dialog).toBeHidden();
  await expect(routes.notice(`Routing rule ${RULE} saved`)).toBeVisible();
  await expect(routes.ruleRow(RULE)).toContainText(`${V1} 20% · ${V2} 80%`);
  expect(liveWeights()).toEqual([20, 80]);

  // Edit to 50/50.
  const edit = await routes.edit(RULE);
  await expect(edit.field('Rule name')).toHaveValue(RULE);
  await expect(edit.field('Rule name')).toBeDisabled();
  await expect(edit.weightSlider(V1)).toHaveAttribute('aria-valuenow', '20');
  await snap(edit.dialog, 'edit');
  await edit.button('Distribute evenly').click();
  await expect(edit.weightSlider(V2)).toHaveAttribute('aria-valuenow', '50');
  await edit.button('Submit').click();
  await expect(edit.dialog).toBeHidden();
  await expect(routes.ruleRow(RULE)).toContainText(`${V1} 50% · ${V2} 50%`);
  expect(liveWeights()).toEqual([50, 50]);

  // History: roll back to the 20/80 revision, which records a new one.
  const history = await routes.history(RULE);
  await expect(history.revisions()).toHaveCount(2);
  await expect(history.revision(1)).toContainText('Created');
  await history.rollBackTo(1);
  await expect(routes.notice(`Rolled back ${RULE} to revision 1`)).toBeVisible();
  await expect(history.revisions()).toHaveCount(3);
  await expect(history.revision(3)).toContainText('restored revision 1');
  await history.revision(2).getByRole('button', { name: 'Changes' }).click();
  await expect(history.revision(2).getByLabel('Changes · Revision 2')).toContainText('+          weight: 50');
  await snap(history.dialog, 'history');
  await history.dialog.getByRole('button', { name: 'Close' }).click();
  await expect(history.dialog).toBeHidden();
  await expect(routes.ruleRow(RULE)).toContainText(`${V1} 20% · ${V2} 80%`);
  await snap(page, 'tab');
  expect(liveWeights()).toEqual([20, 80]);
});

test.describe(() => {
  // Chromium logs the one expected 409 as a console error: the conflict is the point of the test.
  test.use({ allowedConsoleErrors: [failedResource(409)] });

  test('a rule changed by someone else meanwhile: the form is kept, reloaded against live and applied', async ({
    page,
    request,
  }) => {
    test.slow();
    const split = (a: number, b: number) => ({
      name: CONFLICT_RULE,
      routeType: 'version',
      trafficSplit: true,
      destinations: [
        { version: V1, weight: a },
        { version: V2, weight: b },
      ],
      matches: [],
    });
    const created = await request.post(`/api/v1/services/${encodeURIComponent(ECHO)}/routes`, {
      data: split(50, 50),
    });
    expect(created.status()).toBe(201);

    const routes = new RoutesTab(page);
    await routes.open(ECHO);
    const editor = await routes.edit(CONFLICT_RULE);
    await editor.setWeight(V1, 30);
    await editor.setWeight(V2, 70);

    // Someone else writes the rule while the form is open.
    const { resourceVersion } = (await created.json()) as { resourceVersion: string };
    const other = await request.put(rulePath(CONFLICT_RULE), { data: { ...split(90, 10), resourceVersion } });
    expect(other.ok()).toBe(true);

    await editor.button('Submit').click();
    await expect(editor.dialog.getByText('Someone else changed this rule')).toBeVisible();
    await expect(editor.weightInput(V1)).toHaveValue('30');
    await expect(editor.weightInput(V2)).toHaveValue('70');
    expect(liveWeights(CONFLICT_RULE)).toEqual([90, 10]);

    await editor.button('Reload live rule').click();
    const diff = editor.preview().getByLabel(`Changes to VirtualService ${CONFLICT_RULE}`);
    await expect(diff).toContainText('-          weight: 90');
    await expect(diff).toContainText('+          weight: 30');
    await snap(editor.dialog, 'conflict');
    await editor.button('Submit').click();
    await expect(editor.dialog).toBeHidden();
    expect(liveWeights(CONFLICT_RULE)).toEqual([30, 70]);
    expect((await request.delete(rulePath(CONFLICT_RULE))).status()).toBe(204);
  });
});

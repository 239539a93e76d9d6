// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { i18n } from '../../lib/i18n';
import { server } from '../../test/server';
import { sessionAs } from '../../test/session';
import type { PreviewResponse, ReleaseFormInput } from './contract';
import {
  RELEASES,
  choose,
  footerOf,
  release,
  renderSection,
  reviews,
  serveReleases,
  setupUser,
  typeNumber,
} from './testing';

const OPERATOR = sessionAs('operator', ['bookinfo']);

const PREVIEW: PreviewResponse = {
  dialect: 'istio',
  warnings: [],
  objects: [
    {
      kind: 'VirtualService',
      namespace: 'bookinfo',
      name: 'reviews',
      action: 'update',
      apiVersion: 'networking.istio.io/v1',
      yaml: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\n# weight: 20\n',
      diff: '-        weight: 100\n+        weight: 80\n',
    },
  ],
};

async function openForm() {
  const user = setupUser();
  await user.click(await screen.findByRole('button', { name: 'Start a canary' }));
  const drawer = await screen.findByRole('dialog', { name: 'Start a canary' });
  return { user, drawer, field: (label: string) => within(drawer).getByLabelText(label) };
}

/** The problems shown under the form's fields. */
const shownErrors = (drawer: HTMLElement) =>
  [...drawer.querySelectorAll('.ant-form-item-explain-error')].map((e) => e.textContent);

describe('Start a canary', () => {
  it('validates with the contract as the operator types: canary ≠ stable, weights rising to 100', async () => {
    serveReleases({ items: [] });
    renderSection(null, OPERATOR);
    const { user, drawer, field } = await openForm();

    // The defaults: 5/10/25/50/100, each held 60 s, rolled back on failure; nothing red yet.
    expect([1, 2, 3, 4, 5].map((n) => (field(`Weight of step ${n} (%)`) as HTMLInputElement).value)).toEqual([
      '5',
      '10',
      '25',
      '50',
      '100',
    ]);
    expect((field('Hold of step 1 (seconds)') as HTMLInputElement).value).toBe('60');
    expect(shownErrors(drawer)).toEqual([]);

    await choose(user, field('Canary version'), 'v1');
    expect(
      await within(drawer).findByText('The canary version must differ from the stable version (v1)'),
    ).toBeVisible();
    await choose(user, field('Canary version'), 'v3');
    await waitFor(() => expect(shownErrors(drawer)).toEqual([]));
    // A name is offered from the canary while none is typed.
    expect(field('Release name')).toHaveValue('reviews-v3');

    await typeNumber(user, field('Weight of step 3 (%)'), 8);
    expect(
      await within(drawer).findByText('Step 3: the weight must be above the previous step’s 10%'),
    ).toBeVisible();
    await typeNumber(user, field('Weight of step 3 (%)'), 25);
    await typeNumber(user, field('Weight of step 5 (%)'), 90);
    await waitFor(() =>
      expect(shownErrors(drawer)).toEqual(['The last step must send 100% to the canary (now 90%)']),
    );

    // Removing the last step makes step 4 (50%) the last one.
    await user.click(field('Remove step 5'));
    await waitFor(() =>
      expect(shownErrors(drawer)).toEqual(['The last step must send 100% to the canary (now 50%)']),
    );
    // An empty number says so instead of a zod type error.
    await typeNumber(user, field('Weight of step 4 (%)'), '');
    await waitFor(() => expect(shownErrors(drawer)).toEqual(['Enter a number']));
    await typeNumber(user, field('Weight of step 4 (%)'), 100);
    await waitFor(() => expect(shownErrors(drawer)).toEqual([]));
    expect(footerOf(drawer).getByRole('button', { name: 'Start' })).toBeDisabled();
  });

  it('previews the first stage, then starts with what was typed; a refusal keeps the form as it was', async () => {
    const started = release('Progressing', { samples: [] });
    serveReleases({ items: [] });
    const bodies: { path: string; body: ReleaseFormInput }[] = [];
    let refuse = true;
    server.use(
      http.post(`${RELEASES}/preview`, async ({ request }) => {
        bodies.push({ path: 'preview', body: (await request.json()) as ReleaseFormInput });
        return HttpResponse.json(PREVIEW);
      }),
      http.post(RELEASES, async ({ request }) => {
        bodies.push({ path: 'start', body: (await request.json()) as ReleaseFormInput });
        if (refuse) {
          refuse = false;
          return HttpResponse.json(
            {
              code: 'InvalidRequest',
              message: 'steps.0.holdSeconds: At least 5',
              field: 'steps.0.holdSeconds',
            },
            { status: 400 },
          );
        }
        return HttpResponse.json(started, { status: 201 });
      }),
    );
    renderSection(null, OPERATOR);
    const { user, drawer, field } = await openForm();
    await choose(user, field('Canary version'), 'v3');
    for (const n of [5, 4]) await user.click(field(`Remove step ${n}`));
    await typeNumber(user, field('Weight of step 1 (%)'), 20);
    await typeNumber(user, field('Weight of step 2 (%)'), 50);
    await typeNumber(user, field('Weight of step 3 (%)'), 100);
    for (const n of [1, 2, 3]) await typeNumber(user, field(`Hold of step ${n} (seconds)`), 10);

    const footer = footerOf(drawer);
    expect(footer.getByRole('button', { name: 'Start' })).toBeDisabled();
    await user.click(footer.getByRole('button', { name: 'Preview' }));
    const preview = await within(drawer).findByRole('region', { name: 'Preview' });
    expect(within(preview).getByLabelText('YAML of VirtualService reviews')).toHaveTextContent(
      '# weight: 20',
    );

    await user.click(footer.getByRole('button', { name: 'Start' }));
    // The refusal shows under the field it names, and what was typed is still there.
    expect(await within(drawer).findByText('At least 5')).toBeVisible();
    expect(field('Release name')).toHaveValue('reviews-v3');
    expect(field('Weight of step 2 (%)')).toHaveValue('50');

    await user.click(footer.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(bodies.filter((b) => b.path === 'start')).toHaveLength(2));
    const expected: ReleaseFormInput = {
      name: 'reviews-v3',
      stable: 'v1',
      canary: 'v3',
      steps: [
        { weight: 20, holdSeconds: 10 },
        { weight: 50, holdSeconds: 10 },
        { weight: 100, holdSeconds: 10 },
      ],
      gates: { maxErrorRate: 1, maxP99Ms: 500, minRequests: 20 },
      onFailure: 'rollback',
    };
    expect(bodies.map((b) => b.body)).toEqual([expected, expected, expected]);
    expect(await screen.findByText('Release reviews-v3 started')).toBeInTheDocument();
  });

  it('starts with a header stage first, and explains a 409 in the footer keeping the form', async () => {
    serveReleases({ items: [] });
    const bodies: ReleaseFormInput[] = [];
    server.use(
      http.post(`${RELEASES}/preview`, () => HttpResponse.json(PREVIEW)),
      http.post(RELEASES, async ({ request }) => {
        bodies.push((await request.json()) as ReleaseFormInput);
        return HttpResponse.json(
          { code: 'Conflict', message: 'Release reviews-v2 of this service is still Progressing' },
          { status: 409 },
        );
      }),
    );
    renderSection(null, OPERATOR);
    const { user, drawer, field } = await openForm();
    await choose(user, field('Canary version'), 'v3');
    await user.click(within(drawer).getByRole('checkbox', { name: 'Start with a header canary' }));
    const footer = footerOf(drawer);
    // The header stage's fields are required once it is on.
    await user.click(footer.getByRole('button', { name: 'Preview' }));
    await waitFor(() => expect(shownErrors(drawer)).toEqual(['Enter a name', 'Enter a value']));
    await user.click(field('Header name'));
    await user.paste('x-canary');
    await user.click(field('Exact value'));
    await user.paste('yes');
    await typeNumber(user, field('Header stage hold (seconds)'), 30);
    await user.click(footer.getByRole('button', { name: 'Preview' }));
    await within(drawer).findByRole('region', { name: 'Preview' });

    await user.click(footer.getByRole('button', { name: 'Start' }));
    expect(await footer.findByText('Could not start the release')).toBeVisible();
    expect(footer.getByText(/reviews-v2 of this service is still Progressing/)).toBeVisible();
    expect(bodies[0]?.headerCanary).toEqual({ name: 'x-canary', value: 'yes', holdSeconds: 30 });
    expect(field('Header name')).toHaveValue('x-canary');
    expect(field('Release name')).toHaveValue('reviews-v3');
  });

  it('says the contract’s problems in Chinese', async () => {
    serveReleases({ items: [] });
    await i18n.changeLanguage('zh-CN');
    renderSection(null, OPERATOR);
    const user = setupUser();
    await user.click(await screen.findByRole('button', { name: '开始金丝雀发布' }));
    const drawer = await screen.findByRole('dialog', { name: '开始金丝雀发布' });
    await choose(user, within(drawer).getByLabelText('金丝雀版本'), 'v1');
    await typeNumber(user, within(drawer).getByLabelText('第 5 步的权重（%）'), 90);
    await waitFor(() =>
      expect(shownErrors(drawer)).toEqual([
        '金丝雀版本必须与稳定版本（v1）不同',
        '最后一步必须将 100% 流量发往金丝雀版本（当前为 90%）',
      ]),
    );
  });

  it('is not offered to a viewer or to an operator of another namespace', async () => {
    serveReleases({ items: [release('Succeeded')] });
    const { unmount } = renderSection(null, sessionAs('viewer'));
    expect(await screen.findByRole('region', { name: 'Release reviews-v3' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Start a canary' })).not.toBeInTheDocument();
    unmount();

    renderSection(null, sessionAs('operator', ['shop']));
    expect(await screen.findByRole('region', { name: 'Release reviews-v3' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Start a canary' })).not.toBeInTheDocument();
    expect(reviews.namespace).toBe('bookinfo');
  });
});

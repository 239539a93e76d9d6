// @vitest-environment jsdom
import '../../test/setup';
import { act, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextState, startRelease } from '../../../../bff/src/mesh/release';
import type { VersionReading } from '../../../../bff/src/mesh/release';
import { i18n } from '../../lib/i18n';
import { server } from '../../test/server';
import { sessionAs } from '../../test/session';
import { MockEventSource } from '../monitoring/testing';
import type { ReleaseAction, ReleasePhase } from './contract';
import { ReleasePanel } from './ReleasePanel';
import { RELEASES, release, renderSection, serveReleases, setupUser } from './testing';

const ACTIONS = ['Pause', 'Resume', 'Promote now', 'Abort'];

function renderPanel(phase: ReleasePhase, readOnly?: string) {
  const onAction = vi.fn<(action: ReleaseAction) => void>();
  renderSection(<ReleasePanel release={release(phase)} readOnly={readOnly} onAction={onAction} live />);
  const panel = screen.getByRole('region', { name: 'Release reviews-v3' });
  const shownActions = () => ACTIONS.filter((name) => within(panel).queryByRole('button', { name }) !== null);
  return { panel, onAction, shownActions };
}

describe('Release panel', () => {
  it.each<[ReleasePhase, string, string, string[]]>([
    ['Progressing', 'Progressing', 'Step 2 of 3: 50%', ['Pause', 'Promote now', 'Abort']],
    ['Paused', 'Paused', 'Step 2 of 3: 50%', ['Resume', 'Promote now', 'Abort']],
    ['Succeeded', 'Succeeded', 'All 3 steps done: v3 takes 100%', []],
    ['RolledBack', 'Rolled back', 'Stopped at step 2 of 3: 50%', []],
  ])(
    'shows a %s release: its phase, where the ladder is, and the actions it allows',
    (phase, tag, step, actions) => {
      const { panel, shownActions } = renderPanel(phase);
      expect(within(panel).getByText(tag, { selector: '.ant-tag' })).toBeInTheDocument();
      expect(within(panel).getByTestId('release-step')).toHaveTextContent(step);
      const ladder = within(panel).getByRole('region', { name: 'Steps of reviews-v3' });
      expect(ladder).toHaveTextContent('20%hold 10 s');
      expect(shownActions()).toEqual(actions);
    },
  );

  it('counts the current step’s hold', () => {
    const running = release('Progressing');
    const since = new Date(Date.now() - 4_000).toISOString();
    renderSection(
      <ReleasePanel
        release={{ ...running, status: { ...running.status, stepStartedAt: since } }}
        onAction={vi.fn()}
        live
      />,
    );
    expect(screen.getByTestId('release-step')).toHaveTextContent(/Step 2 of 3: 50% · held [45] s of 10 s/);
  });

  it('says why it rolled back or paused in a banner, and shows no banner otherwise', () => {
    const rolledBack = renderPanel('RolledBack');
    const banner = within(rolledBack.panel).getByRole('alert');
    expect(banner).toHaveTextContent('Rolled back to 100% v1');
    expect(banner).toHaveTextContent('step 2 failed: error rate 29.5% > 1% (stable 0.2%)');
    rolledBack.panel.remove();

    const paused = renderPanel('Paused');
    expect(within(paused.panel).getByRole('alert')).toHaveTextContent(
      'PausedThe route reviews was edited by admin during the release',
    );
    paused.panel.remove();

    for (const phase of ['Progressing', 'Succeeded'] as const) {
      const { panel } = renderPanel(phase);
      expect(within(panel).queryByRole('alert')).not.toBeInTheDocument();
      panel.remove();
    }
  });

  it('says the decision log, the gate summary and the banner’s reason in Chinese, as the state machine words them', async () => {
    const shown = release('RolledBack');
    const at = (seconds: number) => new Date(Date.parse(shown.status.startedAt) + seconds * 1_000);
    const reading = (requests: number, errors: number, p99Ms: number): VersionReading => ({
      requests,
      errors,
      p99Ms,
    });
    const stable = reading(2_000, 4, 150);
    const tick = (canary: VersionReading) => ({ kind: 'tick' as const, readings: { canary, stable } });
    const begun = startRelease(shown.spec, at(0)).status;
    const second = nextState(
      { spec: shown.spec, status: begun },
      tick(reading(1_000, 4, 180)),
      at(11),
    ).status;
    const failed = nextState(
      { spec: shown.spec, status: second },
      tick(reading(200, 59, 180)),
      at(15),
    ).status;
    expect(failed.phase).toBe('RolledBack');

    await i18n.changeLanguage('zh-CN');
    renderSection(<ReleasePanel release={{ ...shown, status: failed }} onAction={vi.fn()} live />);
    const panel = screen.getByRole('region', { name: '发布 reviews-v3' });
    const rolledBack = '第 2 步未通过：错误率 29.5% > 1%（稳定版本 0.2%）；已回滚到 100% v1';
    expect(within(panel).getByRole('alert')).toHaveTextContent(rolledBack);
    expect(within(panel).getByRole('region', { name: '当前闸门' })).toHaveTextContent(
      '错误率 29.5% > 1%（稳定版本 0.2%）',
    );
    const log = within(panel).getByRole('list', { name: '决策日志' });
    expect(
      within(log)
        .getAllByRole('listitem')
        .map((item) => item.lastChild?.textContent),
    ).toEqual([
      rolledBack,
      '第 2 步已开始：50% 发往 v3，50% 发往 v1',
      '第 1 步通过：错误率 0.4% < 1%，p99 180 ms < 400 ms，1,000 个请求',
      '发布 reviews-v3 已开始：20% 发往 v3，80% 发往 v1',
    ]);
  });

  it('shows a reader no actions and says why', () => {
    const { panel, shownActions } = renderPanel('Progressing', 'Your role, viewer, cannot change routes');
    expect(shownActions()).toEqual([]);
    expect(within(panel).getByRole('note')).toHaveTextContent(
      'You can watch this release; Your role, viewer, cannot change routes',
    );
  });

  it('asks before promoting or aborting; pauses at once', async () => {
    const user = setupUser();
    const { panel, onAction } = renderPanel('Progressing');
    await user.click(within(panel).getByRole('button', { name: 'Pause' }));
    expect(onAction).toHaveBeenLastCalledWith('pause');

    await user.click(within(panel).getByRole('button', { name: 'Abort' }));
    expect(await screen.findByText('Abort reviews-v3?')).toBeInTheDocument();
    expect(screen.getByText('Traffic goes back to 100% v1 at once.')).toBeInTheDocument();
    expect(onAction).toHaveBeenCalledTimes(1);
    const confirm = screen.getByText('Abort reviews-v3?').closest<HTMLElement>('.ant-popover');
    await user.click(within(confirm as HTMLElement).getByRole('button', { name: 'Abort' }));
    expect(onAction).toHaveBeenLastCalledWith('abort');
  });

  it('lists the gates against their thresholds and the decisions newest first', () => {
    const { panel } = renderPanel('RolledBack');
    const gates = within(panel).getByRole('region', { name: 'Gates now' });
    const rows = within(gates)
      .getAllByRole('row')
      .slice(1)
      .map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent));
    expect(rows).toEqual([
      ['Error rate', '29.5%', '0.2%', '≤ 1%', 'Fail'],
      ['p99 latency', '180 ms', '150 ms', '≤ 400 ms', 'Pass'],
      ['Requests', '120', '480', '≥ 20', 'Pass'],
    ]);
    const log = within(panel).getByRole('list', { name: 'Decision log' });
    expect(
      within(log)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      expect.stringContaining('step 1 passed'),
      expect.stringContaining('started by operator-user'),
    ]);
    const charts = within(panel).getByRole('region', { name: 'Gates over time' });
    expect(
      within(charts)
        .getAllByRole('img')
        .map((c) => c.getAttribute('aria-label')),
    ).toEqual([
      'Error rate of reviews-v3 over time',
      'p99 latency of reviews-v3 over time',
      'Requests of reviews-v3 over time',
      'Canary share of reviews-v3 over time',
    ]);
  });
});

describe('Releases on the Routes tab', () => {
  beforeEach(() => {
    MockEventSource.reset();
    vi.stubGlobal('EventSource', MockEventSource);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('follows the running release over its stream, and opens a past one from the history', async () => {
    const past = release('RolledBack', {
      name: 'reviews-v2',
      spec: { ...release().spec, name: 'reviews-v2', canary: 'v2' },
    });
    serveReleases({ items: [release('Progressing'), past] });
    const { queryClient } = renderSection(null, sessionAs('operator', ['bookinfo']));
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    const routesRefreshed = () =>
      invalidate.mock.calls.filter(([filters]) => filters?.queryKey?.[0] === 'routing').length;
    const panel = await screen.findByRole('region', { name: 'Release reviews-v3' });
    expect(within(panel).getByTestId('release-step')).toHaveTextContent('Step 2 of 3: 50%');
    expect(screen.getByRole('button', { name: 'Start a canary' })).toBeDisabled();

    const stream = MockEventSource.latest();
    expect(stream.url).toBe('/api/v1/services/reviews.bookinfo.svc.cluster.local/releases/reviews-v3/events');
    stream.connect();
    const chart = within(panel).getByRole('img', { name: 'Error rate of reviews-v3 over time' });
    const advanced = release('Progressing');
    act(() => stream.emit('release', { ...advanced, status: { ...advanced.status, step: 2 } }));
    await waitFor(() =>
      expect(within(panel).getByTestId('release-step')).toHaveTextContent('Step 3 of 3: 100%'),
    );
    // A new step wrote new weights: the Routes tab's rules are fetched again.
    expect(routesRefreshed()).toBe(1);
    // Updated in place: the same chart, not a new one.
    expect(within(panel).getByRole('img', { name: 'Error rate of reviews-v3 over time' })).toBe(chart);

    act(() => stream.emit('release', release('Succeeded')));
    await waitFor(() =>
      expect(within(panel).getByTestId('release-step')).toHaveTextContent('All 3 steps done'),
    );
    // Done: the stream closes, and a new canary may start.
    await waitFor(() => expect(MockEventSource.open()).toHaveLength(0));
    expect(screen.getByRole('button', { name: 'Start a canary' })).toBeEnabled();

    const history = screen.getByRole('region', { name: 'Releases of this service' });
    const user = setupUser();
    await user.click(within(history).getByRole('button', { name: 'Open reviews-v2' }));
    const opened = await screen.findByRole('region', { name: 'Release reviews-v2' });
    expect(within(opened).getByRole('alert')).toHaveTextContent('step 2 failed: error rate 29.5% > 1%');
  });

  it('sends an action and explains a refusal', async () => {
    serveReleases({ items: [release('Paused')] });
    server.use(
      http.post(`${RELEASES}/:name/resume`, () =>
        HttpResponse.json(
          { code: 'Conflict', message: 'reviews-v3 cannot resume: its route was edited by hand' },
          { status: 409 },
        ),
      ),
    );
    renderSection(null, sessionAs('operator', ['bookinfo']));
    const panel = await screen.findByRole('region', { name: 'Release reviews-v3' });
    await setupUser().click(within(panel).getByRole('button', { name: 'Resume' }));
    expect(
      await screen.findByText(/Resume failed: .*cannot resume: its route was edited by hand/),
    ).toBeInTheDocument();
  });

  it('says when there are no releases, and when they cannot be loaded', async () => {
    serveReleases({ items: [] });
    const { unmount } = renderSection(null, sessionAs('operator', ['bookinfo']));
    expect(await screen.findByText('No releases yet')).toBeInTheDocument();
    unmount();

    server.use(
      http.get(RELEASES, () => HttpResponse.json({ code: 'Internal', message: 'boom' }, { status: 500 })),
    );
    renderSection(null, sessionAs('operator', ['bookinfo']));
    expect(await screen.findByText('Could not load the releases')).toBeInTheDocument();
  });
});

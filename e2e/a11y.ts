import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** WCAG 2.1 levels A and AA (axe's tags for 2.0 and for what 2.1 added). */
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Something the scan leaves out on purpose, and why (a third-party widget, a known false positive). */
export interface Exemption {
  why: string;
}

export interface ScanOptions {
  /** Scans only this part of the page (a CSS selector), e.g. an open drawer already scanned around. */
  include?: string;
  /** Parts of the page left out: a widget we cannot change. */
  exclude?: (Exemption & { selector: string })[];
  /** Rules turned off for this page state only. */
  disableRules?: (Exemption & { rules: string[] })[];
}

/** Open drawers and modals, by their dialog role (antd puts it on the panel, not on the mask). */
export const OPEN_DIALOG = '.ant-drawer-open [role="dialog"], .ant-modal-wrap [role="dialog"]';

type Violation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

const NODES_SHOWN = 8;

/** One line per violation and one per element: rule id, impact, help, its page, then each target. */
function formatViolations(violations: Violation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes.slice(0, NODES_SHOWN).map((node) => {
        const target = node.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' → ');
        // The first reason axe gives ("Element has insufficient color contrast of 3.1 …").
        const reason = (node.failureSummary ?? '').split('\n').find((line) => /^\s+\S/.test(line));
        return `    ${target}${reason ? `\n      ${reason.trim()}` : ''}`;
      });
      const more = v.nodes.length > NODES_SHOWN ? [`    … and ${v.nodes.length - NODES_SHOWN} more`] : [];
      return [`  ${v.id} (${v.impact ?? 'no impact'}): ${v.help} — ${v.helpUrl}`, ...nodes, ...more].join(
        '\n',
      );
    })
    .join('\n');
}

/**
 * The page as it rests: transitions that end (a drawer sliding in, a fade) have ended, so that
 * colours are final, and the pointer is off the controls, whose hover colours are not their own.
 */
async function settle(page: Page): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForFunction(() =>
    document
      .getAnimations()
      .every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity),
  );
}

const PAUSED = '__a11yPausedAnimations';

/**
 * Endless animations (the live indicator's pulse) are paused while axe runs: each frame of one
 * invalidates the styles axe reads, and the scan of the monitoring page took 11 s instead of 2.
 * One that began after `settle` (a toast fading out when its time is up) is finished instead, so
 * axe reads its end state, not a colour half faded (a fresh clone's run failed on that once).
 */
async function pauseAnimations(page: Page, pause: boolean): Promise<void> {
  await page.evaluate(
    ({ key, pause }) => {
      const w = window as unknown as Record<string, Animation[] | undefined>;
      if (pause) {
        const running = document.getAnimations().filter((a) => a.playState === 'running');
        for (const a of running) if (a.effect?.getComputedTiming().endTime !== Infinity) a.finish();
        w[key] = running.filter((a) => a.playState === 'running');
        for (const a of w[key]) a.pause();
      } else {
        for (const a of w[key] ?? []) a.play();
        w[key] = undefined;
      }
    },
    { key: PAUSED, pause },
  );
}

/** Runs axe with the WCAG 2.1 A/AA rules on the page as it is now (or the part `include` names). */
async function scanAccessibility(page: Page, options: ScanOptions): Promise<Violation[]> {
  await settle(page);
  // Legacy mode runs axe in the page in one call; the default opens a second page for every scan
  // to merge the results of iframes, and the console has none.
  let axe = new AxeBuilder({ page }).withTags(WCAG_21_AA).setLegacyMode(true);
  if (options.include) axe = axe.include(options.include);
  for (const { selector } of options.exclude ?? []) axe = axe.exclude(selector);
  const disabled = (options.disableRules ?? []).flatMap((d) => d.rules);
  if (disabled.length > 0) axe = axe.disableRules(disabled);
  await pauseAnimations(page, true);
  try {
    return (await axe.analyze()).violations;
  } finally {
    await pauseAnimations(page, false);
  }
}

/**
 * Fails with the list of WCAG 2.1 A/AA violations axe finds in the page as it is now (`state` names
 * it in the report). One scan per page state: each costs about a second (more on a loaded machine).
 */
export async function expectAccessible(page: Page, state: string, options: ScanOptions = {}): Promise<void> {
  await test.step(`accessibility scan: ${state}`, async () => {
    const violations = await scanAccessibility(page, options);
    expect(
      violations.length,
      `Accessibility (axe, WCAG 2.1 A/AA) of ${state}: ${violations.length} rule(s) violated\n${formatViolations(violations)}\n`,
    ).toBe(0);
  });
}

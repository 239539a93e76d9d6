import { expect } from '@playwright/test';
import type { Locator, Response } from '@playwright/test';
import { ConsoleShell } from './ConsoleShell';

export type TopList = 'requests' | 'latency' | 'errorRate';

const TOP_LIST_NAMES: Record<TopList, RegExp> = {
  requests: /^(Top 5 by requests \(per minute\)|应用服务请求量 Top 5)$/,
  latency: /^(Top 5 by response time|应用服务响应时间 Top 5)$/,
  errorRate: /^(Top 5 by error rate|应用服务错误率 Top 5)$/,
};

/** The talk's 实时监控 screen: 更新时间, the three Top 5 lists and 应用服务列表. */
export class MonitoringPage extends ConsoleShell {
  async open(query = ''): Promise<void> {
    await this.page.goto(`/monitoring${query}`);
    await expect(this.heading()).toBeVisible();
  }

  heading(): Locator {
    return this.page.getByRole('heading', { name: /^(Monitoring|实时监控)$/, level: 3 });
  }

  /** "Updated at: 2019-09-23 17:56:53". */
  updatedAt(): Locator {
    return this.page.getByText(/^(Updated at:|更新时间：)/);
  }

  /** The live indicator: Live / Connecting… / Reconnecting…. */
  liveStatus(): Locator {
    return this.page
      .getByRole('status')
      .filter({ hasText: /^(Live|实时|Connecting…|连接中…|Reconnecting…|重新连接中…)$/ });
  }

  topList(list: TopList): Locator {
    return this.page.getByRole('list', { name: TOP_LIST_NAMES[list] });
  }

  applicationsRegion(): Locator {
    return this.page.getByRole('region', { name: /^(Application services|应用服务列表)$/ });
  }

  applicationsTable(): Locator {
    return this.applicationsRegion().getByRole('table');
  }

  /** The pagination's next-page item (antd titles it; its button has no name of its own). */
  nextApplicationsPage(): Locator {
    return this.applicationsRegion().getByTitle(/^(Next Page|下一页)$/);
  }

  applicationRow(application: string): Locator {
    return this.applicationsTable()
      .getByRole('row')
      .filter({ has: this.page.getByRole('link', { name: application, exact: true }) });
  }

  /** The applications in the table's rows (its first cells), top to bottom. */
  async applicationNames(): Promise<string[]> {
    const rows = this.applicationsTable().getByRole('row');
    const names: string[] = [];
    for (const row of (await rows.all()).slice(1)) {
      names.push(((await row.getByRole('cell').first().textContent()) ?? '').trim());
    }
    return names;
  }

  /** The numbers of a column of the table, top to bottom ("1,234.5" read as 1234.5; "—" as null). */
  async columnNumbers(column: string): Promise<(number | null)[]> {
    const headers = await this.applicationsTable().getByRole('columnheader').allTextContents();
    const index = headers.findIndex((h) => h.trim() === column);
    if (index < 0) throw new Error(`No column ${column} in ${headers.join(', ')}`);
    const rows = (await this.applicationsTable().getByRole('row').all()).slice(1);
    const values: (number | null)[] = [];
    for (const row of rows) {
      const text = ((await row.getByRole('cell').nth(index).textContent()) ?? '').replace(/,/g, '').trim();
      values.push(text === '—' ? null : Number(text));
    }
    return values;
  }

  /**
   * The next answer to a request for a page of the applications table whose query has `params`
   * (the BFF searches, sorts and pages the table). Call it before what makes the request.
   */
  applicationsPage(params: Record<string, string>, timeout?: number): Promise<Response> {
    return this.page.waitForResponse(
      (response) => {
        const url = new URL(response.url());
        return (
          url.pathname === '/api/v1/monitoring/applications' &&
          Object.entries(params).every(([name, value]) => url.searchParams.get(name) === value)
        );
      },
      timeout === undefined ? undefined : { timeout },
    );
  }

  searchBox(): Locator {
    return this.page.getByRole('textbox', { name: /^(Search applications|搜索应用服务)$/ });
  }

  timeWindow(): Locator {
    return this.page.getByRole('radiogroup', { name: /^(Time window|时间窗口)$/ });
  }

  /** antd draws each option's label over a zero-sized radio: click the label, as a user does. */
  async chooseWindow(label: string): Promise<void> {
    await this.timeWindow().getByText(label, { exact: true }).click();
    await expect(this.timeWindow().getByRole('radio', { name: label })).toBeChecked();
  }
}

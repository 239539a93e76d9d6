import { expect } from '@playwright/test';
import type { Locator } from '@playwright/test';
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

  applicationsTable(): Locator {
    return this.page
      .getByRole('region', { name: /^(Application services|应用服务列表)$/ })
      .getByRole('table');
  }

  applicationRow(application: string): Locator {
    return this.applicationsTable()
      .getByRole('row')
      .filter({ has: this.page.getByRole('link', { name: application, exact: true }) });
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

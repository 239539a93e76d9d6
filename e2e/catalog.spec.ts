import { expectAccessible } from './a11y';
import { ServiceDetailPage } from './pages/ServiceDetailPage';
import { ServicesPage } from './pages/ServicesPage';
import { expect, test } from './fixtures';

const ECHO = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
// The two versions of EchoService in the talk's routing form; the demo mesh seeds them.
const ECHO_VERSIONS = ['20191115224823305.fvxo1wbt', '20191115225115467.dfy77ofd'];

test('find EchoService, see its providers by version, and read them in Chinese', async ({ page }) => {
  // Two pages, a language switch and a reload: as the first test of a run on two cores (the server
  // and the browser warming up) it took 31 s once, past the default 30.
  test.slow();
  const services = new ServicesPage(page);
  await services.open();
  await expect(services.serviceLink(ECHO)).toBeVisible();
  await expectAccessible(page, 'the services catalog');

  await services.search('EchoService');
  await expect(services.serviceLink(ECHO)).toBeVisible();
  await services.openService(ECHO);

  const detail = new ServiceDetailPage(page);
  await expect(detail.tab('Providers')).toHaveAttribute('aria-selected', 'true');
  for (const version of ECHO_VERSIONS) {
    await expect(detail.instanceRows(version).first()).toBeVisible();
  }
  await expectAccessible(page, "a service's Providers tab");

  await detail.switchLanguage('中文');
  await expect(detail.tab('服务提供者')).toBeVisible();
  await expect(detail.tab('服务消费者')).toBeVisible();

  await page.reload();
  await expect(detail.tab('服务提供者')).toHaveAttribute('aria-selected', 'true');
  await expect(detail.languageButton()).toHaveAccessibleName('语言：中文');
  for (const version of ECHO_VERSIONS) {
    await expect(detail.instanceRows(version).first()).toBeVisible();
  }
});

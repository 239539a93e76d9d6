import type { Translation } from '../lib/i18n/types';

/** English text of the app shell: name, navigation, language switch, page not found (the `app` namespace). */
export const appEnUS = {
  name: 'Mesh Console',
  mainNavigation: 'Main navigation',
  language: 'Language',
  languageButton: 'Language: {{name}}',
  breadcrumb: 'Breadcrumb',
  nav: {
    services: 'Services',
    topology: 'Topology',
    istioConfig: 'Istio config',
    monitoring: 'Monitoring',
  },
  notFound: {
    title: 'Page not found',
    hint: 'There is no page at this address.',
  },
};

/** 中文文案：键与 en-US 完全一致（由类型检查保证）。 */
export const appZhCN: Translation<typeof appEnUS> = {
  name: '服务网格控制台',
  mainNavigation: '主导航',
  language: '语言',
  languageButton: '语言：{{name}}',
  breadcrumb: '路径导航',
  nav: {
    services: '服务',
    topology: '服务拓扑',
    istioConfig: 'Istio 配置',
    monitoring: '实时监控',
  },
  notFound: {
    title: '页面不存在',
    hint: '这个地址下没有页面。',
  },
};

import type { Translation } from '../../lib/i18n/types';

/** English text of the Istio config page (the `istioConfig` namespace). */
export const istioConfigEnUS = {
  title: 'Istio config',
  description:
    'Every routing object of the mesh, with the checks that say where one is wrong or has no effect.',
  loadFailed: 'Could not load the Istio configuration',
  empty: 'The mesh has no routing objects',
  emptyHint:
    'VirtualServices, DestinationRules, Gateways, ServiceEntries and EnvoyFilters appear here once they are applied, by this console or any other tool.',
  noMatch: 'No objects match the filters',
  filters: {
    label: 'Filters',
    namespace: 'Filter by namespace',
    allNamespaces: 'All namespaces',
    kind: 'Filter by kind',
    allKinds: 'All kinds',
    service: 'Filter by service',
    allServices: 'All services',
    severity: 'Filter by validation',
    anySeverity: 'Valid or not',
    severities: {
      error: 'Only with errors',
      warning: 'Only with warnings',
    },
    clear: 'Clear filters',
  },
  summary: {
    label: 'Summary',
    objects: 'Objects',
    errors: 'Errors',
    warnings: 'Warnings',
  },
  table: {
    label: 'Istio configuration objects',
    kind: 'Kind',
    name: 'Namespace / name',
    hosts: 'Hosts',
    appliesAt: 'Applies at',
    services: 'Services',
    managedBy: 'Managed by',
    checks: 'Validation',
    actions: 'Actions',
    none: 'None',
  },
  appliesAt: {
    mesh: 'Mesh',
    meshHint: 'In-mesh calls, through the sidecars',
    gateway: 'Gateway {{name}}',
  },
  managedBy: {
    console: 'This console',
  },
  service: {
    link: 'Routes of {{namespace}}/{{name}}',
  },
  checks: {
    valid: 'Valid',
    validLabel: 'Valid: no problems found',
    errors_one: '{{count}} error',
    errors_other: '{{count}} errors',
    warnings_one: '{{count}} warning',
    warnings_other: '{{count}} warnings',
    infos_one: '{{count}} note',
    infos_other: '{{count}} notes',
    toggle: 'Validation of {{kind}} {{name}}: {{summary}}',
    list: 'Checks of {{kind}} {{name}}',
    severity: {
      error: 'Error',
      warning: 'Warning',
      info: 'Note',
    },
    at: 'At',
  },
  yaml: {
    view: 'View YAML',
    viewLabel: 'View YAML of {{kind}} {{name}}',
    editor: 'YAML of {{kind}} {{name}}',
    readOnly: 'Read-only: this is the object as the control plane stores it.',
  },
};

/** 中文文案：键与 en-US 完全一致（由类型检查保证）。 */
export const istioConfigZhCN: Translation<typeof istioConfigEnUS> = {
  title: 'Istio 配置',
  description: '网格中的全部路由对象，以及指出哪些对象有误或不生效的检查结果。',
  loadFailed: '无法加载 Istio 配置',
  empty: '网格中还没有路由对象',
  emptyHint:
    'VirtualService、DestinationRule、Gateway、ServiceEntry 和 EnvoyFilter 一经应用（无论通过本控制台还是其他工具）就会显示在这里。',
  noMatch: '没有符合筛选条件的对象',
  filters: {
    label: '筛选',
    namespace: '按命名空间筛选',
    allNamespaces: '全部命名空间',
    kind: '按类型筛选',
    allKinds: '全部类型',
    service: '按服务筛选',
    allServices: '全部服务',
    severity: '按校验结果筛选',
    anySeverity: '不限校验结果',
    severities: {
      error: '仅显示有错误的',
      warning: '仅显示有警告的',
    },
    clear: '清除筛选',
  },
  summary: {
    label: '概况',
    objects: '对象',
    errors: '错误',
    warnings: '警告',
  },
  table: {
    label: 'Istio 配置对象',
    kind: '类型',
    name: '命名空间 / 名称',
    hosts: '主机',
    appliesAt: '生效位置',
    services: '服务',
    managedBy: '管理者',
    checks: '校验',
    actions: '操作',
    none: '无',
  },
  appliesAt: {
    mesh: '网格',
    meshHint: '网格内调用，经由边车代理',
    gateway: '网关 {{name}}',
  },
  managedBy: {
    console: '本控制台',
  },
  service: {
    link: '{{namespace}}/{{name}} 的路由',
  },
  checks: {
    valid: '有效',
    validLabel: '有效：未发现问题',
    errors_one: '{{count}} 个错误',
    errors_other: '{{count}} 个错误',
    warnings_one: '{{count}} 个警告',
    warnings_other: '{{count}} 个警告',
    infos_one: '{{count}} 条提示',
    infos_other: '{{count}} 条提示',
    toggle: '{{kind}} {{name}} 的校验结果：{{summary}}',
    list: '{{kind}} {{name}} 的检查项',
    severity: {
      error: '错误',
      warning: '警告',
      info: '提示',
    },
    at: '位置',
  },
  yaml: {
    view: '查看 YAML',
    viewLabel: '查看 YAML：{{kind}} {{name}}',
    editor: '{{kind}} {{name}} 的 YAML',
    readOnly: '只读：这是控制面中存储的对象。',
  },
};

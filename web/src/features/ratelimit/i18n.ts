import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { i18n } from '../../lib/i18n';

/** English text of the rate-limit UI (the `ratelimit` namespace). zh-CN below must have the same shape. */
export const ratelimitEnUS = {
  tab: {
    description:
      'How many requests this service accepts. Each rule becomes an Envoy rate-limit filter on the service’s sidecars (an EnvoyFilter).',
    add: 'Add rate limit',
    loadFailed: 'Could not load the rate limits',
    empty: 'No rate limits yet',
    emptyHint:
      'Without a rule the service accepts every request. Add one to cap requests per second, minute or hour.',
    foreign: 'EnvoyFilters on this service the console did not write (read-only)',
    foreignCount_one: '{{count}} EnvoyFilter written by hand',
    foreignCount_other: '{{count}} EnvoyFilters written by hand',
  },
  table: {
    label: 'Rate limits',
    name: 'Rule name',
    limit: 'Limit',
    scope: 'Scope',
    match: 'Match',
    state: 'State',
    actions: 'Actions',
    everything: 'Every request',
    edit: 'Edit',
    editRule: 'Edit {{name}}',
    history: 'History',
    historyOf: 'History of {{name}}',
    delete: 'Delete',
    deleteRule: 'Delete {{name}}',
    perInstance: 'Per instance',
    global: 'Global',
    enabled: 'Enabled',
    disabled: 'Disabled',
    shadow: 'Shadow',
    version: 'version {{version}}',
  },
  unit: { second: 'per second', minute: 'per minute', hour: 'per hour' },
  remove: {
    confirm: 'Delete rate limit {{name}}?',
    hint: 'The service accepts every request again as soon as it is deleted.',
    ok: 'Delete',
    cancel: 'Cancel',
    done: 'Rate limit {{name}} deleted',
    failed: 'Could not delete {{name}}: {{message}}',
  },
  form: {
    titleAdd: 'Add rate limit',
    titleEdit: 'Edit rate limit',
    name: 'Rule name',
    namePlaceholder: 'e.g. api-limit',
    version: 'Version',
    allVersions: 'All versions',
    match: 'Match',
    matchHint: 'Leave empty to count every request.',
    pathType: 'Path match type',
    path: 'Path',
    exact: 'Exact',
    prefix: 'Prefix',
    method: 'HTTP method',
    anyMethod: 'Any method',
    headerName: 'Header name',
    headerValue: 'Header value',
    rpcMethod: 'Method name',
    requests: 'Requests',
    unit: 'Per',
    units: { second: 'Second', minute: 'Minute', hour: 'Hour' },
    burst: 'Burst',
    burstHint: 'Extra requests allowed at once above the limit (per-instance limits only).',
    scope: 'Scope',
    scopeInstance: 'Per instance (Envoy local rate limit)',
    scopeGlobal: 'Global (Envoy rate limit service)',
    effective:
      'Effective total: {{total}} requests {{unit}} ({{requests}} × {{instances}} ready instances). Each instance counts on its own.',
    effectiveGlobal: 'One limit shared by every instance: {{requests}} requests {{unit}} in total.',
    status: 'Response status when limited',
    responseHeaderName: 'Response header name (optional)',
    responseHeaderValue: 'Response header value',
    enabled: 'Enabled',
    shadow: 'Shadow mode',
    shadowHint: 'Count what would be limited without refusing anything.',
    comment: 'Comment',
    commentPlaceholder: 'Why this change? Kept in the history.',
    invalid: 'Fix {{field}}: {{message}}',
    preview: 'Preview',
    submit: 'Submit',
    cancel: 'Cancel',
    close: 'Close',
    previewFailed: 'Could not preview the rate limit',
    saveFailed: 'Could not save the rate limit',
    saved: 'Rate limit {{name}} saved',
  },
  fields: {
    name: 'the rule name',
    version: 'the version',
    match: 'the match',
    'match.path.value': 'the path',
    'match.header.name': 'the header name',
    'match.header.value': 'the header value',
    'match.rpcMethod': 'the method name',
    'limit.requests': 'the number of requests',
    'limit.unit': 'the unit',
    'limit.window': 'the window',
    burst: 'the burst',
    scope: 'the scope',
    'response.status': 'the response status',
    'response.header': 'the response header',
    'response.header.name': 'the response header name',
    'response.header.value': 'the response header value',
  },
};

export const ratelimitZhCN: typeof ratelimitEnUS = {
  tab: {
    description: '此服务接受多少请求。每条规则都会成为服务边车上的 Envoy 限流过滤器（EnvoyFilter）。',
    add: '新增限流规则',
    loadFailed: '无法加载限流规则',
    empty: '暂无限流规则',
    emptyHint: '没有规则时服务接受所有请求。新增规则以限制每秒、每分钟或每小时的请求数。',
    foreign: '此服务上非控制台编写的 EnvoyFilter（只读）',
    foreignCount_one: '{{count}} 个手工编写的 EnvoyFilter',
    foreignCount_other: '{{count}} 个手工编写的 EnvoyFilter',
  },
  table: {
    label: '限流规则',
    name: '规则名称',
    limit: '限额',
    scope: '范围',
    match: '匹配',
    state: '状态',
    actions: '操作',
    everything: '所有请求',
    edit: '编辑',
    editRule: '编辑 {{name}}',
    history: '历史',
    historyOf: '{{name}} 的历史',
    delete: '删除',
    deleteRule: '删除 {{name}}',
    perInstance: '单实例',
    global: '全局',
    enabled: '已启用',
    disabled: '已停用',
    shadow: '影子模式',
    version: '版本 {{version}}',
  },
  unit: { second: '每秒', minute: '每分钟', hour: '每小时' },
  remove: {
    confirm: '删除限流规则 {{name}}？',
    hint: '删除后服务立即恢复接受所有请求。',
    ok: '删除',
    cancel: '取消',
    done: '限流规则 {{name}} 已删除',
    failed: '无法删除 {{name}}：{{message}}',
  },
  form: {
    titleAdd: '新增限流规则',
    titleEdit: '编辑限流规则',
    name: '规则名称',
    namePlaceholder: '例如 api-limit',
    version: '版本',
    allVersions: '所有版本',
    match: '匹配',
    matchHint: '留空则统计所有请求。',
    pathType: '路径匹配方式',
    path: '路径',
    exact: '精确',
    prefix: '前缀',
    method: 'HTTP 方法',
    anyMethod: '任意方法',
    headerName: '请求头名称',
    headerValue: '请求头值',
    rpcMethod: '方法名',
    requests: '请求数',
    unit: '每',
    units: { second: '秒', minute: '分钟', hour: '小时' },
    burst: '突发',
    burstHint: '允许在限额之上一次性多出的请求数（仅单实例限流）。',
    scope: '范围',
    scopeInstance: '单实例（Envoy 本地限流）',
    scopeGlobal: '全局（Envoy 限流服务）',
    effective:
      '实际总量：{{unit}} {{total}} 个请求（{{requests}} × {{instances}} 个就绪实例）。每个实例各自计数。',
    effectiveGlobal: '所有实例共享一个限额：总共{{unit}} {{requests}} 个请求。',
    status: '被限流时的响应状态码',
    responseHeaderName: '响应头名称（可选）',
    responseHeaderValue: '响应头值',
    enabled: '启用',
    shadow: '影子模式',
    shadowHint: '只统计将被限流的请求，不拒绝任何请求。',
    comment: '备注',
    commentPlaceholder: '为什么修改？会记录在历史中。',
    invalid: '请修正{{field}}：{{message}}',
    preview: '预览',
    submit: '提交',
    cancel: '取消',
    close: '关闭',
    previewFailed: '无法预览限流规则',
    saveFailed: '无法保存限流规则',
    saved: '限流规则 {{name}} 已保存',
  },
  fields: {
    name: '规则名称',
    version: '版本',
    match: '匹配条件',
    'match.path.value': '路径',
    'match.header.name': '请求头名称',
    'match.header.value': '请求头值',
    'match.rpcMethod': '方法名',
    'limit.requests': '请求数',
    'limit.unit': '单位',
    'limit.window': '时间窗口',
    burst: '突发',
    scope: '范围',
    'response.status': '响应状态码',
    'response.header': '响应头',
    'response.header.name': '响应头名称',
    'response.header.value': '响应头值',
  },
};

export const RATELIMIT_NS = 'ratelimit';

i18n.addResourceBundle('en-US', RATELIMIT_NS, ratelimitEnUS, true, true);
i18n.addResourceBundle('zh-CN', RATELIMIT_NS, ratelimitZhCN, true, true);

type Keys<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string
    ? `${P}${K extends `${infer Base}_${'one' | 'other'}` ? Base : K}`
    : Keys<T[K], `${P}${K}.`>;
}[keyof T & string];
export type RateLimitKey = Keys<typeof ratelimitEnUS>;
export type RateLimitT = (key: RateLimitKey, options?: Record<string, unknown>) => string;

/** What a field path of the form (`limit.requests`) is called, in the current language. */
export function useFieldName(): (field: string) => string {
  const { i18n: instance } = useTranslation();
  const fields: Record<string, string> = instance.language.startsWith('zh')
    ? ratelimitZhCN.fields
    : ratelimitEnUS.fields;
  return (field) => fields[field] ?? field;
}

/** `t` for the ratelimit namespace, re-rendering on a language change. */
export function useRateLimitT(): RateLimitT {
  const { i18n: instance } = useTranslation();
  const language = instance.language;
  return useCallback<RateLimitT>(
    (key, options) =>
      (instance.t as unknown as (k: string, o: Record<string, unknown>) => string)(key, {
        ...options,
        ns: RATELIMIT_NS,
        lng: language,
      }),
    [instance, language],
  );
}

// @vitest-environment jsdom
import '../test/setup';
import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiToken, LocalUser } from '../features/auth/contract';
import { MockEventSource, overview, serveApplications, serviceMetrics } from '../features/monitoring/testing';
import type { RateLimitRule } from '../features/ratelimit/contract';
import {
  footerOf,
  gatewayScope,
  listOf,
  mergedSubsets,
  otherNamespaceRule,
  ownScope,
  rule,
  setupUser,
  versionForm,
} from '../features/routing/testing';
import { contractMessage } from '../../../bff/src/contract/messages';
import { auditEntry } from '../features/audit/testing';
import { meshConfig } from '../features/istio-config/testing';
import { echoGraph } from '../features/topology/testing';
import { i18n } from '../lib/i18n';
import { ECHO_ID, echoDetail, echoSummary, listResponse, reviewsSummary } from '../test/fixtures';
import { createTestQueryClient, renderApp } from '../test/render';
import { server } from '../test/server';
import { sessionHandler, signedOutSession } from '../test/session';

// The topology canvas (G6) does not run in jsdom: a stand-in draws nothing, as in its own tests.
vi.mock('../features/topology/renderer', () => ({
  createRenderer: () => ({
    graph: null,
    show: async () => undefined,
    update: async () => undefined,
    select: async () => undefined,
    focus: async () => undefined,
    labelsShown: () => true,
    destroy: () => undefined,
  }),
}));

/**
 * The main pages in Chinese, with the tests' usual fixtures: no English sentence may show. Text is
 * what a person reads or hears: text nodes and the accessible names and hints in attributes.
 * Skipped: code and YAML, and what is marked `lang="en"` on purpose (the BFF's own words quoted
 * beside their translation).
 */

/** Names that stay as they are in any language: products, protocols, and the tests' fixture data. */
const ALLOWED = [
  'Spring Cloud',
  'Kubernetes',
  'Prometheus',
  'Istio',
  'EnvoyFilter', // a Kubernetes kind, before Envoy
  'Gateway', // Istio's kind (the Istio config page lists objects by kind)
  'Envoy',
  'Dubbo',
  'Authorization: Bearer', // the HTTP header, as scripts write it
  'Top 5',
  // antd's InputNumber step buttons: @rc-component/input-number writes these labels in English and
  // no prop or antd locale changes them (a known gap, to fix once for every InputNumber).
  'Increase Value',
  'Decrease Value',
];

/** A plain word: letters only, capitalised or not (ids, versions, camel-cased kinds and acronyms are not). */
const WORD = /^\(?[A-Za-z][a-z]*[,.;:!?)]?$/;
const CAPITALISED = /^\(?[A-Z][a-z]{2,}[,.;:!?)]?$/;

/** Runs of two or more plain English words, and capitalised English words on their own. */
function englishIn(text: string): string[] {
  let rest = text;
  for (const name of ALLOWED) rest = rest.split(name).join(' ');
  const found: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= 2) found.push(run.join(' '));
    else if (run.length === 1 && CAPITALISED.test(run[0] ?? '')) found.push(run[0] ?? '');
    run = [];
  };
  // Chinese text and its punctuation separate words as spaces do.
  for (const token of rest.split(/[\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+/)) {
    if (WORD.test(token) || CAPITALISED.test(token)) run.push(token);
    else flush();
  }
  flush();
  return found;
}

const SKIP = 'code, pre, script, style, :not(html)[lang^="en"], .cm-editor';
const ATTRIBUTES = ['aria-label', 'title', 'placeholder', 'alt', 'aria-description'];

function englishOnPage(): string[] {
  const found = new Set<string>();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(SKIP)) continue;
    for (const e of englishIn(node.textContent ?? ''))
      found.add(`${e}  ← "${(node.textContent ?? '').trim()}"`);
  }
  for (const element of document.body.querySelectorAll('*')) {
    if (element.closest(SKIP)) continue;
    for (const attribute of ATTRIBUTES) {
      const value = element.getAttribute(attribute);
      if (value) for (const e of englishIn(value)) found.add(`${e}  ← ${attribute}="${value}"`);
    }
  }
  return [...found];
}

const TOKEN: ApiToken = {
  id: '0123456789abcdef',
  name: 'ci-deploy',
  role: 'operator',
  namespaces: ['dubbo-demo'],
  createdBy: 'admin-token',
  createdAt: '2026-01-02T10:00:00.000Z',
  lastUsedAt: null,
};

const USERS: LocalUser[] = [
  {
    name: 'admin',
    role: 'admin',
    namespaces: ['*'],
    source: 'local',
    disabled: false,
    mustChangePassword: false,
  },
  {
    name: 'bob',
    role: 'viewer',
    namespaces: ['bookinfo'],
    source: 'local',
    disabled: true,
    mustChangePassword: true,
  },
];

const RATE_LIMIT: RateLimitRule = {
  name: 'gate',
  objects: [
    {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      namespace: 'dubbo-demo',
      name: 'gate',
    },
  ],
  resourceVersion: '7',
  form: {
    name: 'gate',
    match: { path: { type: 'prefix', value: '/api' } },
    limit: { requests: 10, unit: 'second' },
    scope: 'instance',
    response: { status: 429 },
    enabled: true,
    shadow: true,
  },
  yaml: 'kind: EnvoyFilter\nmetadata:\n  name: gate\n',
};

beforeEach(async () => {
  MockEventSource.reset();
  vi.stubGlobal('EventSource', MockEventSource);
  server.use(
    http.get('*/api/v1/services', () => HttpResponse.json(listResponse([echoSummary, reviewsSummary]))),
    http.get('*/api/v1/services/:id/metrics', () => HttpResponse.json(serviceMetrics())),
    http.get('*/api/v1/services/:id/routes', () => HttpResponse.json(listOf([rule()]))),
    http.get('*/api/v1/services/:id/releases', () => HttpResponse.json({ items: [] })),
    http.get('*/api/v1/services/:id/ratelimits', () =>
      HttpResponse.json({ items: [RATE_LIMIT], foreign: [], readyInstances: 2, versions: [] }),
    ),
    http.get('*/api/v1/topology', () => HttpResponse.json(echoGraph(0.02))),
    http.get('*/api/v1/services/:id', () => HttpResponse.json(echoDetail)),
    http.get('*/api/v1/monitoring/overview', () => HttpResponse.json(overview())),
    http.get('*/api/v1/audit', () =>
      HttpResponse.json({
        items: [
          auditEntry('2', {
            outcome: 'denied',
            status: 403,
            role: 'viewer',
            message: 'Your role, viewer, cannot change routes',
          }),
          auditEntry('1', { outcome: 'invalid', status: 400, message: 'name: Enter a rule name' }),
        ],
        retention: { changeDays: 90, refusals: 10_000 },
        dropped: { refusals: 0, before: null },
      }),
    ),
    http.get('*/api/v1/istio-config', () => HttpResponse.json(meshConfig())),
    http.get('*/api/v1/admin/tokens', () => HttpResponse.json({ items: [TOKEN] })),
    http.get('*/api/v1/admin/users', () => HttpResponse.json({ items: USERS })),
  );
  serveApplications();
  await i18n.changeLanguage('zh-CN');
});
afterEach(() => vi.unstubAllGlobals());

describe('the console in Chinese', () => {
  it('finds English in a text, but not product names, ids or units', () => {
    expect(englishIn('Could not load the services')).toEqual(['Could not load the services']);
    expect(englishIn('重试 Retry')).toEqual(['Retry']);
    expect(englishIn('请修正规则名称：Enter a rule name')).toEqual(['Enter a rule name']);
    expect(
      englishIn(
        'Spring Cloud · Kubernetes · reviews.bookinfo.svc.cluster.local v1 VirtualService echo-split 60 ms',
      ),
    ).toEqual([]);
  });

  it('would notice: the same page in English fails the scan', async () => {
    await i18n.changeLanguage('en-US');
    renderApp('/admin/users');
    await screen.findByText('bob');
    expect(englishOnPage()).toEqual(expect.arrayContaining([expect.stringContaining('Add user')]));
  });

  it.each([
    ['/services', () => screen.findByRole('link', { name: ECHO_ID })],
    [
      `/services/${encodeURIComponent(ECHO_ID)}`,
      () => screen.findByRole('heading', { name: echoDetail.name }),
    ],
    [
      '/monitoring',
      // The table's page arrives after the overview: its rows and pagination are scanned too.
      async () => within(await screen.findByRole('region', { name: '应用服务列表' })).findAllByRole('link'),
    ],
    ['/audit', () => screen.findAllByText('没有权限')],
    ['/admin/tokens', () => screen.findByText('ci-deploy')],
    ['/admin/users', () => screen.findByText('bob')],
  ])('shows no English on %s', async (path, loaded) => {
    renderApp(path);
    await loaded();
    expect(englishOnPage()).toEqual([]);
  });

  it('shows no English on the Routes tab, nor in the route editor with its problems showing', async () => {
    const user = setupUser();
    renderApp(`/services/${encodeURIComponent(ECHO_ID)}?tab=routes`);
    // The tab's page and its list load in turn: under load this can take longer than usual.
    await screen.findByText('echo-split', {}, { timeout: 30_000 });
    expect(englishOnPage()).toEqual([]);

    await user.click(await screen.findByRole('button', { name: '添加路由规则' }));
    const drawer = await screen.findByRole('dialog', { name: '添加路由规则' });
    // Preview with no name: the contract's problem shows beside the field, in Chinese.
    await user.click(within(footerOf(drawer)).getByRole('button', { name: '预览' }));
    await within(drawer).findAllByText(/请输入规则名称/);
    expect(englishOnPage()).toEqual([]);
  });

  it('shows no English where rules apply (gateways, other namespaces, effects), in the merged subsets, nor in a gateway-bound TCP rule’s editor', async () => {
    server.use(
      http.get('*/api/v1/services/:id/routes', () =>
        HttpResponse.json(
          listOf(
            [
              rule({
                name: 'echo-edge',
                form: {
                  ...versionForm([['v1', 100]], 'echo-edge'),
                  gateways: ['echo-gateway'],
                  transport: 'tcp',
                },
                scope: gatewayScope(['dubbo-demo/echo-gateway', 'dubbo-demo/gone'], {
                  missingGateways: ['dubbo-demo/gone'],
                }),
              }),
              rule({
                scope: ownScope({
                  effect: 'partly',
                  ignoredFor: { namespace: 'spring-demo', name: 'echo-split', reason: 'caller-namespace' },
                }),
              }),
              otherNamespaceRule('echo-split', 'spring-demo', {
                exportTo: ['.'],
                effect: 'ignored',
                ignoredFor: { namespace: 'dubbo-demo', name: 'echo-split', reason: 'older' },
              }),
            ],
            {
              gateways: ['dubbo-demo/echo-gateway'],
              merged: mergedSubsets({
                ignored: [
                  {
                    namespace: 'spring-demo',
                    name: 'echo-elsewhere',
                    what: contractMessage('yaml.destinationRuleNotUsed', { reason: 'not-exported' }),
                  },
                ],
              }),
            },
          ),
        ),
      ),
    );
    const user = setupUser();
    renderApp(`/services/${encodeURIComponent(ECHO_ID)}?tab=routes`);
    await screen.findByText('echo-edge', {}, { timeout: 30_000 });
    await user.click(await screen.findByRole('button', { name: /流量策略/ }));
    expect(englishOnPage()).toEqual([]);

    await user.click(await screen.findByLabelText('编辑 echo-edge'));
    const drawer = await screen.findByRole('dialog', { name: '编辑路由规则' });
    await within(drawer).findByText(/该规则只在 dubbo-demo\/echo-gateway 生效/);
    expect(englishOnPage()).toEqual([]);
  });

  it('shows no English on the Rate limits tab, nor in the rate-limit editor with its problems showing', async () => {
    const user = setupUser();
    renderApp(`/services/${encodeURIComponent(ECHO_ID)}?tab=rate-limits`);
    await screen.findByText('gate', {}, { timeout: 30_000 });
    expect(englishOnPage()).toEqual([]);

    await user.click(await screen.findByRole('button', { name: '新增限流规则' }));
    const drawer = await screen.findByRole('dialog', { name: '新增限流规则' });
    // An emptied number of requests, and a preview without a name: both problems in Chinese.
    await user.clear(within(drawer).getByLabelText('请求数'));
    await user.click(within(footerOf(drawer)).getByRole('button', { name: '预览' }));
    await within(drawer).findAllByText(/请输入请求数/);
    expect(within(footerOf(drawer)).getByRole('status')).toHaveTextContent('请修正');
    expect(englishOnPage()).toEqual([]);
  });

  it('shows no English on the topology page, nor in a node’s panel', async () => {
    const user = setupUser();
    renderApp('/topology');
    // The page is loaded on its route only: its first render can take a while under load.
    await screen.findByText('2 个节点，1 条连线', {}, { timeout: 30_000 });
    expect(englishOnPage()).toEqual([]);

    await user.type(screen.getByRole('searchbox', { name: '查找' }), 'echo-provider');
    const found = await screen.findByRole('region', { name: '找到的节点' });
    await user.click(within(found).getByRole('button', { name: 'echo-provider' }));
    const panel = await screen.findByRole('dialog', {}, { timeout: 5000 });
    await within(panel).findByRole('region', { name: '调用方' });
    expect(englishOnPage()).toEqual([]);
  });

  it('shows no English on the Istio config page, nor in an object’s checks and YAML', async () => {
    const user = setupUser();
    renderApp('/istio-config');
    const objects = await screen.findByRole('region', { name: 'Istio 配置对象' }, { timeout: 30_000 });
    expect(englishOnPage()).toEqual([]);

    await user.click(within(objects).getByRole('button', { name: /^VirtualService reviews 的校验结果/ }));
    await screen.findByRole('list', { name: 'VirtualService reviews 的检查项' });
    expect(englishOnPage()).toEqual([]);

    await user.click(within(objects).getByRole('button', { name: '查看 YAML：VirtualService reviews' }));
    const drawer = await screen.findByRole('dialog', { name: 'VirtualService bookinfo/reviews' });
    await within(drawer).findByRole('textbox', { name: 'VirtualService reviews 的 YAML' });
    expect(englishOnPage()).toEqual([]);
  });

  it('shows no English on the sign-in page', async () => {
    const session = signedOutSession();
    server.use(sessionHandler(session));
    renderApp('/signin', createTestQueryClient({ session }));
    await screen.findByRole('button', { name: '登录' });
    expect(englishOnPage()).toEqual([]);
  });
});

// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { contractMessage } from '../../../../bff/src/contract/messages';
import { i18n } from '../../lib/i18n';
import {
  ECHO_V1,
  ECHO_V2,
  footerOf,
  gatewayScope,
  listOf,
  mergedSubsets,
  must,
  otherNamespaceRule,
  ownScope,
  renderRoutesTab,
  rule,
  serveRoutes,
  setupUser,
} from './testing';

/**
 * Issue 13: every rule that affects the service is listed with where it applies and whether it is
 * in effect, so that what an operator edits is what the mesh does.
 */

const OBSERVED = `${ECHO_V1} 20% · ${ECHO_V2} 80%`;

async function rulesTable() {
  return within(await screen.findByLabelText('Routing rules', { selector: 'section' })).getByRole('table');
}

/** The rows by their key, each as its cells' text under the column headers. */
function rowsOf(table: HTMLElement): Map<string, Record<string, string>> {
  const headers = [...table.querySelectorAll('thead th')].map((th) => th.textContent ?? '');
  const rows = new Map<string, Record<string, string>>();
  for (const tr of table.querySelectorAll<HTMLElement>('tbody tr[data-row-key]')) {
    const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '');
    rows.set(
      must(tr.getAttribute('data-row-key')),
      Object.fromEntries(headers.map((h, i) => [h, cells[i] ?? ''])),
    );
  }
  return rows;
}

const rowOf = (table: HTMLElement, key: string) =>
  must(table.querySelector<HTMLElement>(`tbody tr[data-row-key="${key}"]`));

describe('Routes tab: where each rule applies', () => {
  it('shows the mesh, gateways (a missing one marked) and each rule’s effect, and the observed split once', async () => {
    serveRoutes(
      listOf([
        rule({ name: 'echo-split' }),
        rule({
          name: 'echo-app',
          scope: ownScope({
            effect: 'hidden',
            exportTo: ['spring-demo'],
            sharedWith: ['com.example.PingService'],
          }),
        }),
        rule({
          name: 'echo-late',
          scope: ownScope({
            effect: 'ignored',
            ignoredFor: { namespace: 'dubbo-demo', name: 'echo-split', reason: 'older' },
          }),
        }),
        rule({
          name: 'echo-edge',
          scope: gatewayScope(['dubbo-demo/echo-gateway', 'dubbo-demo/gone'], {
            missingGateways: ['dubbo-demo/gone'],
          }),
        }),
        rule({
          name: 'echo-wild',
          managedByConsole: false,
          managedBy: 'kubectl',
          form: null,
          scope: ownScope({
            match: 'wildcard',
            host: '*.dubbo-demo.svc.cluster.local',
            effect: 'partly',
            ignoredFor: { namespace: 'dubbo-demo', name: 'echo-split', reason: 'more-specific-host' },
            editable: false,
          }),
        }),
        rule({
          name: 'echo-delegate',
          form: null,
          scope: ownScope({
            match: 'delegate',
            host: 'books.example.com',
            appliesAt: { mesh: false, gateways: ['dubbo-demo/echo-gateway'] },
            effect: 'delegate',
            delegateOf: { namespace: 'dubbo-demo', name: 'front' },
            editable: false,
          }),
        }),
        rule({
          name: 'orphan',
          form: null,
          scope: ownScope({
            match: 'delegate',
            host: '',
            appliesAt: { mesh: false, gateways: [] },
            effect: 'unattached',
            editable: false,
          }),
        }),
      ]),
    );
    renderRoutesTab();
    const table = await rulesTable();
    await waitFor(() =>
      expect(rowsOf(table).get('dubbo-demo/echo-split')?.['Observed split']).toBe(OBSERVED),
    );
    const rows = rowsOf(table);
    const appliesAt = (key: string) => rows.get(key)?.['Applies at'];
    const observed = (key: string) => rows.get(key)?.['Observed split'];

    // Both rows say which of the two is used.
    expect(appliesAt('dubbo-demo/echo-split')).toBe(
      'MeshIn effectdubbo-demo/echo-late on the same host is ignored',
    );
    // The ignored rule names the one used instead, and why.
    expect(appliesAt('dubbo-demo/echo-late')).toBe(
      'MeshIgnored: dubbo-demo/echo-split is used insteadBecause it was created earlier (Istio uses the oldest)',
    );
    expect(observed('dubbo-demo/echo-late')).toBe('Not in effect');
    // An RPC interface's rule routes the application's host: the other interfaces it routes too.
    expect(appliesAt('dubbo-demo/echo-app')).toBe(
      'MeshAlso routes com.example.PingService: they share the application’s hostExported to spring-demoHidden by exportTo: no caller of the service sees it',
    );
    expect(observed('dubbo-demo/echo-app')).toBe('Not in effect');

    // A gateway-only rule: its gateways, never the mesh, and no observed in-mesh split.
    const edge = within(rowOf(table, 'dubbo-demo/echo-edge')).getByRole('group', {
      name: 'Where echo-edge applies',
    });
    expect(within(edge).queryByText('Mesh')).not.toBeInTheDocument();
    expect(within(edge).getByText('dubbo-demo/echo-gateway')).toBeInTheDocument();
    expect(within(edge).getByText('dubbo-demo/gone (not found)')).toBeInTheDocument();
    expect(within(edge).getByText('At gateways only')).toBeInTheDocument();
    expect(observed('dubbo-demo/echo-edge')).toBe('Applies at gateways');

    // A wildcard rule in effect for some callers: how it reaches the service, which rule wins for
    // the others; the observed split is of every caller.
    expect(appliesAt('dubbo-demo/echo-wild')).toBe(
      'MeshWildcard host *.dubbo-demo.svc.cluster.localPartly in effect: dubbo-demo/echo-split is used for some callersBecause its host names this service more specifically',
    );
    expect(observed('dubbo-demo/echo-wild')).toBe(`${OBSERVED}(all callers of the service)`);

    expect(appliesAt('dubbo-demo/echo-delegate')).toBe(
      'dubbo-demo/echo-gatewayDelegate of dubbo-demo/frontIn effect through its root',
    );
    expect(observed('dubbo-demo/echo-delegate')).toBe('Applies at gateways');
    expect(appliesAt('dubbo-demo/orphan')).toBe('Unattached delegateIgnored by Istio: no root names it');
    expect(observed('dubbo-demo/orphan')).toBe('Not in effect');

    // The observed in-mesh split shows beside the rules that decide in-mesh calls, nowhere else.
    expect([...rows.values()].filter((r) => r['Observed split']?.startsWith(OBSERVED))).toHaveLength(2);
  });

  it('lists another namespace’s rule of the same name read-only: View only, opening its YAML with why', async () => {
    serveRoutes(
      listOf([
        rule(),
        otherNamespaceRule('echo-split', 'spring-demo', { exportTo: ['.'], effect: 'hidden' }),
      ]),
    );
    const user = setupUser();
    renderRoutesTab();
    const table = await rulesTable();
    await within(table).findByText('In namespace spring-demo');
    // Names repeat across namespaces: rows are keyed by namespace/name.
    expect(
      [...table.querySelectorAll('tbody tr[data-row-key]')].map((tr) => tr.getAttribute('data-row-key')),
    ).toEqual(['dubbo-demo/echo-split', 'spring-demo/echo-split']);
    expect(rowsOf(table).get('spring-demo/echo-split')?.['Applies at']).toBe(
      'MeshIn namespace spring-demoExported to its own namespaceHidden by exportTo: no caller of the service sees it',
    );

    const own = rowOf(table, 'dubbo-demo/echo-split');
    expect(within(own).getByLabelText('Edit echo-split')).toBeInTheDocument();
    expect(within(own).getByLabelText('History of echo-split')).toBeInTheDocument();
    expect(within(own).getByLabelText('Delete echo-split')).toBeInTheDocument();

    const other = rowOf(table, 'spring-demo/echo-split');
    const actions = [...other.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'));
    expect(actions).toEqual(['View echo-split']);

    await user.click(within(other).getByLabelText('View echo-split'));
    const drawer = await screen.findByRole('dialog', { name: 'Routing rule' });
    expect(
      within(drawer).getByText(
        'It lives in namespace spring-demo: shown here, changed by whoever manages that namespace',
      ),
    ).toBeInTheDocument();
    expect(await within(drawer).findByLabelText('YAML of the rule')).toBeInTheDocument();
    const footer = footerOf(drawer);
    expect(footer).toHaveTextContent('This rule affects the service but is changed where it lives');
    expect(within(footer).queryByRole('button', { name: 'Submit' })).not.toBeInTheDocument();
    expect(within(footer).queryByRole('button', { name: 'Preview' })).not.toBeInTheDocument();
  });

  it('lists the merged subsets with the DestinationRule each comes from, the policy in force and what is left out', async () => {
    serveRoutes(
      listOf([rule()], {
        merged: mergedSubsets({
          ignored: [
            {
              namespace: 'dubbo-demo',
              name: 'echo-canary',
              what: contractMessage('yaml.subsetDefinedTwice', { subset: 'v1', kept: 'dubbo-demo/echo' }),
            },
            {
              namespace: 'spring-demo',
              name: 'echo-elsewhere',
              what: contractMessage('yaml.destinationRuleNotUsed', { reason: 'not-exported' }),
            },
          ],
        }),
      }),
    );
    const user = setupUser();
    renderRoutesTab();
    const section = await screen.findByRole('region', { name: 'Subsets of the host' });
    const table = within(section).getByRole('table');
    expect([...table.querySelectorAll('thead th')].map((th) => th.textContent)).toEqual([
      'Subset',
      'Labels',
      'Version',
      'Defined in',
    ]);
    const rows = [...table.querySelectorAll('tbody tr[data-row-key]')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent),
    );
    expect(rows).toEqual([
      ['v1', `version=${ECHO_V1}`, ECHO_V1, 'dubbo-demo/echo'],
      ['v2', `version=${ECHO_V2}`, ECHO_V2, 'dubbo-demo/echo'],
      ['canary', 'track=canary', 'No one version', 'dubbo-demo/echo-canary'],
    ]);

    // The traffic policy's YAML stays folded until asked for.
    const policy = within(section).getByRole('button', {
      name: /Traffic policy in force, from dubbo-demo\/echo/,
    });
    expect(policy).toHaveAttribute('aria-expanded', 'false');
    expect(within(section).queryByText(/ROUND_ROBIN/)).toBeNull();
    await user.click(policy);
    expect(await within(section).findByLabelText('Traffic policy')).toHaveTextContent('simple: ROUND_ROBIN');

    const leftOut = within(section).getByRole('list', { name: 'Left out of the merge' });
    expect([...leftOut.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'dubbo-demo/echo-canary: defines subset v1 again; the definition of dubbo-demo/echo is used',
      'spring-demo/echo-elsewhere: not used by callers in this namespace (not exported to this namespace)',
    ]);
  });

  it('says the same in Chinese', async () => {
    serveRoutes(
      listOf(
        [
          rule({ scope: gatewayScope(['dubbo-demo/echo-gateway']) }),
          otherNamespaceRule('echo-split', 'spring-demo'),
        ],
        {
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
    );
    await i18n.changeLanguage('zh-CN');
    renderRoutesTab();
    const table = within(await screen.findByLabelText('路由规则', { selector: 'section' })).getByRole(
      'table',
    );
    await within(table).findByText('位于命名空间 spring-demo');
    expect(within(table).getByRole('columnheader', { name: '生效位置' })).toBeInTheDocument();
    expect(within(table).getByText('仅在网关生效')).toBeInTheDocument();
    expect(within(table).getByText('在网关生效')).toBeInTheDocument();
    expect(
      within(rowOf(table, 'spring-demo/echo-split')).getByLabelText('查看 echo-split'),
    ).toBeInTheDocument();
    const section = screen.getByRole('region', { name: '主机的子集' });
    expect(within(section).getByText('不对应单一版本')).toBeInTheDocument();
    expect(within(section).getByRole('list', { name: '未并入合并结果的部分' })).toHaveTextContent(
      'spring-demo/echo-elsewhere: 本命名空间的调用方不使用它（未导出到本命名空间）',
    );
  });
});

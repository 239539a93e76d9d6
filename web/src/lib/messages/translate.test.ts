import { afterEach, describe, expect, it } from 'vitest';
import { CONTRACT_MESSAGES, contractMessage, contractTemplate } from '../../../../bff/src/contract/messages';
import type { ContractMessageKey } from '../../../../bff/src/contract/messages';
import { labelKeyProblem, headerNameProblem } from '../../../../bff/src/contract/envoy-values';
import { RouteForm, RuleName } from '../../../../bff/src/contract/routing';
import { reviews } from '../../../../bff/src/mesh/fixtures';
import { fromHttpRoutes } from '../../../../bff/src/mesh/istio-routes';
import { planRoute } from '../../../../bff/src/mesh/plan';
import { i18n } from '../i18n';
import {
  matchContractMessage,
  translateContractMessage,
  translateFieldProblem,
  translateServerProblem,
} from './translate';

const zh = () => i18n.getFixedT('zh-CN', ['errors', 'contract'] as const);
const en = () => i18n.getFixedT('en-US', ['errors', 'contract'] as const);

const KEYS = Object.entries(CONTRACT_MESSAGES).flatMap(([group, messages]) =>
  Object.keys(messages).map((name) => `${group}.${name}` as ContractMessageKey),
);

describe('contract messages in the operator’s language', () => {
  afterEach(() => i18n.changeLanguage('en-US'));

  it('reads every contract message back to its own key and values (no two templates can be confused)', () => {
    for (const key of KEYS) {
      const names = [...contractTemplate(key).matchAll(/{{(\w+)}}/g)].map((m) => m[1] ?? '');
      const values = Object.fromEntries(names.map((n, i) => [n, `v${i}-x`]));
      expect(matchContractMessage(contractMessage(key, values)), key).toEqual({ key, values });
    }
  });

  it('translates what a preview warns of, as mesh/plan.ts writes it', () => {
    const other = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'by-hand' },
      spec: {},
    };
    const { warnings } = planRoute(
      RouteForm.parse({
        name: 'split',
        routeType: 'condition',
        trafficSplit: true,
        destinations: [{ version: 'v1', weight: 100 }],
        matches: [
          { match: {}, destinations: [{ version: 'v1', weight: 100 }] },
          {
            match: { headers: [{ name: 'a', type: 'exact', value: 'b' }] },
            destinations: [{ version: 'v1', weight: 100 }],
          },
        ],
      }),
      reviews,
      { otherRoutes: [other] },
      { dialect: 'istio', istioVersion: 'v1' },
    );
    expect(warnings.map((w) => w.code)).toEqual(['second-route-on-host', 'unreachable-condition']);
    expect(warnings.map((w) => translateContractMessage(zh(), w.message))).toEqual([
      expect.stringMatching(/^VirtualService by-hand 也在路由 reviews\S*；网格只会生效其中一个$/),
      '条件 2 永远不会命中：之前的条件已匹配全部流量',
    ]);
  });

  it('translates why a rule opens as YAML, as mesh/istio-routes.ts says it', () => {
    const { form, reasons } = fromHttpRoutes(
      [{ redirect: { uri: '/v1' } }, { route: [{ destination: { host: 'ratings', subset: 'v1' } }] }],
      reviews,
      () => ({ version: 'v1' }),
      (host) => host === 'reviews',
      'by-hand',
    );
    expect(form).toBeNull();
    expect(reasons.map((r) => translateContractMessage(zh(), r))).toEqual([
      'http[0]：使用了委托、重定向或直接响应，而不是路由',
      'http[1].route[0]：路由到其他主机（ratings）',
    ]);
  });

  it('translates what the zod schemas and value checks say, values and nested messages included', () => {
    const issue = RuleName.safeParse('').error?.issues[0]?.message ?? '';
    expect(issue).toBe('Enter a rule name');
    expect(translateContractMessage(zh(), issue)).toBe('请输入规则名称');
    expect(translateContractMessage(en(), issue)).toBe('Enter a rule name');

    const weights = RouteForm.safeParse({
      name: 'split',
      routeType: 'version',
      trafficSplit: true,
      destinations: [
        { version: 'v1', weight: 30 },
        { version: 'v2', weight: 30 },
      ],
    });
    const total = weights.error?.issues.find((i) => i.path.join('.') === 'destinations')?.message ?? '';
    expect(translateContractMessage(zh(), total)).toBe('权重之和必须为 100%（当前为 60%）');

    // "At most 63 characters" is that template, not "At most {{max}}" with max = "63 characters".
    expect(translateContractMessage(zh(), 'At most 63 characters')).toBe('最多 63 个字符');
    // A message inside a message.
    expect(translateContractMessage(zh(), labelKeyProblem('Bad_/x') ?? '')).toBe(
      'Bad_/x：前缀必须是 DNS 子域名（只能包含小写字母、数字、"-" 和 "."，每一段都以字母或数字开头和结尾）',
    );
    expect(translateContractMessage(zh(), headerNameProblem('x\ny') ?? '')).toBe(
      '请求头名称不能包含换行符（CR 或 LF）',
    );
    expect(translateContractMessage(zh(), 'Routing rule names must be unique')).toBeUndefined();
  });
});

describe('API errors in the operator’s language', () => {
  it('translates a contract message the BFF names a field with, and shows it under the field without the name', () => {
    const problem = {
      code: 'InvalidRequest',
      status: 400,
      message: 'name: Enter a rule name',
      field: 'name',
    };
    expect(translateServerProblem(zh(), problem)).toBe('name：请输入规则名称');
    expect(translateServerProblem(en(), problem)).toBe('name: Enter a rule name');
    expect(translateFieldProblem(zh(), problem)).toBe('请输入规则名称');
    expect(
      translateFieldProblem(zh(), {
        code: 'InvalidRequest',
        message: 'password: at least 12 characters',
        field: 'password',
      }),
    ).toBe('至少 12 个字符');
  });

  it('tells other errors by their code, in English with the server’s own words, and an unknown code as it came', () => {
    const conflict = {
      code: 'LastAdmin',
      message: 'This would leave no enabled admin; make another user admin first',
    };
    expect(translateServerProblem(zh(), conflict)).toBe('这样将没有可用的管理员；请先将另一位用户设为管理员');
    expect(translateServerProblem(en(), conflict)).toBe(conflict.message);
    expect(
      translateServerProblem(zh(), { code: 'NetworkError', message: 'The server could not be reached' }),
    ).toBe('无法连接控制台服务器。请确认它正在运行，然后重试。');
    expect(translateServerProblem(zh(), { code: 'HttpError', status: 502, message: 'x' })).toBe(
      '请求失败，HTTP 状态码 502',
    );
    expect(translateServerProblem(zh(), { code: 'SomethingNew', message: 'Something new happened' })).toBe(
      'Something new happened',
    );
  });

  it('says an audit record’s refusal, which keeps only the status, by the status', () => {
    expect(
      translateServerProblem(zh(), { status: 403, message: 'Your role, viewer, cannot change routes' }),
    ).toBe('没有权限');
    expect(translateServerProblem(zh(), { status: 400, message: 'name: Enter a rule name' })).toBe(
      'name：请输入规则名称',
    );
    expect(
      translateServerProblem(zh(), {
        status: 400,
        message: 'The YAML must be one VirtualService of networking.istio.io',
      }),
    ).toBe('请求无效：The YAML must be one VirtualService of networking.istio.io');
    expect(
      translateServerProblem(en(), { status: 403, message: 'Your role, viewer, cannot change routes' }),
    ).toBe('Your role, viewer, cannot change routes');
  });
});

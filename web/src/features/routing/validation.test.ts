import { describe, expect, it } from 'vitest';
import { ECHO_V1, ECHO_V2, echoDetail } from '../../test/fixtures';
import type { RouteDraft } from './draft';
import {
  draftFromForm,
  emptyCondition,
  labelRow,
  matchRow,
  newDraft,
  toRouteForm,
  weightRow,
  withTrafficSplit,
} from './draft';
import { checkDraft, isRenderedPath, serviceInfo } from './validation';
import { isGatewayApiRef, matchOffer } from './match-offer';

const info = serviceInfo(echoDetail, 'istio');
const httpService = { ...echoDetail, protocol: 'http' as const };
const httpInfo = serviceInfo(httpService, 'istio');
const labels = { keyRequired: 'Enter a key', duplicate: (k: string) => `Label ${k} appears twice` };

function draft(patch: Partial<RouteDraft> = {}): RouteDraft {
  return { ...newDraft(echoDetail), name: 'echo-split', ...patch };
}

describe('checkDraft', () => {
  it('accepts a 20/80 split', () => {
    const check = checkDraft(draft({ rows: [weightRow(ECHO_V1, 20), weightRow(ECHO_V2, 80)] }), info, labels);
    expect(check.problems.size).toBe(0);
    expect(check.weightsOk).toBe(true);
    expect(check.totals).toEqual([{ path: 'destinations', total: 100 }]);
  });

  it('blocks on the total without repeating it as a field message', () => {
    const check = checkDraft(draft({ rows: [weightRow(ECHO_V1, 30), weightRow(ECHO_V2, 60)] }), info, labels);
    expect(check.weightsOk).toBe(false);
    expect(check.problems.size).toBe(0);
  });

  it('names the field of each problem: schema and service checks', () => {
    const check = checkDraft(
      draft({
        name: 'Echo_Split',
        rows: [weightRow(ECHO_V1, 50), weightRow(ECHO_V1, 25), weightRow('v9', 25)],
      }),
      info,
      labels,
    );
    expect(Object.fromEntries(check.problems)).toEqual({
      name: ['Lower-case letters, digits and "-", starting and ending with a letter or digit'],
      'destinations.1.version': [`Version ${ECHO_V1} appears twice`],
      'destinations.2.version': ['Version v9 is not a version of this service'],
    });
    expect([...check.problems.keys()].every(isRenderedPath)).toBe(true);
  });

  it('sends one version at 100% while the split is off', () => {
    const off = withTrafficSplit(draft({ rows: [weightRow(ECHO_V1, 20), weightRow(ECHO_V2, 80)] }), false);
    expect(toRouteForm(off).destinations).toEqual([{ version: ECHO_V2, weight: 100 }]);
    expect(checkDraft(off, info, labels).weightsOk).toBe(true);
    expect(withTrafficSplit(off, true).rows.map((r) => [r.version, r.weight])).toEqual([[ECHO_V2, 100]]);
  });

  it('flags conditions after a catch-all, label rows the map cannot hold, and HTTP fields on Dubbo', () => {
    const first = emptyCondition([weightRow(ECHO_V1, 100)]);
    const second = {
      ...emptyCondition([weightRow(ECHO_V2, 100)]),
      uri: { type: 'prefix' as const, value: '/api' },
      sourceLabels: [
        { ...labelRow(), name: 'app', value: 'a' },
        { ...labelRow(), name: 'app', value: 'b' },
        { ...labelRow(), name: '', value: 'c' },
      ],
    };
    const check = checkDraft(draft({ routeType: 'condition', conditions: [first, second] }), info, labels);
    expect(check.unreachable).toEqual([1]);
    expect(check.problems.get('matches.1.match.sourceLabels.1.name')).toEqual(['Label app appears twice']);
    expect(check.problems.get('matches.1.match.sourceLabels.2.name')).toEqual(['Enter a key']);
    expect(check.problems.get('matches.1.match')?.[0]).toMatch(/do not apply to an RPC service/);
  });

  it('round-trips a form', () => {
    const form = toRouteForm(draft({ rows: [weightRow(ECHO_V1, 20), weightRow(ECHO_V2, 80)] }));
    expect(toRouteForm(draftFromForm(form))).toEqual(form);
  });
});

describe('query parameters and the Gateway API', () => {
  it('checks query parameter conditions with the contract and sends them', () => {
    const condition = {
      ...emptyCondition([weightRow(ECHO_V1, 100)]),
      queryParams: [
        { ...matchRow(), name: 'user', type: 'regex' as const, value: 'u(' },
        { ...matchRow(), name: '', value: 'x' },
      ],
    };
    const d = draft({ routeType: 'condition', conditions: [condition] });
    const check = checkDraft(d, httpInfo, labels);
    expect(check.problems.get('matches.0.match.queryParams.0.value')?.[0]).toMatch(
      /^Not a valid RE2 regular expression/,
    );
    expect(check.problems.get('matches.0.match.queryParams.1.name')).toEqual(['Enter a name']);
    expect([...check.problems.keys()].every(isRenderedPath)).toBe(true);
    expect(toRouteForm(d).matches[0]?.match.queryParams).toEqual([
      { name: 'user', type: 'regex', value: 'u(' },
      { name: '', type: 'exact', value: 'x' },
    ]);
    expect(toRouteForm(draftFromForm(toRouteForm(d)))).toEqual(toRouteForm(d));
  });

  it('flags no condition after a catch-all as unreachable for the Gateway API, which tries the most specific first', () => {
    const catchAll = emptyCondition([weightRow(ECHO_V1, 100)]);
    const byPath = {
      ...emptyCondition([weightRow(ECHO_V2, 100)]),
      uri: { type: 'prefix' as const, value: '/api' },
    };
    const d = draft({ routeType: 'condition', conditions: [catchAll, byPath] });
    expect(checkDraft(d, httpInfo, labels).unreachable).toEqual([1]);
    expect(checkDraft(d, httpInfo, labels, undefined, 'gateway-api').unreachable).toEqual([]);
  });

  it('offers what each kind can match', () => {
    const http = matchOffer('http', { api: 'gateway-api', kind: 'HTTPRoute' });
    expect(http).toMatchObject({
      sourceLabels: false,
      rpcMethod: null,
      attachments: false,
      specificFirst: true,
    });
    expect(http.headers).toEqual(['exact', 'regex']);
    expect(http.queryParams).toEqual(['exact', 'regex']);
    expect(http.method).toEqual(['exact']);
    const grpc = matchOffer('grpc', { api: 'gateway-api', kind: 'GRPCRoute' });
    expect(grpc).toMatchObject({ rpcMethod: 'grpc', method: null, queryParams: null, sourceLabels: false });
    expect(grpc.uri).toEqual(['exact', 'prefix']);
    const istio = matchOffer('http', { api: 'istio', kind: 'VirtualService' });
    expect(istio).toMatchObject({ sourceLabels: true, specificFirst: false });
    expect(istio.queryParams).toEqual(['exact', 'prefix', 'regex']);
    expect(matchOffer('dubbo', { api: 'istio', kind: 'VirtualService' })).toMatchObject({
      rpcMethod: 'rpc',
      attachments: true,
      headers: null,
      queryParams: null,
    });
    expect(isGatewayApiRef({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute' })).toBe(true);
    expect(isGatewayApiRef({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' })).toBe(false);
  });
});

import type { ServiceDetail } from '../../lib/contract';
import type { ConditionRoute, RouteFormValue, RouteType, StringMatchType } from './contract';
import { FULL } from './rebalance';

/**
 * What the form edits: the contract's RouteForm plus what only the screen needs (row keys, locks,
 * manual input, the one-version choice while the split is off, conditions kept while the route
 * type is "version"). `toRouteForm` turns it into the contract's form; every rule is checked there.
 */

export interface WeightRow {
  key: string;
  version: string | undefined;
  weight: number;
  locked: boolean;
  manual: boolean;
}

export interface MatchRow {
  key: string;
  name: string;
  type: StringMatchType;
  value: string;
}

export interface LabelRow {
  key: string;
  name: string;
  value: string;
}

export interface ConditionDraft {
  key: string;
  name: string | undefined;
  headers: MatchRow[];
  uri: { type: StringMatchType; value: string };
  method: { type: StringMatchType; value: string };
  queryParams: MatchRow[];
  rpcMethod: string;
  attachments: MatchRow[];
  sourceLabels: LabelRow[];
  rows: WeightRow[];
}

export interface RouteDraft {
  name: string;
  routeType: RouteType;
  trafficSplit: boolean;
  rows: WeightRow[];
  /** The version that gets all calls while the traffic split is off. */
  single: string | undefined;
  conditions: ConditionDraft[];
  comment: string;
  /** Where the rule applies, as written (`mesh`, gateways); none chosen means the mesh only. */
  gateways: string[];
  /**
   * The rule's own VirtualService names its gateways: what the operator leaves is sent back, even
   * nothing (the mesh only). A rule without them sends none unless some are chosen.
   */
  gatewaysWritten: boolean;
  /** `tcp` for TCP traffic shifting (a version split only); unset or `http` for HTTP and gRPC. */
  transport: RouteFormValue['transport'];
}

let sequence = 0;
const newKey = () => `k${(sequence += 1)}`;

export const weightRow = (version: string | undefined, weight: number): WeightRow => ({
  key: newKey(),
  version,
  weight,
  locked: false,
  manual: false,
});

export const matchRow = (): MatchRow => ({ key: newKey(), name: '', type: 'exact', value: '' });
export const labelRow = (): LabelRow => ({ key: newKey(), name: '', value: '' });

/** The service's real versions, in catalog order (instances without a version cannot be routed to). */
export function serviceVersions(service: ServiceDetail): { version: string; ready: number }[] {
  return service.versionDetails.flatMap((v) =>
    v.version === null ? [] : [{ version: v.version, ready: v.ready }],
  );
}

export const isRpcProtocol = (protocol: ServiceDetail['protocol']) =>
  protocol === 'dubbo' || protocol === 'sofarpc';

export function emptyCondition(rows: WeightRow[]): ConditionDraft {
  return {
    key: newKey(),
    name: undefined,
    headers: [],
    uri: { type: 'prefix', value: '' },
    method: { type: 'exact', value: '' },
    queryParams: [],
    rpcMethod: '',
    attachments: [],
    sourceLabels: [],
    rows: rows.map((r) => weightRow(r.version, r.weight)),
  };
}

/** A new rule: all calls to the first version, or evenly over the versions when there are several. */
export function newDraft(service: ServiceDetail): RouteDraft {
  const versions = serviceVersions(service).map((v) => v.version);
  const first = versions[0];
  return {
    name: '',
    routeType: 'version',
    trafficSplit: true,
    rows: first === undefined ? [] : [weightRow(first, FULL)],
    single: first,
    conditions: [],
    comment: '',
    gateways: [],
    gatewaysWritten: false,
    // A TCP service is routed by TCP traffic shifting: the BFF writes `tcp` routes.
    transport: service.protocol === 'tcp' ? 'tcp' : undefined,
  };
}

function conditionFromForm(c: ConditionRoute): ConditionDraft {
  return {
    key: newKey(),
    name: c.name,
    headers: c.match.headers.map((h) => ({ key: newKey(), ...h })),
    uri: c.match.uri ? { ...c.match.uri } : { type: 'prefix', value: '' },
    method: c.match.method ? { ...c.match.method } : { type: 'exact', value: '' },
    queryParams: c.match.queryParams.map((q) => ({ key: newKey(), ...q })),
    rpcMethod: c.match.rpcMethod ?? '',
    attachments: c.match.attachments.map((a) => ({ key: newKey(), ...a })),
    sourceLabels: Object.entries(c.match.sourceLabels).map(([name, value]) => ({
      key: newKey(),
      name,
      value,
    })),
    rows: c.destinations.map((d) => weightRow(d.version, d.weight)),
  };
}

/** An existing rule in the form. */
export function draftFromForm(form: RouteFormValue): RouteDraft {
  const rows = form.destinations.map((d) => weightRow(d.version, d.weight));
  return {
    name: form.name,
    routeType: form.routeType,
    trafficSplit: form.trafficSplit,
    rows,
    single: form.destinations[0]?.version,
    conditions: form.matches.map(conditionFromForm),
    comment: '',
    gateways: [...(form.gateways ?? [])],
    gatewaysWritten: form.gateways !== undefined,
    transport: form.transport,
  };
}

function conditionToRoute(c: ConditionDraft): ConditionRoute {
  return {
    ...(c.name !== undefined ? { name: c.name } : {}),
    match: {
      headers: c.headers.map(({ name, type, value }) => ({ name, type, value })),
      ...(c.uri.value !== '' ? { uri: { ...c.uri } } : {}),
      ...(c.method.value !== '' ? { method: { ...c.method } } : {}),
      queryParams: c.queryParams.map(({ name, type, value }) => ({ name, type, value })),
      ...(c.rpcMethod !== '' ? { rpcMethod: c.rpcMethod } : {}),
      attachments: c.attachments.map(({ name, type, value }) => ({ name, type, value })),
      // Rows left entirely empty are not labels; other problems are flagged by `labelProblems`.
      sourceLabels: Object.fromEntries(
        c.sourceLabels.filter((l) => l.name !== '' || l.value !== '').map((l) => [l.name, l.value]),
      ),
    },
    destinations: c.rows.map((r) => ({ version: r.version ?? '', weight: r.weight })),
  };
}

/** The draft as the contract's form, with every field present (as the schema's output has them). */
export function toRouteForm(draft: RouteDraft, resourceVersion?: string): RouteFormValue {
  return {
    name: draft.name,
    routeType: draft.routeType,
    trafficSplit: draft.trafficSplit,
    destinations: draft.trafficSplit
      ? draft.rows.map((r) => ({ version: r.version ?? '', weight: r.weight }))
      : [{ version: draft.single ?? '', weight: FULL }],
    matches: draft.routeType === 'condition' ? draft.conditions.map(conditionToRoute) : [],
    ...(draft.transport !== undefined ? { transport: draft.transport } : {}),
    ...(draft.gatewaysWritten || draft.gateways.length > 0 ? { gateways: [...draft.gateways] } : {}),
    ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    ...(draft.comment.trim() !== '' ? { comment: draft.comment.trim() } : {}),
  };
}

/** Turns the split off (the heaviest version takes all) or on (that version starts at 100%). */
export function withTrafficSplit(draft: RouteDraft, on: boolean): RouteDraft {
  if (on === draft.trafficSplit) return draft;
  if (!on) {
    const heaviest = [...draft.rows].sort((a, b) => b.weight - a.weight)[0];
    return { ...draft, trafficSplit: false, single: heaviest?.version ?? draft.single };
  }
  const rows = draft.single === undefined ? draft.rows : [weightRow(draft.single, FULL)];
  return { ...draft, trafficSplit: true, rows };
}

/** A condition route needs a condition: the first one starts with the default weights. */
export function withRouteType(draft: RouteDraft, routeType: RouteType): RouteDraft {
  if (routeType === draft.routeType) return draft;
  // A TCP route has nothing to match on: a version split only.
  if (routeType === 'condition' && draft.transport === 'tcp') return draft;
  if (routeType === 'condition' && draft.conditions.length === 0) {
    const rows = draft.trafficSplit ? draft.rows : [weightRow(draft.single, FULL)];
    return { ...draft, routeType, conditions: [emptyCondition(rows)] };
  }
  return { ...draft, routeType };
}

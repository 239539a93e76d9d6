import type { MeshObject } from './istio-types';
import { SUBSETS_ANNOTATION } from './model';
import type { LiveState, PlannedWrite, RoutePlan } from './model';
import { parseOwned } from './subsets';
import { referencedSubsets, sameContent, subsetsOf } from './plan';

/**
 * Which of the console's rules rely on which subsets of a DestinationRule, recorded on the
 * DestinationRule itself: `{"reviews-canary":["v1","v3"]}`.
 *
 * Why on the DestinationRule: two changes that each read the DestinationRule and write only their
 * own rule can both succeed and leave a rule pointing at a subset the other removed (write skew:
 * deleting the last user of v3 while creating a rule that needs v3; Istio then answers 503). A
 * change whose rule starts or stops relying on a subset therefore writes the DestinationRule too,
 * with the resourceVersion it read, so of two such changes one is refused with a conflict and
 * tried again against what the other did.
 */
const SUBSET_USERS_ANNOTATION = 'mesh-console.io/subset-users';

type Users = Record<string, string[]>;

function parseSubsetUsers(text: string | undefined): Users {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Users = {};
    for (const [rule, subsets] of Object.entries(parsed as Record<string, unknown>)) {
      if (Array.isArray(subsets)) out[rule] = subsets.filter((s): s is string => typeof s === 'string');
    }
    return out;
  } catch {
    return {};
  }
}

function formatUsers(users: Users): string {
  const sorted = Object.keys(users)
    .sort()
    .map((rule) => [rule, [...(users[rule] ?? [])].sort()] as const);
  return JSON.stringify(Object.fromEntries(sorted));
}

const isSubsetObject = (w: PlannedWrite) => w.object.kind === 'DestinationRule';

/**
 * Adds to a plan the record of which subsets `rule` relies on after the change. When that record
 * changes, the DestinationRule is written (with the resourceVersion it was read at) even if its
 * subsets do not change, so the write fails with a conflict if another change touched it since.
 */
export function recordSubsetUsers(plan: RoutePlan, rule: string, live: LiveState): RoutePlan {
  const drIndex = plan.writes.findIndex(isSubsetObject);
  const drWrite = drIndex >= 0 ? plan.writes[drIndex] : undefined;
  if (drWrite?.action === 'delete') return plan;
  const base = drWrite?.object ?? live.destinationRule;
  if (!base) return plan;

  const ruleWrite = plan.writes.find((w) => !isSubsetObject(w) && w.object.metadata.name === rule);
  // Only the subsets the console added can be removed by it (and raced for); the operator's own
  // are never removed, so relying on them needs no record, and their DestinationRule is left as
  // it was: stamping it would show as drift to the tool that manages it.
  const owned = new Set(parseOwned(base.metadata.annotations?.[SUBSETS_ANNOTATION]));
  const defined = new Set(subsetsOf(base).flatMap((s) => (s.name && owned.has(s.name) ? [s.name] : [])));
  const relies =
    ruleWrite && ruleWrite.action !== 'delete'
      ? [...referencedSubsets(ruleWrite.object)].filter((s) => defined.has(s))
      : [];

  const before = parseSubsetUsers(live.destinationRule?.metadata.annotations?.[SUBSET_USERS_ANNOTATION]);
  const after: Users = {};
  for (const [name, subsets] of Object.entries(before)) {
    const kept = subsets.filter((s) => defined.has(s));
    if (name !== rule && kept.length > 0) after[name] = kept;
  }
  if (relies.length > 0) after[rule] = relies;
  const text = formatUsers(after);
  if (text === formatUsers(before) && (!drWrite || drWrite.action === 'unchanged')) return plan;

  const { [SUBSET_USERS_ANNOTATION]: _previous, ...annotations } = base.metadata.annotations ?? {};
  if (Object.keys(after).length > 0) annotations[SUBSET_USERS_ANNOTATION] = text;
  const object: MeshObject = { ...base, metadata: { ...base.metadata, annotations } };
  const current = drWrite?.current ?? live.destinationRule;
  const write: PlannedWrite = current
    ? { action: sameContent(current, object) ? 'unchanged' : 'update', object, current }
    : { action: 'create', object };
  const writes = [...plan.writes];
  if (drWrite) writes[drIndex] = write;
  // A rule that stays or is written relies on the subsets from the start; a deleted rule goes first.
  else if (ruleWrite?.action === 'delete') writes.push(write);
  else writes.unshift(write);
  return { ...plan, writes };
}

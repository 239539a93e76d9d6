import type { ConditionRoute, RouteForm } from '../../contract/routing';

/**
 * Pure: how a release's stage becomes the route's form, and what a live route sends where, as the
 * release sees it. The release owns the split between its stable and canary versions (the route's
 * other versions are dropped from it) and a condition of its own for the header stage; every other
 * condition of the route, its gateways and transport are kept as they are.
 */

/** What a stage sends where: the weights, and the header whose requests go to the canary. */
export interface StageWeights {
  stable: number;
  canary: number;
  header?: { name: string; value: string } | undefined;
}

interface Versions {
  stable: string;
  canary: string;
}

/** The name of the release's own condition (the header stage) in the route. */
export function headerConditionName(release: string): string {
  return `release-${release}`.slice(0, 63);
}

/** The stage's weights as the route's form, starting from the live form (or none: a new route). */
export function stageForm(
  base: RouteForm | null,
  routeName: string,
  release: string,
  versions: Versions,
  stage: StageWeights,
): RouteForm {
  const own = headerConditionName(release);
  const kept = (base?.matches ?? []).filter((m) => m.name !== own);
  const header: ConditionRoute[] = stage.header
    ? [
        {
          name: own,
          match: {
            headers: [{ name: stage.header.name, type: 'exact', value: stage.header.value }],
            queryParams: [],
            attachments: [],
            sourceLabels: {},
          },
          destinations: [{ version: versions.canary, weight: 100 }],
        },
      ]
    : [];
  const matches = [...header, ...kept];
  return {
    name: routeName,
    routeType: matches.length > 0 ? 'condition' : 'version',
    trafficSplit: true,
    destinations: [
      { version: versions.stable, weight: stage.stable },
      { version: versions.canary, weight: stage.canary },
    ],
    matches,
    ...(base?.transport ? { transport: base.transport } : {}),
    ...(base?.gateways ? { gateways: base.gateways } : {}),
  };
}

/** What the live route's default destinations and the release's condition send where. */
export interface LiveWeights extends StageWeights {
  /** Weight sent to versions other than the release's two. */
  others: number;
}

export function liveWeights(form: RouteForm, release: string, versions: Versions): LiveWeights {
  const dests = form.destinations;
  // Without a split, the one destination takes everything whatever its weight says.
  const weightOf = (version: string) => {
    const d = dests.find((x) => x.version === version);
    if (!d) return 0;
    return form.trafficSplit ? d.weight : 100;
  };
  const stable = weightOf(versions.stable);
  const canary = weightOf(versions.canary);
  const total = form.trafficSplit ? dests.reduce((sum, d) => sum + d.weight, 0) : dests.length > 0 ? 100 : 0;
  const condition = form.matches.find((m) => m.name === headerConditionName(release));
  const header = condition?.match.headers.find((h) => h.type === 'exact');
  const toCanary =
    condition !== undefined &&
    condition.destinations.length === 1 &&
    condition.destinations[0]?.version === versions.canary;
  return {
    stable,
    canary,
    others: total - stable - canary,
    ...(header && toCanary ? { header: { name: header.name, value: header.value } } : {}),
  };
}

/** Whether the live route already sends what the stage wants. */
export function sameWeights(live: LiveWeights, stage: StageWeights): boolean {
  return (
    live.others === 0 &&
    live.stable === stage.stable &&
    live.canary === stage.canary &&
    live.header?.name.toLowerCase() === stage.header?.name.toLowerCase() &&
    live.header?.value === stage.header?.value
  );
}

export function describeWeights(w: StageWeights, versions: Versions): string {
  const split = `${versions.stable} ${w.stable}%, ${versions.canary} ${w.canary}%`;
  return w.header ? `${split}, header ${w.header.name}: ${w.header.value} to ${versions.canary}` : split;
}

/** Whether a revision's comment says this release wrote it ("canary step 3 by release reviews-v3"). */
export function writtenByRelease(comment: string | undefined, release: string): boolean {
  if (!comment) return false;
  const marker = `release ${release}`;
  const at = comment.lastIndexOf(marker);
  if (at < 0) return false;
  const after = comment.slice(at + marker.length);
  return after === '' || after === ')';
}

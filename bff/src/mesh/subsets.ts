import { toDnsLabel } from './hosts';
import type { Subset } from './istio-types';
import type { TargetVersion } from './model';

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ak = Object.keys(a ?? {});
  return ak.length === Object.keys(b).length && ak.every((k) => a?.[k] === b[k]);
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * Whether a subset's labels select exactly one version's instances: every instance of `version`
 * and none of the others'. Without instance labels (or instances), the subset's labels must be
 * the version's own.
 */
function selectsVersion(
  subsetLabels: Record<string, string> | undefined,
  version: TargetVersion,
  versions: readonly TargetVersion[],
): boolean {
  if (sameLabels(subsetLabels, version.labels)) return true;
  const selector = subsetLabels ?? {};
  const own = version.instances ?? [];
  if (own.length === 0 || Object.keys(selector).length === 0) return false;
  if (!own.every((labels) => selects(selector, labels))) return false;
  return versions.every(
    (other) =>
      other === version ||
      (other.instances !== undefined
        ? !other.instances.some((labels) => selects(selector, labels))
        : !selects(selector, other.labels)),
  );
}

/**
 * Decides the subset name of each version: an existing subset that selects exactly the version's
 * instances is reused (never a duplicate beside a hand-written one); otherwise a DNS-1123 name made
 * from the version, kept apart from names already taken.
 */
export function assignSubsets(
  versions: readonly TargetVersion[],
  existing: readonly Subset[],
  all: readonly TargetVersion[] = versions,
): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set(existing.map((s) => s.name));
  for (const v of versions) {
    // Exactly the version's labels first, then any subset that selects exactly its instances.
    const reuse =
      existing.find((s) => sameLabels(s.labels, v.labels)) ??
      existing.find((s) => selectsVersion(s.labels, v, all));
    if (reuse?.name) {
      names.set(v.version, reuse.name);
      continue;
    }
    let name = toDnsLabel(v.version);
    for (let i = 2; taken.has(name); i++) name = toDnsLabel(`${v.version}-${i}`);
    taken.add(name);
    names.set(v.version, name);
  }
  return names;
}

/** The version a subset selects, when its labels are exactly one version's labels. */
export function versionOfSubset(
  subset: Subset | undefined,
  versions: readonly TargetVersion[],
): string | undefined {
  if (!subset) return undefined;
  return (
    versions.find((v) => sameLabels(subset.labels, v.labels)) ??
    versions.find((v) => selectsVersion(subset.labels, v, versions))
  )?.version;
}

export interface SubsetMerge {
  subsets: Subset[];
  /** The subsets the console owns after the merge (recorded on the DestinationRule). */
  owned: string[];
}

/**
 * Merges subsets into a DestinationRule's list: adds the missing ones, keeps every other subset
 * (and its traffic policy) as it was, and removes only subsets the console added itself that no
 * routing rule uses any more.
 */
export function mergeSubsets(
  existing: readonly Subset[],
  previouslyOwned: readonly string[],
  needed: ReadonlyMap<string, Record<string, string>>,
  usedElsewhere: ReadonlySet<string>,
): SubsetMerge {
  const owned = new Set(previouslyOwned);
  const out: Subset[] = [];
  for (const s of existing) {
    const name = s.name ?? '';
    const stillUsed = needed.has(name) || usedElsewhere.has(name);
    if (owned.has(name) && !stillUsed) {
      owned.delete(name);
      continue;
    }
    out.push(s);
  }
  const present = new Set(out.map((s) => s.name));
  for (const [name, labels] of needed) {
    if (present.has(name)) continue;
    out.push({ name, labels: { ...labels } });
    owned.add(name);
  }
  return { subsets: out, owned: [...owned].filter((n) => out.some((s) => s.name === n)).sort() };
}

export function parseOwned(annotation: string | undefined): string[] {
  return (annotation ?? '').split(',').filter((s) => s !== '');
}

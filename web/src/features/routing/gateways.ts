/**
 * Where a VirtualService applies, as its `spec.gateways` names it: `mesh` (the sidecars) and
 * gateways written as `namespace/name`, as a bare `name` (in the rule's own namespace) or, in the
 * older form Istio still reads, `name.namespace.svc.cluster.local`.
 */

export const MESH = 'mesh';

/** A gateway as the list of the mesh's gateways names it (`namespace/name`), or `mesh`. */
export function resolveGateway(written: string, ruleNamespace: string): string {
  if (written === MESH || written.includes('/')) return written;
  const [name, namespace] = written.split('.');
  if (namespace !== undefined && name !== undefined && name !== '') return `${namespace}/${name}`;
  return `${ruleNamespace}/${written}`;
}

interface GatewayChoice {
  /** What is written into the rule: a rule's own entries stay as they were written. */
  value: string;
  /** `namespace/name`, or `mesh`. */
  resolved: string;
  /** A gateway the rule names that the mesh does not have. */
  missing: boolean;
}

/**
 * The gateways the form offers: `mesh`, the rule's own entries as written (so that an edit that
 * leaves them sends them back unchanged), then every other gateway of the mesh.
 */
export function gatewayChoices(
  written: readonly string[],
  known: readonly string[],
  ruleNamespace: string,
): GatewayChoice[] {
  const exists = new Set(known);
  const choices: GatewayChoice[] = [{ value: MESH, resolved: MESH, missing: false }];
  const taken = new Set([MESH]);
  for (const value of written) {
    const resolved = resolveGateway(value, ruleNamespace);
    if (taken.has(resolved)) continue;
    taken.add(resolved);
    choices.push({ value, resolved, missing: resolved !== MESH && !exists.has(resolved) });
  }
  for (const gateway of known) {
    if (taken.has(gateway)) continue;
    taken.add(gateway);
    choices.push({ value: gateway, resolved: gateway, missing: false });
  }
  return choices;
}

/** A selection that names gateways but not the mesh: in-mesh calls do not follow the rule. */
export const isGatewayOnly = (selected: readonly string[]) => selected.length > 0 && !selected.includes(MESH);

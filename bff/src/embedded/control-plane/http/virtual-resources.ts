/**
 * API resources served by request handlers rather than the store: nothing is kept, a POST answers
 * at once (kubectl auth can-i, auth can-i --list, auth whoami). Discovery lists them beside the
 * registry's kinds so clients find them as they do on a real cluster.
 */

export interface VirtualResource {
  group: string;
  version: string;
  /** The resource name in the URL and in discovery. */
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

const review = (group: string, plural: string, kind: string): VirtualResource => ({
  group,
  version: 'v1',
  plural,
  singular: plural.replace(/s$/, ''),
  kind,
  namespaced: false,
  verbs: ['create'],
});

export const VIRTUAL_RESOURCES: readonly VirtualResource[] = [
  review('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
  review('authorization.k8s.io', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview'),
  review('authentication.k8s.io', 'selfsubjectreviews', 'SelfSubjectReview'),
];

/** The virtual resource a URL names, if any. */
export function findVirtualResource(
  group: string,
  version: string,
  plural: string,
): VirtualResource | undefined {
  return VIRTUAL_RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

const CLUSTER_SUFFIX = 'svc.cluster.local';

/**
 * The fully qualified form of a host as Istio resolves it from an object in `namespace`: a short
 * name `reviews` means `reviews.<namespace>.svc.cluster.local`, `reviews.bookinfo` means
 * `reviews.bookinfo.svc.cluster.local`; anything with more dots is taken as written.
 */
export function qualifyHost(host: string, namespace: string): string {
  // Already a full name (the form every catalog host has): nothing to add, nothing to split.
  if (host.endsWith(`.${CLUSTER_SUFFIX}`)) return host;
  const parts = host.split('.');
  if (host.includes('@') || host.includes('*')) return host;
  if (parts.length === 1) return `${host}.${namespace}.${CLUSTER_SUFFIX}`;
  if (parts.length === 2) return `${host}.${CLUSTER_SUFFIX}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}

export function sameHost(a: string, b: string, namespace: string): boolean {
  return qualifyHost(a, namespace) === qualifyHost(b, namespace);
}

/** The first DNS label of a host, used to name the objects of a service (`reviews`). */
export function hostName(host: string): string {
  return host.split('@')[0]?.split('.')[0] ?? host;
}

/** A DNS-1123 label made from any text: lower-cased, invalid characters to '-', a hash if shortened or changed. */
export function toDnsLabel(text: string, maxLength = 63): string {
  const valid = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  if (text.length <= maxLength && valid.test(text)) return text;
  let cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const hash = shortHash(text);
  cleaned = cleaned.slice(0, maxLength - hash.length - 1).replace(/-+$/, '');
  return cleaned === '' ? `x-${hash}` : `${cleaned}-${hash}`;
}

export function shortHash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h.toString(36).padStart(7, '0').slice(0, 7);
}

import type { AuditOutcome } from '../../contract/audit';

/** What a state-changing API request does, for the audit record. */
export interface ActionInfo {
  action: string;
  serviceId: string | null;
  resource: { kind: string; name: string } | null;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A release's actions (`POST …/releases/{name}/pause`) are audited by their name. */
const RELEASE_ACTIONS = new Set(['pause', 'resume', 'promote', 'abort']);

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/** `/services/{id}/routes/{name}` PUT → routes.update of routes/{name} on service {id}; likewise for any kind. */
export function describeRequest(method: string, path: string, body: unknown): ActionInfo {
  const segments = path.replace(/\/+$/, '').split('/').slice(1).map(decode);
  const verb = VERBS[method.toUpperCase()] ?? method.toLowerCase();
  const bodyName =
    body && typeof body === 'object' && typeof (body as { name?: unknown }).name === 'string'
      ? (body as { name: string }).name.slice(0, 253) || null
      : null;
  if (segments[0] === 'services' && segments[1] !== undefined) {
    const [, serviceId, kind, name, ...rest] = segments;
    if (!kind) return { action: `services.${verb}`, serviceId, resource: null };
    const last = rest.at(-1);
    const action =
      name === 'preview'
        ? `${kind}.preview`
        : last === 'rollback'
          ? `${kind}.rollback`
          : kind === 'releases' && last !== undefined && RELEASE_ACTIONS.has(last)
            ? `${kind}.${last}`
            : `${kind}.${verb}`;
    const resourceName = name !== undefined && name !== 'preview' ? name : bodyName;
    return { action, serviceId, resource: resourceName ? { kind, name: resourceName } : null };
  }
  if (segments[0] === 'auth')
    return { action: `auth.${segments[1] ?? verb}`, serviceId: null, resource: null };
  if (segments[0] === 'admin' && segments[1]) {
    const name = segments[2] ?? bodyName;
    return {
      action: `${segments[1]}.${verb}`,
      serviceId: null,
      resource: name ? { kind: segments[1], name } : null,
    };
  }
  return { action: `${method.toUpperCase()} ${path}`, serviceId: null, resource: null };
}

export function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'succeeded';
  if (status === 401 || status === 403) return 'denied';
  if (status === 400 || status === 413 || status === 415 || status === 422) return 'invalid';
  return 'failed';
}

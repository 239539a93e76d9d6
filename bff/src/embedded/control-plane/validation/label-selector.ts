import { isRecord } from '../types';

/**
 * A metav1.LabelSelector (`matchLabels` and `matchExpressions`), as Deployments, ReplicaSets and
 * their controllers use it. An empty selector matches everything; a malformed one matches nothing.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string> | undefined): boolean {
  if (!isRecord(selector)) return false;
  const have = labels ?? {};
  if (isRecord(selector.matchLabels)) {
    for (const [key, value] of Object.entries(selector.matchLabels)) if (have[key] !== value) return false;
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const expression of selector.matchExpressions) {
      if (!isRecord(expression) || typeof expression.key !== 'string') return false;
      const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
      const value = have[expression.key];
      switch (expression.operator) {
        case 'In':
          if (value === undefined || !values.includes(value)) return false;
          break;
        case 'NotIn':
          if (value !== undefined && values.includes(value)) return false;
          break;
        case 'Exists':
          if (value === undefined) return false;
          break;
        case 'DoesNotExist':
          if (value !== undefined) return false;
          break;
        default:
          return false;
      }
    }
  }
  return true;
}

/** Whether a selector selects nothing in particular (`{}`), which apps/v1 refuses. */
export function selectorIsEmpty(selector: unknown): boolean {
  if (!isRecord(selector)) return true;
  const labels = isRecord(selector.matchLabels) ? Object.keys(selector.matchLabels).length : 0;
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.length : 0;
  return labels + expressions === 0;
}

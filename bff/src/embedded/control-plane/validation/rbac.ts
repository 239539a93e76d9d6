import type { FieldError } from '../status-error';
import { invalid, invalidValue } from '../status-error';
import type { KubeObject } from '../types';
import { isRecord } from '../types';
import { jsonEqual } from '../../../lib/json';

/**
 * What kube-apiserver's rbac and policy validation checks beyond the schema: a rule is either about
 * resources (with api groups) or about non-resource URLs, never both, and a Role's never the latter;
 * a binding's roleRef names a role kind of the RBAC group and never changes; subjects are of a known
 * kind in the right group; a PodDisruptionBudget sets minAvailable or maxUnavailable, not both.
 */

const RBAC_GROUP = 'rbac.authorization.k8s.io';

const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Go's %#v of a []string, as the apiserver quotes a rule's field in an error. */
const goStrings = (v: unknown[]) => `[]string{${v.map((x) => JSON.stringify(String(x))).join(', ')}}`;

function ruleErrors(rules: unknown, namespaced: boolean): FieldError[] {
  const errors: FieldError[] = [];
  listOf(rules).forEach((raw, i) => {
    const rule = isRecord(raw) ? raw : {};
    const at = `rules[${i}]`;
    if (listOf(rule.verbs).length === 0)
      errors.push({
        reason: 'FieldValueRequired',
        field: `${at}.verbs`,
        message: 'Required value: verbs must contain at least one value',
      });
    const urls = listOf(rule.nonResourceURLs);
    if (urls.length > 0) {
      if (namespaced)
        errors.push({
          reason: 'FieldValueInvalid',
          field: `${at}.nonResourceURLs`,
          message: `Invalid value: ${goStrings(urls)}: namespaced rules cannot apply to non-resource URLs`,
        });
      else if (listOf(rule.apiGroups).length > 0 || listOf(rule.resources).length > 0)
        errors.push({
          reason: 'FieldValueInvalid',
          field: `${at}.nonResourceURLs`,
          message: `Invalid value: ${goStrings(urls)}: rules cannot apply to both regular resources and non-resource URLs`,
        });
      return;
    }
    if (listOf(rule.apiGroups).length === 0)
      errors.push({
        reason: 'FieldValueRequired',
        field: `${at}.apiGroups`,
        message: 'Required value: resource rules must supply at least one api group',
      });
    if (listOf(rule.resources).length === 0)
      errors.push({
        reason: 'FieldValueRequired',
        field: `${at}.resources`,
        message: 'Required value: resource rules must supply at least one resource',
      });
  });
  return errors;
}

export function validateRole(object: KubeObject, kind: 'Role' | 'ClusterRole'): void {
  const errors = ruleErrors(object.rules, kind === 'Role');
  if (errors.length > 0) throw invalid(kind, RBAC_GROUP, object.metadata.name ?? '', errors);
}

const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'];

function subjectErrors(subjects: unknown, clusterScoped: boolean): FieldError[] {
  const errors: FieldError[] = [];
  listOf(subjects).forEach((raw, i) => {
    const s = isRecord(raw) ? raw : {};
    const at = `subjects[${i}]`;
    const apiGroup = typeof s.apiGroup === 'string' ? s.apiGroup : '';
    if (!SUBJECT_KINDS.includes(String(s.kind))) {
      errors.push({
        reason: 'FieldValueNotSupported',
        field: `${at}.kind`,
        message: `Unsupported value: ${JSON.stringify(s.kind)}: supported values: "ServiceAccount", "User", "Group"`,
      });
      return;
    }
    if (s.kind === 'ServiceAccount') {
      if (apiGroup !== '')
        errors.push({
          reason: 'FieldValueNotSupported',
          field: `${at}.apiGroup`,
          message: `Unsupported value: ${JSON.stringify(apiGroup)}: supported values: ""`,
        });
      if (clusterScoped && (typeof s.namespace !== 'string' || s.namespace === ''))
        errors.push({ reason: 'FieldValueRequired', field: `${at}.namespace`, message: 'Required value' });
    } else if (apiGroup !== RBAC_GROUP) {
      errors.push({
        reason: 'FieldValueNotSupported',
        field: `${at}.apiGroup`,
        message: `Unsupported value: ${JSON.stringify(apiGroup)}: supported values: "${RBAC_GROUP}"`,
      });
    }
  });
  return errors;
}

export function validateBinding(
  object: KubeObject,
  old: KubeObject | undefined,
  kind: 'RoleBinding' | 'ClusterRoleBinding',
): void {
  const errors: FieldError[] = [];
  const ref = isRecord(object.roleRef) ? object.roleRef : {};
  const kinds = kind === 'RoleBinding' ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (ref.apiGroup !== RBAC_GROUP)
    errors.push({
      reason: 'FieldValueNotSupported',
      field: 'roleRef.apiGroup',
      message: `Unsupported value: ${JSON.stringify(ref.apiGroup ?? '')}: supported values: "${RBAC_GROUP}"`,
    });
  if (!kinds.includes(String(ref.kind)))
    errors.push({
      reason: 'FieldValueNotSupported',
      field: 'roleRef.kind',
      message: `Unsupported value: ${JSON.stringify(ref.kind ?? '')}: supported values: ${kinds.map((k) => `"${k}"`).join(', ')}`,
    });
  if (typeof ref.name !== 'string' || ref.name === '')
    errors.push({ reason: 'FieldValueRequired', field: 'roleRef.name', message: 'Required value' });
  errors.push(...subjectErrors(object.subjects, kind === 'ClusterRoleBinding'));
  if (old && !jsonEqual(old.roleRef, object.roleRef))
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'roleRef',
      message: invalidValue(object.roleRef, 'cannot change roleRef'),
    });
  if (errors.length > 0) throw invalid(kind, RBAC_GROUP, object.metadata.name ?? '', errors);
}

/** A percentage of pods must be between 0% and 100%; a number must not be negative. */
function budgetValueError(field: string, value: unknown): FieldError | undefined {
  if (typeof value === 'number')
    return value < 0
      ? {
          reason: 'FieldValueInvalid',
          field,
          message: invalidValue(value, 'must be greater than or equal to 0'),
        }
      : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+)%$/.exec(value);
  if (!m)
    return {
      reason: 'FieldValueInvalid',
      field,
      message: invalidValue(value, 'must be an integer or percentage (e.g 5%)'),
    };
  return Number(m[1]) > 100
    ? {
        reason: 'FieldValueInvalid',
        field,
        message: invalidValue(value, 'must not be greater than 100%'),
      }
    : undefined;
}

export function validatePodDisruptionBudget(object: KubeObject): void {
  const spec = isRecord(object.spec) ? object.spec : {};
  const errors: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined)
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'spec',
      message: invalidValue(spec, 'minAvailable and maxUnavailable cannot be both set'),
    });
  for (const key of ['minAvailable', 'maxUnavailable']) {
    const e = budgetValueError(`spec.${key}`, spec[key]);
    if (e) errors.push(e);
  }
  if (errors.length > 0) throw invalid('PodDisruptionBudget', 'policy', object.metadata.name ?? '', errors);
}

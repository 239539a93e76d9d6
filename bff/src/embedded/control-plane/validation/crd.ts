import type { FieldError } from '../status-error';
import { invalid, invalidValue } from '../status-error';
import type { KubeObject } from '../types';
import { isRecord } from '../types';

/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition defaults and the checks that keep a served kind
 * sane: the name is `<plural>.<group>`, exactly one version is the storage version, version names
 * are unique, the scope does not change.
 */
export function defaultCustomResourceDefinition(object: KubeObject, old: KubeObject | undefined): void {
  const spec = isRecord(object.spec) ? object.spec : {};
  object.spec = spec;
  const names = isRecord(spec.names) ? spec.names : {};
  const errors: FieldError[] = [];
  if (typeof names.kind === 'string') {
    names.singular ??= names.kind.toLowerCase();
    names.listKind ??= `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  const expected = `${String(names.plural)}.${String(spec.group)}`;
  if (object.metadata.name !== expected)
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: invalidValue(object.metadata.name, 'must be spec.names.plural+"."+spec.group'),
    });
  if (typeof spec.group === 'string' && !spec.group.includes('.'))
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'spec.group',
      message: invalidValue(spec.group, 'should be a domain with at least one dot'),
    });
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
  const storage = versions.filter((v) => v.storage === true).length;
  if (versions.length > 0 && storage !== 1)
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'spec.versions',
      message: invalidValue(
        versions.map((v) => String(v.name)),
        'must have exactly one version marked as storage version',
      ),
    });
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const name = String(v.name);
    if (seen.has(name))
      errors.push({
        reason: 'FieldValueDuplicate',
        field: `spec.versions[${i}].name`,
        message: `Duplicate value: "${name}"`,
      });
    seen.add(name);
    if (!/^v\d+((alpha|beta)\d+)?$/.test(name) && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
      errors.push({
        reason: 'FieldValueInvalid',
        field: `spec.versions[${i}].name`,
        message: invalidValue(name, 'must be a DNS-1035 label'),
      });
  });
  const oldSpec = old && isRecord(old.spec) ? old.spec : undefined;
  if (oldSpec && oldSpec.scope !== spec.scope)
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'spec.scope',
      message: invalidValue(spec.scope, 'field is immutable'),
    });
  if (errors.length > 0)
    throw invalid('CustomResourceDefinition', 'apiextensions.k8s.io', object.metadata.name ?? '', errors);
}

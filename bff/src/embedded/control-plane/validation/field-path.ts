/** Field paths written the Kubernetes way: `spec.http[0].route[0].weight`. */

export const childPath = (parent: string, key: string): string => (parent === '' ? key : `${parent}.${key}`);

export const indexPath = (parent: string, index: number): string => `${parent}[${index}]`;

/** Map entries (additionalProperties) are written `labels[app]`, as field.Path.Key does. */
export const keyPath = (parent: string, key: string): string => `${parent}[${key}]`;

/** The JSON type name go-openapi reports for a value: integer and number are told apart. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

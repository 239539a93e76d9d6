import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/errors';
import { parseUserYaml } from '../../lib/user-yaml';
import { validateUserObject } from './user-object';

const base = () => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews-route', namespace: 'bookinfo', labels: { app: 'reviews' } },
  spec: { hosts: ['reviews'] },
});

function refusal(value: unknown): ApiError {
  try {
    validateUserObject(value);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the object to be refused');
}

describe('validateUserObject', () => {
  it('returns a valid object as it is', () => {
    const obj = base();
    expect(validateUserObject(obj)).toBe(obj);
  });

  it.each([
    ['a list', [], /^\(the document\): must be a map/],
    ['null', null, /^\(the document\): must be a map/],
    ['apiVersion as a number', { ...base(), apiVersion: 1 }, /^apiVersion: must be a string, not a number/],
    [
      'apiVersion with ..',
      { ...base(), apiVersion: 'networking..istio.io/v1' },
      /^apiVersion: .*DNS subdomain/,
    ],
    ['apiVersion with two slashes', { ...base(), apiVersion: 'a/b/v1' }, /^apiVersion: .*group\/version/],
    ['kind as a map', { ...base(), kind: { a: 1 } }, /^kind: must be a string, not a map/],
    ['kind empty', { ...base(), kind: '' }, /^kind: cannot be empty/],
    ['metadata as a list', { ...base(), metadata: [] }, /^metadata: must be a map, not a list/],
    [
      'metadata.name as a number',
      { ...base(), metadata: { name: 5 } },
      /^metadata\.name: must be a string, not a number/,
    ],
    [
      'metadata.name as a map',
      { ...base(), metadata: { name: { a: 1 } } },
      /^metadata\.name: must be a string, not a map/,
    ],
    [
      'metadata.name missing',
      { ...base(), metadata: {} },
      /^metadata\.name: must be a string, not undefined/,
    ],
    ['metadata.name upper case', { ...base(), metadata: { name: 'Reviews' } }, /^metadata\.name: Lower-case/],
    [
      'metadata.namespace as a number',
      { ...base(), metadata: { name: 'r', namespace: 7 } },
      /^metadata\.namespace: must be a string/,
    ],
    [
      'a label value as a number',
      { ...base(), metadata: { name: 'r', labels: { version: 2 } } },
      /^metadata\.labels\["version"\]: must be a string, not a number \(quote it\)/,
    ],
    [
      'labels as a list',
      { ...base(), metadata: { name: 'r', labels: ['a'] } },
      /^metadata\.labels: must be a map of strings, not a list/,
    ],
    [
      'a label key with a space',
      { ...base(), metadata: { name: 'r', labels: { 'my app': 'x' } } },
      /^metadata\.labels\["my app"\]: the key is not valid/,
    ],
    [
      'a label value with a space',
      { ...base(), metadata: { name: 'r', labels: { app: 'my app' } } },
      /^metadata\.labels\["app"\]: my app: a label value/,
    ],
    [
      'an annotation as a map',
      { ...base(), metadata: { name: 'r', annotations: { note: { a: 1 } } } },
      /^metadata\.annotations\["note"\]: must be a string, not a map/,
    ],
    [
      'an annotation key with two slashes',
      { ...base(), metadata: { name: 'r', annotations: { 'a/b/c': 'x' } } },
      /^metadata\.annotations\["a\/b\/c"\]: the key is not valid/,
    ],
    ['spec as a string', { ...base(), spec: 'x' }, /^spec: must be a map, not a string/],
    ['spec missing', { ...base(), spec: undefined }, /^spec: must be a map, not undefined/],
  ])('refuses %s with a 400 naming the field', (_, value, message) => {
    const err = refusal(value);
    expect(err.status).toBe(400);
    expect(err.field).toBe('yaml');
    expect(err.message).toMatch(message);
  });

  it('works on what parseUserYaml returns: a number name written in YAML is refused', () => {
    const parsed = parseUserYaml(
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: 5\nspec: {}\n',
    );
    expect(refusal(parsed).message).toMatch(/^metadata\.name: must be a string, not a number/);
  });

  it('allows any case in annotation keys, as Kubernetes does, and a large but bounded total', () => {
    expect(() =>
      validateUserObject({
        ...base(),
        metadata: {
          name: 'r',
          annotations: { 'Example.com/Note': 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        },
      }),
    ).not.toThrow();
    expect(
      refusal({ ...base(), metadata: { name: 'r', annotations: { a: 'x'.repeat(256 * 1024) } } }).message,
    ).toMatch(/^metadata\.annotations: at most 262144 bytes/);
  });
});

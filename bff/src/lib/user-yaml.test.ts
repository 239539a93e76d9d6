import { describe, expect, it } from 'vitest';
import { ApiError } from './errors';
import { USER_YAML_LIMITS, parseUserYaml } from './user-yaml';

/** The 400 a text gets, or a failure when it parses. */
function refusal(text: string, options?: Parameters<typeof parseUserYaml>[1]): ApiError {
  try {
    parseUserYaml(text, options);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the YAML to be refused');
}

/** Nine levels of nine aliases each: 9^9 strings once expanded, in some 600 bytes. */
const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map(
    (k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`,
  ),
].join('\n');

describe('parseUserYaml', () => {
  it('reads an ordinary object, merge keys included, as plain JSON values', () => {
    const value = parseUserYaml(
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: r\nbase: &b {x: 1}\nspec:\n  <<: *b\n  when: 2001-01-01\n  on: yes\n',
    );
    expect(value).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'r' },
      base: { x: 1 },
      spec: { x: 1, when: '2001-01-01', on: 'yes' },
    });
    // Aliases are expanded into copies: changing one place never changes another.
    const v = value as { base: { x: number }; spec: { x: number } };
    v.base.x = 2;
    expect(v.spec.x).toBe(1);
  });

  it('refuses a billion laughs at once, with a 400 on the yaml field', () => {
    expect(BILLION_LAUGHS.length).toBeLessThan(700);
    const started = performance.now();
    const err = refusal(BILLION_LAUGHS);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err.status).toBe(400);
    expect(err.field).toBe('yaml');
    expect(err.message).toMatch(/alias/);
  });

  it('refuses aliases that expand past the node limit even within the alias budget', () => {
    const text =
      'a: &a [' + Array(60).fill('x').join(',') + ']\nb: &b [' + Array(60).fill('*a').join(',') + ']\n';
    expect(refusal(text, { maxAliasCount: 1000, maxNodes: 1000 }).message).toMatch(
      /expands to more than 1000/,
    );
  });

  it('refuses an alias inside its own anchor, naming the line and path', () => {
    expect(refusal('a: &a [1, *a]\n').message).toBe(
      'The alias *a at line 1, column 11 refers to a value that contains it (at a[1])',
    );
    expect(refusal('spec: &s\n  self: *s\n').message).toMatch(/line 2.*spec\.self/);
    expect(refusal('a: *nope\n').message).toMatch(/no anchor before it/);
  });

  it.each([
    ['.nan', /is not a finite number/],
    ['.inf', /is not a finite number/],
    ['-.Inf', /is not a finite number/],
    ['1e400', /is not a finite number/],
    ['12345678901234567890', /too large/],
    ['9007199254740992', /too large/],
  ])('refuses the weight %s naming its path and line', (weight, why) => {
    const err = refusal(`spec:\n  http:\n  - route:\n    - weight: ${weight}\n`);
    expect(err.message).toMatch(why);
    expect(err.message).toMatch(/^spec\.http\[0\]\.route\[0\]\.weight at line 4, column 15: /);
  });

  it('accepts the largest safe integer', () => {
    expect(parseUserYaml('n: 9007199254740991')).toEqual({ n: Number.MAX_SAFE_INTEGER });
  });

  it('refuses deep nesting, block or flow, before the parser can stall', () => {
    const block = Array.from({ length: 80 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n';
    expect(refusal(block).message).toMatch(/nested too deeply at line 65/);
    const flow = '['.repeat(20_000) + ']'.repeat(20_000);
    const started = performance.now();
    expect(refusal(flow).message).toMatch(/nested too deeply at line 1, column 65/);
    expect(performance.now() - started).toBeLessThan(500);
    // Expanded depth counts too: an alias of a deep value placed deep.
    const deep = (n: number) => Array.from({ length: n }, () => '[').join('') + '1' + ']'.repeat(n);
    expect(refusal(`a: &a ${deep(40)}\nb: ${deep(30).replace('1', '*a')}\n`).message).toMatch(
      /nested too deeply once aliases are expanded/,
    );
  });

  it('refuses more than one document, an empty one, and text past the limits', () => {
    expect(refusal('a: 1\n---\nb: 2\n').message).toBe(
      'The YAML must be one document; a second one starts at line 2, column 1',
    );
    expect(refusal('# only a comment\n').message).toBe('The YAML is empty');
    expect(refusal(`a: "${'x'.repeat(USER_YAML_LIMITS.maxBytes)}"`).message).toMatch(/bytes; at most 65536/);
    const keys = Array.from({ length: 6000 }, (_, i) => `k${i}: v`).join('\n');
    expect(refusal(keys).message).toMatch(/at most 20000 tokens/);
  });

  it('refuses duplicate keys, collection keys and unknown tags with the line', () => {
    expect(refusal('a: 1\nb: 2\na: 3\n').message).toBe(
      'a at line 3, column 1: the key appears twice in this map',
    );
    expect(refusal('? [a, b]\n: c\n').message).toMatch(/a map key must be a string/);
    expect(refusal('a: !!binary aGVsbG8=\n').message).toMatch(/tag/);
  });

  it('names the line of a syntax error and uses the given field', () => {
    const err = refusal('a: [1\nb: 2', { field: 'body' });
    expect(err.field).toBe('body');
    expect(err.message).toMatch(/^The YAML does not parse at line 2, column 1: /);
  });

  it('keeps __proto__ as an ordinary key, never as the prototype', () => {
    const value = parseUserYaml('__proto__: {polluted: true}\n') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

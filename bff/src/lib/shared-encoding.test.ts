import { describe, expect, it } from 'vitest';
import { encodeAs, encodedAnswer, jsonPieces } from './shared-encoding';

const long = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `svc-${i}`, rate: i / 7, tags: ['a', i] }));

describe('an answer’s JSON in pieces', () => {
  it.each([
    ['a long array among other keys', { head: 'h', items: long(1000), tail: [1, 2], n: null }],
    ['arrays of exactly one slice and one more', { a: long(128), b: long(129), c: long(257) }],
    [
      'keys whose value has no JSON are left out',
      { a: undefined, f: () => 1, items: long(300), z: undefined },
    ],
    ['undefined and functions in a long array are null', { items: [...long(200), undefined, () => 1, 3] }],
    ['characters beyond ASCII', { items: long(300).map((x) => ({ ...x, name: '服务 ✓ "q" \\ \u2028' })) }],
    ['empty', {}],
    ['a top-level array', long(500)],
    ['a date (toJSON) inside', { at: new Date(0), items: long(300) }],
  ])('%s: joined, exactly JSON.stringify', (_name, body) => {
    const pieces = [...jsonPieces(body as object)];
    expect(pieces.join('')).toBe(JSON.stringify(body));
  });

  it('splits a long array into pieces, so no one string holds the whole answer', () => {
    const pieces = [...jsonPieces({ items: long(1000) })];
    expect(pieces.length).toBeGreaterThanOrEqual(1000 / 128);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(JSON.stringify(long(200)).length);
  });

  it('encodes the pieces as UTF-8 bytes, with the ETag of the whole', () => {
    const body = { items: long(300).map((x) => ({ ...x, name: '服务' })) };
    const encoded = encodedAnswer(body);
    const whole = Buffer.from(JSON.stringify(body));
    expect(Buffer.concat(encoded.pieces).equals(whole)).toBe(true);
    expect(encoded.bytes).toBe(whole.length);
    // The same bytes in other pieces: the same ETag.
    expect(encodeAs({}, [JSON.stringify(body)]).etag).toBe(encoded.etag);
    expect(encodedAnswer({ items: [] }).etag).not.toBe(encoded.etag);
  });
});

import { describe, expect, it } from 'vitest';
import { encodeAs, encodedAnswer, isEncoded } from './shared-encoding';

const body = () => ({
  items: Array.from({ length: 300 }, (_, i) => ({ id: `svc-${i}`, name: '服务', rate: i / 7 })),
});

/** A JSON string cut into pieces of `size` characters. */
const cut = (json: string, size: number) =>
  Array.from({ length: Math.ceil(json.length / size) }, (_, i) => json.slice(i * size, (i + 1) * size));

describe('an answer encoded once', () => {
  it('is its JSON as UTF-8 bytes, serialized once however often it is asked', () => {
    const b = body();
    const encoded = encodedAnswer(b);
    const whole = Buffer.from(JSON.stringify(b));
    expect(Buffer.concat(encoded.pieces).equals(whole)).toBe(true);
    expect(encoded.bytes).toBe(whole.length);
    expect(encodedAnswer(b)).toBe(encoded);
  });

  it('from pieces: the same bytes and the same ETag however the JSON is cut, kept for its body', () => {
    const b = body();
    const json = JSON.stringify(b);
    const pieced = encodeAs(b, cut(json, 1000));
    expect(pieced.pieces.length).toBe(Math.ceil(json.length / 1000));
    expect(Buffer.concat(pieced.pieces).equals(Buffer.from(json))).toBe(true);
    expect(pieced.etag).toBe(encodedAnswer(body()).etag);
    // The body's encoding is the one its feature wrote.
    expect(isEncoded(b)).toBe(true);
    expect(encodedAnswer(b)).toBe(pieced);
    expect(encodedAnswer({ items: [] }).etag).not.toBe(pieced.etag);
  });
});

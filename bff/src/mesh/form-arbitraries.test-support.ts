import fc from 'fast-check';
import type { Destination } from '../contract/routing';

/** Random routing-form parts, for the property tests of both route APIs. */

/** Weights over the given versions that total exactly 100. */
export function destinations(versions: string[]): fc.Arbitrary<Destination[]> {
  return fc.shuffledSubarray(versions, { minLength: 1 }).chain((vs) =>
    fc
      .array(fc.integer({ min: 0, max: 100 }), { minLength: vs.length - 1, maxLength: vs.length - 1 })
      .map((cuts) => {
        const sorted = [0, ...cuts.sort((a, b) => a - b), 100];
        return vs.map((version, i) => ({
          version,
          weight: (sorted[i + 1] as number) - (sorted[i] as number),
        }));
      }),
  );
}

/** A header or parameter name. */
export const token = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
/** A match value. */
export const value = fc.stringMatching(/^[A-Za-z0-9_]{1,10}$/);

import { describe, expect, it } from 'vitest';
import { StatusError } from '../status-error';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { labelsMatch, parseLabelSelector } from './selectors';

describe('patches', () => {
  it('merge patch: objects merge, null deletes, lists are replaced', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] })).toEqual({
      a: { c: 2, d: 3 },
      l: [3],
    });
  });

  it('JSON patch: a malformed document is 400, a failed operation 422', () => {
    const status = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof StatusError) return err.code;
      }
      return 0;
    };
    expect(jsonPatch({ a: 1 }, [{ op: 'replace', path: '/a', value: 2 }])).toEqual({ a: 2 });
    expect(status(() => jsonPatch({ a: 1 }, { op: 'replace' }))).toBe(400);
    expect(status(() => jsonPatch({ a: 1 }, [{ op: 'jump', path: '/a' }]))).toBe(400);
    expect(status(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]))).toBe(422);
    expect(status(() => jsonPatch({ a: 1 }, [{ op: 'remove', path: '/b' }]))).toBe(422);
  });

  it('strategic merge patch: keyed lists merge and directives are honoured, as kubectl sends them', () => {
    const current = {
      spec: {
        ports: [
          { name: 'http', port: 80 },
          { name: 'grpc', port: 9090 },
        ],
        selector: { app: 'a', tier: 'x' },
      },
      metadata: { finalizers: ['a'] },
    };
    const patch = {
      spec: {
        '$setElementOrder/ports': [{ port: 80 }, { port: 9091 }],
        ports: [
          { name: 'grpc', port: 9091 },
          { port: 9090, $patch: 'delete' },
        ],
        selector: { $patch: 'replace', app: 'b' },
      },
      metadata: { finalizers: ['b'] },
    };
    expect(strategicMergePatch(current, patch)).toEqual({
      spec: {
        ports: [
          { name: 'http', port: 80 },
          { name: 'grpc', port: 9091 },
        ],
        selector: { app: 'b' },
      },
      metadata: { finalizers: ['a', 'b'] },
    });
    expect(
      strategicMergePatch({ data: { a: '1', b: '2' } }, { $retainKeys: ['data'], data: { b: null } }),
    ).toEqual({ data: { a: '1' } });
  });
});

describe('label selectors', () => {
  it('parses every operator and rejects malformed selectors with 400', () => {
    expect(parseLabelSelector('a=b, c!=d,e in (f,g), h notin (i), j, !k, n>1')).toEqual([
      { key: 'a', operator: '=', values: ['b'] },
      { key: 'c', operator: '!=', values: ['d'] },
      { key: 'e', operator: 'in', values: ['f', 'g'] },
      { key: 'h', operator: 'notin', values: ['i'] },
      { key: 'j', operator: 'exists', values: [] },
      { key: 'k', operator: '!exists', values: [] },
      { key: 'n', operator: 'gt', values: ['1'] },
    ]);
    expect(labelsMatch(parseLabelSelector('n>1,n<5'), { n: '3' })).toBe(true);
    for (const bad of ['a in (', 'a b', '=b', 'a=b=c', 'a in ()', 'bad key!=x']) {
      expect(() => parseLabelSelector(bad), bad).toThrow(StatusError);
    }
  });
});

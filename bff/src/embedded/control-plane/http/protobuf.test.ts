import { describe, expect, it } from 'vitest';
import { decodeProtobufObject } from './protobuf';
import { statusErrorOf } from '../testing/fixtures';

/** Protobuf fields written by hand, from the field numbers of k8s.io/api's generated.proto. */
const bytes = (...parts: (number[] | Buffer)[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
const len = (field: number, body: Buffer | string) => {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return bytes([(field << 3) | 2, b.length], b);
};
const varint = (field: number, value: number) => bytes([field << 3, value]);

const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  bytes(Buffer.from('k8s\0', 'binary'), len(1, bytes(len(1, apiVersion), len(2, kind))), len(2, raw));

describe('protobuf request bodies', () => {
  it('decodes as the JSON encoding reads: pointer zeros kept, omitempty zeros dropped, maps, bytes as base64', () => {
    const meta = bytes(len(1, 'web'), len(2, ''), len(11, bytes(len(1, 'app'), len(2, 'web'))));
    const spec = bytes(
      varint(1, 0), // replicas: *int32, 0 is meaningful
      varint(7, 0), // paused: bool omitempty
      len(4, Buffer.alloc(0)), // strategy: a struct, {} in JSON
    );
    expect(
      decodeProtobufObject(envelope('apps/v1', 'Deployment', bytes(len(1, meta), len(2, spec)))),
    ).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 0, strategy: {} },
    });
    const secret = bytes(
      len(1, len(1, 's')),
      len(2, bytes(len(1, 'pw'), len(2, 'hunter2'))),
      len(3, 'Opaque'),
    );
    expect(decodeProtobufObject(envelope('v1', 'Secret', secret))).toMatchObject({
      data: { pw: Buffer.from('hunter2').toString('base64') },
      type: 'Opaque',
    });
  });

  it('refuses what it cannot decode rather than drop it: 415 for an unknown kind or field, 400 for broken bytes', () => {
    expect(
      statusErrorOf(() => decodeProtobufObject(envelope('batch/v1', 'Job', len(1, len(1, 'j'))))).code,
    ).toBe(415);
    const unknownField = bytes(len(1, len(1, 'c')), len(15, 'x'));
    const err = statusErrorOf(() => decodeProtobufObject(envelope('v1', 'ConfigMap', unknownField)));
    expect(err.code).toBe(415);
    expect(err.message).toContain('field 15 of ConfigMap');
    expect(statusErrorOf(() => decodeProtobufObject(Buffer.from('not protobuf'))).code).toBe(400);
    expect(
      statusErrorOf(() => decodeProtobufObject(envelope('v1', 'ConfigMap', bytes([0x0a, 0x09, 0x61])))).code,
    ).toBe(400);
  });
});

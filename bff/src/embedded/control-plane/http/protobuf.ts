import { StatusError, badRequest } from '../status-error';
import type { FieldDescriptor, MessageDescriptor, ValueType } from './protobuf-kinds';
import { MESSAGES, PROTOBUF_KINDS } from './protobuf-kinds';
import type { WireField } from './protobuf-wire';
import { ProtobufError, WireReader, WireType, packedVarints } from './protobuf-wire';

/**
 * Decodes `application/vnd.kubernetes.protobuf` bodies: the magic `k8s\0`, then a runtime.Unknown
 * {typeMeta{apiVersion=1, kind=2}=1, raw=2, contentEncoding=3, contentType=4} whose raw is the
 * object in Kubernetes' generated protobuf. The result is the object as its JSON encoding reads,
 * so the rest of the server handles it exactly as a JSON body.
 */

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

class Unsupported extends Error {}

const text = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array | undefined): string {
  return bytes ? text.decode(bytes) : '';
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
}

function readEnvelope(body: Uint8Array): Envelope {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b))
    throw new ProtobufError('the body does not start with the Kubernetes protobuf prefix');
  const out: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '' };
  for (const field of WireReader.fields(body.subarray(MAGIC.length))) {
    if (field.number === 1 && field.bytes) {
      for (const meta of WireReader.fields(field.bytes)) {
        if (meta.number === 1) out.apiVersion = utf8(meta.bytes);
        if (meta.number === 2) out.kind = utf8(meta.bytes);
      }
    } else if (field.number === 2 && field.bytes) {
      out.raw = field.bytes;
    } else if (field.number === 3) {
      out.contentEncoding = utf8(field.bytes);
    }
  }
  return out;
}

const int64 = (v: bigint | undefined) => Number(BigInt.asIntN(64, v ?? 0n));
const int32 = (v: bigint | undefined) => Number(BigInt.asIntN(32, v ?? 0n));

function timeValue(bytes: Uint8Array): string | undefined {
  let seconds = 0;
  for (const field of WireReader.fields(bytes)) if (field.number === 1) seconds = int64(field.varint);
  if (seconds === 0) return undefined;
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function intOrString(bytes: Uint8Array): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  for (const field of WireReader.fields(bytes)) {
    if (field.number === 1) type = int64(field.varint);
    else if (field.number === 2) intVal = int32(field.varint);
    else if (field.number === 3) strVal = utf8(field.bytes);
  }
  return type === 1 ? strVal : intVal;
}

function expectWire(field: WireField, wireType: WireType, where: string): void {
  if (field.wireType !== wireType)
    throw new ProtobufError(`${where}: wire type ${field.wireType}, expected ${wireType}`);
}

/** One value of a field (not a map entry), as JSON has it. */
function scalarOrMessage(type: ValueType, field: WireField, where: string): unknown {
  if (typeof type === 'object') {
    expectWire(field, WireType.LengthDelimited, where);
    return decodeMessage(type.message, field.bytes ?? new Uint8Array(), where);
  }
  switch (type) {
    case 'string':
      expectWire(field, WireType.LengthDelimited, where);
      return utf8(field.bytes);
    case 'bytes':
      expectWire(field, WireType.LengthDelimited, where);
      return Buffer.from(field.bytes ?? []).toString('base64');
    case 'bool':
      expectWire(field, WireType.Varint, where);
      return field.varint !== 0n;
    case 'int32':
      expectWire(field, WireType.Varint, where);
      return int32(field.varint);
    case 'int64':
      expectWire(field, WireType.Varint, where);
      return int64(field.varint);
    case 'time':
      expectWire(field, WireType.LengthDelimited, where);
      return timeValue(field.bytes ?? new Uint8Array());
    case 'intOrString':
      expectWire(field, WireType.LengthDelimited, where);
      return intOrString(field.bytes ?? new Uint8Array());
    case 'quantity': {
      expectWire(field, WireType.LengthDelimited, where);
      const inner = WireReader.fields(field.bytes ?? new Uint8Array()).find((x) => x.number === 1);
      return utf8(inner?.bytes);
    }
    case 'fieldsV1': {
      expectWire(field, WireType.LengthDelimited, where);
      const inner = WireReader.fields(field.bytes ?? new Uint8Array()).find((x) => x.number === 1);
      return inner?.bytes ? (JSON.parse(utf8(inner.bytes)) as unknown) : {};
    }
  }
}

const isZero = (v: unknown) => v === '' || v === 0 || v === false || v === undefined;

function mapEntry(type: ValueType, bytes: Uint8Array, where: string): [string, unknown] {
  let key = '';
  let value: unknown = type === 'bytes' || type === 'string' || type === 'quantity' ? '' : undefined;
  for (const field of WireReader.fields(bytes)) {
    if (field.number === 1) key = utf8(field.bytes);
    else if (field.number === 2) value = scalarOrMessage(type, field, `${where}[${key}]`);
  }
  return [key, value];
}

/** Scalars of a repeated field: one per wire field, or packed into one length-delimited field. */
function repeatedValues(desc: FieldDescriptor, field: WireField, where: string): unknown[] {
  const packable = desc.type === 'bool' || desc.type === 'int32' || desc.type === 'int64';
  if (packable && field.wireType === WireType.LengthDelimited)
    return packedVarints(field.bytes ?? new Uint8Array()).map((v) =>
      scalarOrMessage(desc.type, { number: field.number, wireType: WireType.Varint, varint: v }, where),
    );
  return [scalarOrMessage(desc.type, field, where)];
}

function decodeMessage(name: string, bytes: Uint8Array, where: string): Record<string, unknown> {
  const descriptor: MessageDescriptor | undefined = MESSAGES[name];
  if (!descriptor) throw new Unsupported(`${where} (${name})`);
  const byNumber = new Map(descriptor.map((d) => [d.number, d]));
  const values = new Map<FieldDescriptor, unknown>();
  for (const field of WireReader.fields(bytes)) {
    const desc = byNumber.get(field.number);
    if (!desc) throw new Unsupported(`field ${field.number} of ${name} (in ${where})`);
    const path = `${where}.${desc.name}`;
    if (desc.map) {
      expectWire(field, WireType.LengthDelimited, path);
      const [key, value] = mapEntry(desc.type, field.bytes ?? new Uint8Array(), path);
      const entries = (values.get(desc) as Record<string, unknown> | undefined) ?? {};
      entries[key] = value;
      values.set(desc, entries);
    } else if (desc.repeated) {
      const items = (values.get(desc) as unknown[] | undefined) ?? [];
      items.push(...repeatedValues(desc, field, path));
      values.set(desc, items);
    } else {
      // The last occurrence of a singular field wins, as protobuf merges.
      values.set(desc, scalarOrMessage(desc.type, field, path));
    }
  }
  const out: Record<string, unknown> = {};
  for (const desc of descriptor) {
    if (!values.has(desc)) continue;
    const value = values.get(desc);
    if (value === undefined) continue;
    if (desc.inline && typeof value === 'object' && value !== null) {
      Object.assign(out, value);
      continue;
    }
    if (!desc.keepZero && !desc.map && !desc.repeated && isZero(value)) continue;
    out[desc.name] = value;
  }
  return out;
}

const unsupportedKind = (what: string) =>
  new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - ${what} cannot be decoded from ${PROTOBUF_MEDIA_TYPE} by this server; send it as application/json`,
    { kind: what },
  );

/** The object a protobuf request body carries, as its JSON encoding would read. */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  let envelope: Envelope;
  try {
    envelope = readEnvelope(body);
  } catch (err) {
    throw badRequest(`the protobuf body could not be decoded: ${(err as Error).message}`);
  }
  const { apiVersion, kind } = envelope;
  const gvk = `${apiVersion}/${kind}`;
  if (envelope.contentEncoding !== '')
    throw unsupportedKind(`${gvk} with content encoding ${envelope.contentEncoding}`);
  const message = PROTOBUF_KINDS[gvk];
  if (!message) throw unsupportedKind(kind === '' ? 'an object without a kind' : `${kind} (${apiVersion})`);
  try {
    return { apiVersion, kind, ...decodeMessage(message, envelope.raw, kind) };
  } catch (err) {
    if (err instanceof Unsupported) throw unsupportedKind(`${kind} (${apiVersion}): ${err.message}`);
    if (err instanceof ProtobufError || err instanceof TypeError || err instanceof SyntaxError)
      throw badRequest(`${kind} in version "${apiVersion}" cannot be decoded from protobuf: ${err.message}`);
    throw err;
  }
}

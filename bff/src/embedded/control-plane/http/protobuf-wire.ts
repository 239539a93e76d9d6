/**
 * A minimal reader of the protobuf wire format (varint, 64-bit, length-delimited, 32-bit), enough
 * to walk the messages Kubernetes clients send. It knows nothing of message types: a field is its
 * number, its wire type and its raw value.
 */

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  Fixed32 = 5,
}

export interface WireField {
  number: number;
  wireType: WireType;
  /** Varints as 64-bit two's complement; fixed-width values as their unsigned bits. */
  varint?: bigint;
  bytes?: Uint8Array;
}

export class ProtobufError extends Error {}

export class WireReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new ProtobufError('truncated varint');
      const byte = this.buf[this.pos++] ?? 0;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  private take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) throw new ProtobufError('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  field(): WireField {
    const key = this.varint();
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n) as WireType;
    if (number < 1 || number > 536_870_911) throw new ProtobufError(`invalid field number ${number}`);
    switch (wireType) {
      case WireType.Varint:
        return { number, wireType, varint: this.varint() };
      case WireType.Fixed64:
        return { number, wireType, bytes: this.take(8) };
      case WireType.Fixed32:
        return { number, wireType, bytes: this.take(4) };
      case WireType.LengthDelimited: {
        const length = this.varint();
        if (length > BigInt(this.buf.length)) throw new ProtobufError('truncated field');
        return { number, wireType, bytes: this.take(Number(length)) };
      }
      default:
        throw new ProtobufError(`unsupported wire type ${String(wireType)} (field ${number})`);
    }
  }

  /** Every field of the message, in wire order (a field may repeat). */
  static fields(buf: Uint8Array): WireField[] {
    const reader = new WireReader(buf);
    const out: WireField[] = [];
    while (!reader.done) out.push(reader.field());
    return out;
  }
}

/** The varints of a packed repeated scalar field. */
export function packedVarints(bytes: Uint8Array): bigint[] {
  const reader = new WireReader(bytes);
  const out: bigint[] = [];
  while (!reader.done) out.push(reader.varint());
  return out;
}

/** Builds a protobuf message field by field (fields are written in the order they are added). */
export class WireWriter {
  private readonly chunks: Uint8Array[] = [];

  private key(number: number, wireType: WireType): void {
    this.rawVarint(BigInt(number) * 8n + BigInt(wireType));
  }

  private rawVarint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.chunks.push(Uint8Array.from(bytes));
  }

  varint(number: number, value: number | bigint | boolean): this {
    this.key(number, WireType.Varint);
    this.rawVarint(typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value));
    return this;
  }

  double(number: number, value: number): this {
    this.key(number, WireType.Fixed64);
    const buf = Buffer.alloc(8);
    buf.writeDoubleLE(value);
    this.chunks.push(buf);
    return this;
  }

  bytes(number: number, value: Uint8Array): this {
    this.key(number, WireType.LengthDelimited);
    this.rawVarint(BigInt(value.length));
    this.chunks.push(value);
    return this;
  }

  string(number: number, value: string): this {
    return this.bytes(number, Buffer.from(value, 'utf8'));
  }

  message(number: number, build: (w: WireWriter) => void): this {
    const inner = new WireWriter();
    build(inner);
    return this.bytes(number, inner.finish());
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

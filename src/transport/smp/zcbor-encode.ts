/**
 * CBOR as Zephyr's SMP server writes it (zcbor without ZCBOR_CANONICAL): every map and list
 * indefinite-length (`bf ... ff`, `9f ... ff`), integers, strings and byte strings in their shortest
 * definite form, booleans as f4/f5. The device side encodes its answers with this so they are the
 * bytes smp_svr sends (its length field included); clients decode both forms through ./cbor.ts.
 * Spec: RFC 8949 §3 (major types), §3.2.2 (indefinite-length arrays and maps).
 */
import { concatBytes, utf8Encode } from '../../hal/bytes.ts';
import { SmpError } from './errors.ts';

const MAJOR_UINT = 0;
const MAJOR_NINT = 1;
const MAJOR_BSTR = 2;
const MAJOR_TSTR = 3;
const CBOR_LIST_START = 0x9f;
const CBOR_MAP_START = 0xbf;
const CBOR_BREAK = 0xff;
const CBOR_FALSE = 0xf4;
const CBOR_TRUE = 0xf5;
/** Argument encodings: inline below 24, then 1, 2, 4 bytes after the initial byte (RFC 8949 §3). */
const CBOR_INLINE_MAX = 23;
const CBOR_AI_1 = 24;
const CBOR_AI_2 = 25;
const CBOR_AI_4 = 26;
const U8_MAX = 0xff;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
/** Deepest nesting written (SMP bodies are two or three levels deep). */
const ZCBOR_MAX_DEPTH = 16;

function head(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n <= CBOR_INLINE_MAX) return Uint8Array.of(m | n);
  if (n <= U8_MAX) return Uint8Array.of(m | CBOR_AI_1, n);
  if (n <= U16_MAX) return Uint8Array.of(m | CBOR_AI_2, n >>> 8, n & U8_MAX);
  if (n <= U32_MAX) return Uint8Array.of(m | CBOR_AI_4, n >>> 24, (n >>> 16) & U8_MAX, (n >>> 8) & U8_MAX, n & U8_MAX);
  throw new SmpError('SMP_BAD_ARG', `zcbor.encode: ${n} does not fit 32 bits`, { value: n });
}

function encode(v: unknown, depth: number, out: Uint8Array[]): void {
  if (depth > ZCBOR_MAX_DEPTH) throw new SmpError('SMP_BAD_ARG', `zcbor.encode: nesting deeper than ${ZCBOR_MAX_DEPTH}`);
  if (typeof v === 'boolean') out.push(Uint8Array.of(v ? CBOR_TRUE : CBOR_FALSE));
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new SmpError('SMP_BAD_ARG', `zcbor.encode: ${v} is not an integer`, { value: v });
    out.push(v >= 0 ? head(MAJOR_UINT, v) : head(MAJOR_NINT, -1 - v));
  } else if (typeof v === 'string') {
    const b = utf8Encode(v);
    out.push(head(MAJOR_TSTR, b.length), b);
  } else if (v instanceof Uint8Array) {
    out.push(head(MAJOR_BSTR, v.length), v);
  } else if (Array.isArray(v)) {
    out.push(Uint8Array.of(CBOR_LIST_START));
    for (const x of v) encode(x, depth + 1, out);
    out.push(Uint8Array.of(CBOR_BREAK));
  } else if (v !== null && typeof v === 'object') {
    out.push(Uint8Array.of(CBOR_MAP_START));
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      encode(k, depth + 1, out);
      encode(x, depth + 1, out);
    }
    out.push(Uint8Array.of(CBOR_BREAK));
  } else {
    throw new SmpError('SMP_BAD_ARG', `zcbor.encode: cannot encode ${v === null ? 'null' : typeof v}`);
  }
}

/** Encodes an SMP body the way zcbor does on the device (indefinite-length containers). */
export function zcborEncode(value: unknown): Uint8Array {
  const out: Uint8Array[] = [];
  encode(value, 0, out);
  return concatBytes(...out);
}

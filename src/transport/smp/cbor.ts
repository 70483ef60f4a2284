/**
 * The one configured cbor-x wrapper of the SMP code (STYLE.md "cbor-x, configured once"): options fixed
 * for interop with Zephyr's zcbor, byte strings leaving as plain Uint8Array (cbor-x hands out Buffer
 * under Node), indefinite-length maps accepted (Zephyr encodes responses with them), and every cbor-x
 * failure wrapped as SmpError SMP_BAD_CBOR. cbor-x's default entry point is portable: it looks for
 * Buffer/TextEncoder through globalThis and bundles for `platform: neutral`.
 */
import { Encoder, type Options } from 'cbor-x';
import { SmpError } from './errors.ts';

/** A decoded SMP body: a CBOR map with text keys. */
export type SmpBody = Record<string, unknown>;

/** cbor-x reads useTag259ForMaps but its typings do not list it. */
const CBOR_OPTIONS: Options & { useTag259ForMaps: boolean } = {
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  useTag259ForMaps: false,
  variableMapSize: true,
};
const codec = new Encoder(CBOR_OPTIONS);

/** Encodes `value` (an SMP body) as CBOR; SMP_BAD_ARG when cbor-x cannot encode it. */
export function cborEncode(value: unknown): Uint8Array {
  try {
    return Uint8Array.from(codec.encode(value));
  } catch (e) {
    throw new SmpError('SMP_BAD_ARG', `cbor.encode: cannot encode the body: ${(e as Error).message}`, {}, { cause: e });
  }
}

/**
 * Decodes exactly one CBOR item filling `bytes`; SMP_BAD_CBOR when it is malformed, cut short or
 * followed by extra bytes. Byte strings come back as Uint8Array, nested maps as plain objects.
 */
export function cborDecode(bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = codec.decode(bytes);
  } catch (e) {
    throw new SmpError('SMP_BAD_CBOR', `cbor.decode: malformed CBOR: ${(e as Error).message}`, {}, { cause: e });
  }
  return normalize(value, 0);
}

/** Deepest nesting of maps/arrays accepted (SMP bodies are two or three levels deep). */
const CBOR_MAX_DEPTH = 16;

function normalize(v: unknown, depth: number): unknown {
  if (depth > CBOR_MAX_DEPTH) throw new SmpError('SMP_BAD_CBOR', `cbor.decode: nesting deeper than ${CBOR_MAX_DEPTH}`);
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map((x) => normalize(x, depth + 1));
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k)] = normalize(x, depth + 1);
    return o;
  }
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = normalize(x, depth + 1);
    return o;
  }
  return v;
}

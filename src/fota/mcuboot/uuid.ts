/**
 * UUID_VID / UUID_CID values as imgtool derives them (`--vid`, `--cid`): a raw UUID
 * (8-4-4-4-12 hex, or 32 hex digits) is taken as is; any other printable text is a name-based UUID v5
 * (SHA-1) in NAMESPACE_DNS for the vendor, and in the vendor's UUID for the class (a class name
 * without a vendor is refused). Spec: RFC 9562 5.5 (UUID v5), imgtool image.py parse_uuid.
 */
import { concatBytes, fromHex, utf8Encode } from '../../hal/bytes.ts';
import { ImageError } from './errors.ts';

export const UUID_BYTES = 16;
/** RFC 9562 NAMESPACE_DNS: 6ba7b810-9dad-11d1-80b4-00c04fd430c8. */
export const UUID_NAMESPACE_DNS: Uint8Array = fromHex('6ba7b8109dad11d180b400c04fd430c8');
const UUID_V5_VERSION = 0x50;
const UUID_VARIANT_RFC = 0x80;

const RAW_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RAW_HEX_UUID = /^[0-9a-fA-F]{32}$/;
/** Printable as Python's str.isprintable() means it for ASCII (no control characters). */
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;

/** UUID v5 of `name` in `namespace`; `sha1` is the caller's SHA-1 (not a security use). */
export function uuid5(sha1: (data: Uint8Array) => Uint8Array, namespace: Uint8Array, name: string): Uint8Array {
  const h = sha1(concatBytes(namespace, utf8Encode(name))).slice(0, UUID_BYTES);
  h[6] = (h[6]! & 0x0f) | UUID_V5_VERSION;
  h[8] = (h[8]! & 0x3f) | UUID_VARIANT_RFC;
  return h;
}

/** The 16 bytes imgtool writes for a --vid/--cid value; `namespace` undefined = no vendor given. */
export function imgtoolUuid(sha1: (data: Uint8Array) => Uint8Array, namespace: Uint8Array | undefined, value: string): Uint8Array {
  if (RAW_UUID.test(value)) return fromHex(value.replace(/-/g, ''));
  if (RAW_HEX_UUID.test(value)) return fromHex(value);
  if (!PRINTABLE.test(value)) throw new ImageError('IMAGE_BAD_OPTIONS', `uuid: '${value}' is not a UUID or a printable name`);
  if (!namespace) throw new ImageError('IMAGE_BAD_OPTIONS', `uuid: the class name '${value}' needs a vendor (--vid) as its namespace`);
  return uuid5(sha1, namespace, value);
}

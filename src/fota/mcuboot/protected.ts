/**
 * What the protected TLV area says about an image: security counter (SEC_CNT), dependencies on
 * other images (DEPENDENCY), and the custom/other TLVs as they are. Spec: mcuboot.md "TLV areas".
 */
import { readU16LE, readU32LE, writeU16LE, writeU32LE } from '../../hal/bytes.ts';
import { IMAGE_DEPENDENCY_BYTES, IMAGE_SEC_CNT_BYTES, IMAGE_TLV_DEPENDENCY, IMAGE_TLV_SEC_CNT, IMAGE_U32_MAX } from './constants.ts';

/** Image ids are a u8 in DEPENDENCY. */
const IMAGE_ID_MAX = 0xff;
import { ImageError } from './errors.ts';
import type { Tlv } from './tlv.ts';
import { checkVersion, type ImageVersion } from './version.ts';

export interface ImageDependency {
  imageId: number;
  version: ImageVersion;
}

export interface ProtectedInfo {
  securityCounter?: number;
  dependencies: ImageDependency[];
}

function checkLength(t: Tlv, expected: number, name: string): void {
  if (t.value.length !== expected) {
    throw new ImageError('IMAGE_BAD_TLV_LENGTH', `protected.decode: ${name} at ${t.offset} is ${t.value.length} bytes, not ${expected}`, {
      offset: t.offset,
      type: t.type,
    });
  }
}

/** Decodes SEC_CNT and DEPENDENCY entries (lengths checked; a second SEC_CNT is refused). */
export function decodeProtected(entries: ReadonlyArray<Tlv>): ProtectedInfo {
  const info: ProtectedInfo = { dependencies: [] };
  for (const t of entries) {
    if (t.type === IMAGE_TLV_SEC_CNT) {
      checkLength(t, IMAGE_SEC_CNT_BYTES, 'SEC_CNT');
      if (info.securityCounter !== undefined) {
        throw new ImageError('IMAGE_BAD_TLV_LENGTH', `protected.decode: second SEC_CNT at ${t.offset}`, { offset: t.offset, type: t.type });
      }
      info.securityCounter = readU32LE(t.value, 0);
    } else if (t.type === IMAGE_TLV_DEPENDENCY) {
      checkLength(t, IMAGE_DEPENDENCY_BYTES, 'DEPENDENCY');
      info.dependencies.push(decodeDependency(t.value));
    }
  }
  return info;
}

/** DEPENDENCY value: u8 image_id, 3 pad bytes, u8 major, u8 minor, u16 revision, u32 build. */
export function decodeDependency(v: Uint8Array): ImageDependency {
  return {
    imageId: v[0]!,
    version: { major: v[4]!, minor: v[5]!, revision: readU16LE(v, 6), build: readU32LE(v, 8) },
  };
}

export function encodeDependency(d: ImageDependency): Uint8Array {
  checkVersion(d.version, 'dependency.encode');
  if (!Number.isInteger(d.imageId) || d.imageId < 0 || d.imageId > IMAGE_ID_MAX) {
    throw new ImageError('IMAGE_BAD_OPTIONS', `dependency.encode: image id ${d.imageId} is outside 0..${IMAGE_ID_MAX}`);
  }
  const v = new Uint8Array(IMAGE_DEPENDENCY_BYTES);
  v[0] = d.imageId;
  v[4] = d.version.major;
  v[5] = d.version.minor;
  writeU16LE(v, 6, d.version.revision);
  writeU32LE(v, 8, d.version.build);
  return v;
}

export function encodeSecurityCounter(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > IMAGE_U32_MAX) {
    throw new ImageError('IMAGE_BAD_OPTIONS', `security-counter.encode: ${n} is outside 0..${IMAGE_U32_MAX}`);
  }
  const v = new Uint8Array(IMAGE_SEC_CNT_BYTES);
  writeU32LE(v, 0, n);
  return v;
}

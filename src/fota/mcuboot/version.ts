/**
 * MCUboot image version (struct image_version: u8 major, u8 minor, u16 revision, u32 build) and its
 * text form `maj[.min[.rev[+build]]]` as imgtool parses it. Spec: mcuboot.md "Header".
 */
import {
  IMAGE_VERSION_BUILD_MAX,
  IMAGE_VERSION_MAJOR_MAX,
  IMAGE_VERSION_MINOR_MAX,
  IMAGE_VERSION_REVISION_MAX,
} from './constants.ts';
import { ImageError } from './errors.ts';

export interface ImageVersion {
  major: number;
  minor: number;
  revision: number;
  build: number;
}

/** Decimal without leading zeros, as imgtool's version regex requires. */
const VERSION_RE = /^(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\+(0|[1-9]\d*))?)?)?$/;

/** Parses `1`, `1.2`, `1.2.3`, `1.2.3+4`; IMAGE_BAD_VERSION otherwise. */
export function parseVersion(text: string): ImageVersion {
  const m = VERSION_RE.exec(text.trim());
  if (!m) throw new ImageError('IMAGE_BAD_VERSION', `version.parse: '${text}' is not maj[.min[.rev[+build]]]`);
  const v: ImageVersion = {
    major: Number(m[1]),
    minor: Number(m[2] ?? 0),
    revision: Number(m[3] ?? 0),
    build: Number(m[4] ?? 0),
  };
  checkVersion(v, `version.parse: '${text}'`);
  return v;
}

/** Throws IMAGE_BAD_VERSION when a field does not fit its width. */
export function checkVersion(v: ImageVersion, op = 'version.check'): void {
  const limits: Array<[keyof ImageVersion, number]> = [
    ['major', IMAGE_VERSION_MAJOR_MAX],
    ['minor', IMAGE_VERSION_MINOR_MAX],
    ['revision', IMAGE_VERSION_REVISION_MAX],
    ['build', IMAGE_VERSION_BUILD_MAX],
  ];
  for (const [field, max] of limits) {
    const x = v[field];
    if (!Number.isSafeInteger(x) || x < 0 || x > max) {
      throw new ImageError('IMAGE_BAD_VERSION', `${op}: ${field} ${x} is outside 0..${max}`, { field });
    }
  }
}

/** `1.2.3+4` (imgtool's dumpinfo form: the build is always shown). */
export function formatVersion(v: ImageVersion): string {
  return `${v.major}.${v.minor}.${v.revision}+${v.build}`;
}

/** MCUboot's version order (major, minor, revision; build only when asked, as BOOT_VERSION_CMP_USE_BUILD_NUMBER). */
export function compareVersions(a: ImageVersion, b: ImageVersion, useBuild = false): number {
  const fields: Array<keyof ImageVersion> = useBuild ? ['major', 'minor', 'revision', 'build'] : ['major', 'minor', 'revision'];
  for (const f of fields) if (a[f] !== b[f]) return a[f] < b[f] ? -1 : 1;
  return 0;
}

/** `-s auto`: imgtool's security counter from the version, (major << 24) + (minor << 16) + revision. */
export function securityCounterFromVersion(v: ImageVersion): number {
  return v.major * 0x1000000 + v.minor * 0x10000 + v.revision;
}

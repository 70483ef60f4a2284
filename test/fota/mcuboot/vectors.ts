/** Test helper (not a test file): the imgtool reference vectors vendored in test/fixtures/imgtool. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FIXTURES_URL } from '../../fixtures/index.ts';
import * as assert from 'uvu/assert';
import { ImageError } from '../../../src/fota/mcuboot/errors.ts';

export const VECTORS_DIR = new URL('imgtool/', FIXTURES_URL);

export function vector(rel: string): Uint8Array {
  const b = readFileSync(new URL(rel, VECTORS_DIR));
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function vectorText(rel: string): string {
  return readFileSync(new URL(rel, VECTORS_DIR), 'utf8');
}

export function vectorPath(rel: string): string {
  return fileURLToPath(new URL(rel, VECTORS_DIR));
}

export const KEY_TYPES = ['ed25519', 'ecdsa-p256', 'rsa-2048'] as const;

/** Reference images and the key (if any) that signed them. */
export const REFERENCE_IMAGES: ReadonlyArray<{ name: string; key?: (typeof KEY_TYPES)[number]; padded?: boolean }> = [
  { name: 'ed25519_basic', key: 'ed25519' },
  { name: 'ed25519_pad', key: 'ed25519', padded: true },
  { name: 'ed25519_confirm', key: 'ed25519', padded: true },
  { name: 'ecdsa-p256_basic', key: 'ecdsa-p256' },
  { name: 'rsa-2048_basic', key: 'rsa-2048' },
  { name: 'unsigned_basic' },
];

/** The image digest of every reference image (no protected TLVs), from the vectors' README. */
export const REFERENCE_DIGEST_HEX = 'bcdb72f360b997e5f2312f9ab8a5c3b11fc7ff7606c4c09863574679fcb9739a';

/** The ImageError code `fn` throws (asserting it is one), or undefined when it returns. */
export function imageErrorCodeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.instance(e, ImageError);
    return (e as ImageError).code;
  }
}

/** The ImageError code `p` rejects with (asserting it is one), or undefined when it resolves. */
export async function imageErrorCodeOfAsync(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    assert.instance(e, ImageError);
    return (e as ImageError).code;
  }
}

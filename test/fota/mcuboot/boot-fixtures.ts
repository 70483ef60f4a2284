/**
 * Test helper: small signed images (the image toolkit's signer with the imgtool reference ed25519
 * key) and a validator trusting that key, for the bootloader tests.
 */
import { seededBytes } from '../../../src/hal/prng.ts';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../../fixtures/index.ts';
import { imageValidator } from '../../../src/fota/mcuboot/bootloader.ts';
import { signImage } from '../../../src/fota/mcuboot/sign.ts';
import type { FlashArea } from '../../../src/hal/flash.ts';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { createPemSigner } from '../../../src/boards/image-keys.ts';

export const signer = createPemSigner(readFileSync(fixturePath('imgtool/keys/ed25519.pem'), 'utf8'));
export const trustedKeyDer = new Uint8Array(readFileSync(fixturePath('imgtool/keys/ed25519.pub.der')));
export const validate = imageValidator({ crypto: nodeCrypto, trustedKeys: [trustedKeyDer] });

/** Deterministic payload of `bytes` bytes, different per seed. */
export function payload(bytes: number, seed: number): Uint8Array {
  return seededBytes(bytes, (seed * 2654435761) >>> 0);
}

export async function makeImage(version: string, payloadBytes: number, seed: number): Promise<Uint8Array> {
  return signImage(payload(payloadBytes, seed), { crypto: nodeCrypto, signer, headerSize: 0x200, padHeader: true, version });
}

/** Erases the slot and writes the image (padded to the write unit with the erased value). */
export async function stageImage(area: FlashArea, image: Uint8Array): Promise<void> {
  await area.erase(0, area.size);
  const padded = new Uint8Array(Math.ceil(image.length / area.writeAlignBytes) * area.writeAlignBytes).fill(area.erasedValue);
  padded.set(image);
  await area.write(0, padded);
}

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootSetPending } from '../../../src/fota/mcuboot/boot-requests.ts';
import { ctrAt } from '../../../src/fota/mcuboot/boot-encryption.ts';
import { Bootloader, imageValidator, type BootStrategyName } from '../../../src/fota/mcuboot/bootloader.ts';
import { createSignedImage } from '../../../src/fota/mcuboot/sign.ts';
import { PowerCutError } from '../../../src/hal/errors.ts';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { createPemSigner, decryptionKeyFromPem, encryptionKeyFromPem } from '../../../src/boards/image-keys.ts';
import { portableEncryption as enc } from '../../../src/hal/portable/crypto-enc.ts';
import { seededBytes } from '../../../src/hal/prng.ts';
import { flagsText, nodeDecryptImage } from './imgtool-flags.ts';
import { MemArea, memSlots } from './mem-flash.ts';
import type { FlashArea } from '../../../src/hal/flash.ts';

/** Erases the slot and writes the image padded to the write unit (the fixtures here stand alone). */
async function stageImage(area: FlashArea, image: Uint8Array): Promise<void> {
  await area.erase(0, area.size);
  const padded = new Uint8Array(Math.ceil(image.length / area.writeAlignBytes) * area.writeAlignBytes).fill(area.erasedValue);
  padded.set(image);
  await area.write(0, padded);
}

const SECTOR = 1024;
const SLOT = 16 * SECTOR;
const signer = createPemSigner(flagsText('keys/ed25519.pem'));
const validate = imageValidator({ crypto: nodeCrypto, trustedKeys: [signer.publicKeyDer] });
const deviceKey = decryptionKeyFromPem(flagsText('keys/x25519.pem'));
const encryptFor = encryptionKeyFromPem(flagsText('keys/x25519.pub.pem'));
const encryption = { crypto: enc, key: deviceKey };

interface Pair {
  /** What the application stages in the secondary. */
  staged: Uint8Array;
  /** The same image in clear (what the primary must hold after the swap). */
  plain: Uint8Array;
}

async function image(version: string, bytes: number, seed: number, encrypted: boolean): Promise<Pair> {
  const payload = seededBytes(bytes, seed);
  const base = { crypto: nodeCrypto, signer, headerSize: 0x200, padHeader: true, version };
  if (!encrypted) {
    const plain = (await createSignedImage(payload, base)).bytes;
    return { staged: plain, plain };
  }
  const s = await createSignedImage(payload, { ...base, encryption: { crypto: enc, key: encryptFor } });
  return { staged: s.bytes, plain: nodeDecryptImage(s.bytes, { pem: flagsText('keys/x25519.pem') }) };
}

let imagesP: Promise<{ old: Pair; oldEnc: Pair; neu: Pair }> | undefined;
const images = () => (imagesP ??= (async () => ({ old: await image('1.0.0', 3000, 21, false), oldEnc: await image('1.0.0', 3000, 21, true), neu: await image('2.0.0', 4500, 22, true) }))());

async function board(strategy: BootStrategyName, old: Pair, neu: Pair, key = encryption) {
  const o = { eraseBlockBytes: SECTOR, writeAlignBytes: 8, erasedValue: 0xff };
  const { primary, secondary, rail } = memSlots(SLOT, o);
  const scratch = new MemArea({ ...o, label: 'scratch_partition', size: 2 * SECTOR, rail });
  await stageImage(primary, old.plain); // as installed: in clear (with its ENCRYPTED flag and key TLV if it came encrypted)
  await stageImage(secondary, neu.staged);
  assert.is(await bootSetPending(secondary, 0, false), 0);
  rail.ops = 0;
  return { primary, secondary, rail, bl: new Bootloader({ primary, secondary, scratch, strategy, validate, encryption: key }) };
}

test('ctrAt at any offset equals the matching slice of one whole-body AES-CTR pass', () => {
  const key = seededBytes(16, 5);
  const body = seededBytes(5000, 6);
  const whole = enc.aesCtr(key, new Uint8Array(16), body);
  for (const [off, len] of [[0, 16], [1, 31], [15, 2], [1024, 1024], [4999, 1], [777, 3000]] as const) {
    assert.equal(ctrAt(enc, key, off, body.subarray(off, off + len)), whole.subarray(off, off + len), `${off}+${len}`);
  }
});

test('swap-move: an encrypted secondary is validated decrypted and swapped in clear; the revert re-encrypts it', async () => {
  const { old, neu } = await images();
  const b = await board('swap-move', old, neu);
  const up = await b.bl.boot();
  assert.is(up.version, '2.0.0+0');
  assert.is(up.swap, 'test');
  assert.equal(await b.primary.read(0, neu.plain.length), neu.plain);
  // The old (clear) image went to the secondary as it was: it has no key.
  assert.equal(await b.secondary.read(0, old.plain.length), old.plain);
  const back = await b.bl.boot();
  assert.is(back.version, '1.0.0+0');
  assert.is(back.swap, 'revert');
  assert.equal(await b.primary.read(0, old.plain.length), old.plain);
  // Back in the secondary, the new image is encrypted again with its own key: the bytes first staged.
  assert.equal(await b.secondary.read(0, neu.staged.length), neu.staged);
});

test('swap-move: an image installed from an encrypted one goes back to the secondary encrypted with its own key', async () => {
  const { oldEnc, neu } = await images();
  const b = await board('swap-move', oldEnc, neu);
  assert.is((await b.bl.boot()).version, '2.0.0+0');
  assert.equal(await b.secondary.read(0, oldEnc.staged.length), oldEnc.staged);
});

test('overwrite-only decrypts into the primary; a wrong device key rejects the secondary (IMAGE_BAD_ENC_KEY)', async () => {
  const { old, neu } = await images();
  const b = await board('overwrite-only', old, neu);
  assert.is((await b.bl.boot()).version, '2.0.0+0');
  assert.equal(await b.primary.read(0, neu.plain.length), neu.plain);
  const other = decryptionKeyFromPem(flagsText('keys/enc-ec256.pem'));
  const w = await board('swap-move', old, neu, { crypto: enc, key: other });
  const r = await w.bl.boot();
  assert.is(r.version, '1.0.0+0');
  assert.is(r.swap, 'fail');
  assert.is(r.reason, 'IMAGE_BAD_ENC_KEY');
  // Without encryption support the ciphertext does not hash.
  const plainBl = await board('swap-move', old, neu);
  const noEnc = new Bootloader({ primary: plainBl.primary, secondary: plainBl.secondary, strategy: 'swap-move', validate });
  assert.is((await noEnc.boot()).reason, 'IMAGE_BAD_HASH');
});

test('swap-scratch: decrypted through the scratch into the primary, re-encrypted into the secondary, and back on revert', async () => {
  const { oldEnc, neu } = await images();
  const b = await board('swap-scratch', oldEnc, neu);
  assert.is((await b.bl.boot()).version, '2.0.0+0');
  assert.equal(await b.primary.read(0, neu.plain.length), neu.plain);
  assert.equal(await b.secondary.read(0, oldEnc.staged.length), oldEnc.staged);
  assert.is((await b.bl.boot()).version, '1.0.0+0');
  assert.equal(await b.primary.read(0, oldEnc.plain.length), oldEnc.plain);
  assert.equal(await b.secondary.read(0, neu.staged.length), neu.staged);
});

/** Power cut at every flash operation of the install (and then of the revert): every boot after it starts a valid image. */
async function sweep(strategy: BootStrategyName, phase: 'install' | 'revert'): Promise<number> {
  const { old, neu } = await images();
  const prepare = async () => {
    const b = await board(strategy, old, neu);
    if (phase === 'revert') {
      assert.is((await b.bl.boot()).version, '2.0.0+0');
      b.rail.ops = 0;
    }
    return b;
  };
  const clean = await prepare();
  await clean.bl.boot();
  const total = clean.rail.ops;
  for (let cut = 0; cut < total; cut++) {
    const b = await prepare();
    b.rail.cutAt = cut;
    try {
      await b.bl.boot();
      assert.unreachable(`cut at ${cut} not reached`);
    } catch (e) {
      if (!(e instanceof PowerCutError)) throw e;
    }
    b.rail.powerOn();
    const r = await b.bl.boot();
    assert.ok(r.booted, `${phase} cut at ${cut}: boots (${r.reason})`);
    const want = phase === 'install' ? '2.0.0+0' : '1.0.0+0';
    if (r.version !== want) {
      // Only a cut in the last operation (copy_done half written) makes the test image count as tried.
      assert.is(cut, total - 1, `${phase} cut at ${cut}: booted ${r.version}`);
      continue;
    }
    if (phase === 'revert' || strategy !== 'overwrite-only') {
      const next = await b.bl.boot();
      assert.is(next.version, strategy === 'overwrite-only' ? '2.0.0+0' : '1.0.0+0', `${phase} cut at ${cut}: next boot`);
      if (strategy !== 'overwrite-only') assert.equal(await b.secondary.read(0, neu.staged.length), neu.staged, `${phase} cut at ${cut}: re-encrypted`);
    }
  }
  return total;
}

test('power cut at every flash operation of an encrypted install and of its revert still boots a valid image', async () => {
  const counts = [
    await sweep('swap-move', 'install'),
    await sweep('swap-move', 'revert'),
    await sweep('swap-scratch', 'install'),
    await sweep('swap-scratch', 'revert'),
    await sweep('overwrite-only', 'install'),
  ];
  for (const n of counts) assert.ok(n >= 10, `only ${n} operations`);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from '../../../src/hal/bytes.ts';
import { nodeCrypto } from '../../../src/hal/node/crypto.ts';
import { buildTestImage, SimSmpDevice } from '../../../src/boards/smp-device.ts';
import { decodeMessage, encodeMessage } from '../../../src/transport/smp/message.ts';
import type { SmpBody } from '../../../src/transport/smp/cbor.ts';
import {
  IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER,
  IMG_MGMT_ERR_HASH_NOT_FOUND,
  IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC,
  IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE,
  IMG_MGMT_ERR_INVALID_IMAGE_HEADER,
  IMG_MGMT_ERR_INVALID_LENGTH,
  IMG_MGMT_ERR_INVALID_OFFSET,
  MGMT_ERR_ECORRUPT,
  MGMT_ERR_EUNKNOWN,
  IMG_MGMT_ERR_NO_FREE_SLOT,
  IMG_MGMT_ID_ERASE,
  IMG_MGMT_ID_SLOT_INFO,
  IMG_MGMT_ID_STATE,
  IMG_MGMT_ID_UPLOAD,
  MGMT_ERR_EBADSTATE,
  MGMT_ERR_EINVAL,
  MGMT_ERR_ENOTSUP,
  MGMT_ERR_UNSUPPORTED_TOO_NEW,
  MGMT_GROUP_ID_IMAGE,
  MGMT_GROUP_ID_OS,
  MGMT_OP_READ,
  MGMT_OP_WRITE,
  OS_MGMT_ID_ECHO,
  OS_MGMT_ID_MCUMGR_PARAMS,
} from '../../../src/transport/smp/constants.ts';
import { smpVectors } from './vectors.ts';
import { areaTrailerLayout } from '../../../src/fota/mcuboot/trailer.ts';

let seq = 0;
async function call(device: SimSmpDevice, op: number, group: number, command: number, body: SmpBody, version = 1): Promise<SmpBody> {
  const req = encodeMessage({ version, op, flags: 0, group, sequence: seq++ & 0xff, command }, body);
  const res = await device.server.handle(req);
  assert.ok(res, 'a response');
  const m = decodeMessage(res!);
  assert.is(m.header.op, op + 1);
  assert.is(m.header.group, group);
  assert.is(m.header.command, command);
  return m.body;
}
const upload = (d: SimSmpDevice, body: SmpBody, version = 1) => call(d, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_UPLOAD, body, version);

/** A large buf_size so whole test images fit one request. */
async function device(bufSize = 8192) {
  const initial = await buildTestImage(nodeCrypto, 2000, '1.0.0', 3);
  return SimSmpDevice.create({ crypto: nodeCrypto, initialImage: initial, ...(bufSize ? { bufSize } : {}) });
}

test('answers the shared request vectors: echo, params, reset', async () => {
  const d = await device(384);
  const echo = await d.server.handle(fromHex(smpVectors[0]!.hex!));
  assert.equal(decodeMessage(echo!).body, { r: 'Hello world!' });
  // Zephyr's zcbor answers with an indefinite-length map (bf ... ff): one byte longer than the vector's a1 map.
  assert.is(toHex(echo!.subarray(0, 8)), '0b00001100008b00');
  assert.is(toHex(echo!.subarray(8, 9)), 'bf');
  const params = await d.server.handle(fromHex(smpVectors[2]!.hex!));
  assert.equal(decodeMessage(params!).body, { buf_size: 384, buf_count: 4 });
  const reset = await d.server.handle(fromHex(smpVectors[4]!.hex!));
  assert.is(toHex(reset!).slice(0, 4), '0b00');
  assert.is(toHex(reset!).slice(12), '8d05bfff');
});

test('unknown group and command answer ENOTSUP; bad CBOR answers EINVAL; v1 gets {rc}', async () => {
  const d = await device();
  assert.equal(await call(d, MGMT_OP_READ, 77, 0, {}), { rc: MGMT_ERR_ENOTSUP });
  assert.equal(await call(d, MGMT_OP_READ, MGMT_GROUP_ID_OS, 42, {}), { rc: MGMT_ERR_ENOTSUP });
  const bad = await d.server.handle(fromHex('0a00000200008b00a161'));
  assert.equal(decodeMessage(bad!).body, { rc: MGMT_ERR_EINVAL });
  assert.is(d.server.lastError!.code, 'SMP_BAD_CBOR');
  assert.equal(await call(d, MGMT_OP_WRITE, MGMT_GROUP_ID_OS, OS_MGMT_ID_ECHO, { d: 5 }, 0), { rc: MGMT_ERR_EINVAL });
  assert.equal(await call(d, MGMT_OP_READ, MGMT_GROUP_ID_OS, OS_MGMT_ID_MCUMGR_PARAMS, {}), { buf_size: 8192, buf_count: 4 });
});

test('a request in a protocol version above v2 is answered UNSUPPORTED_TOO_NEW, in v2', async () => {
  const d = await device();
  const res = await d.server.handle(fromHex('1200000100008b00a0')); // byte 0: version 2 (SMP v3), op write
  const m = decodeMessage(res!);
  assert.is(m.header.version, 1);
  assert.equal(m.body, { rc: MGMT_ERR_UNSUPPORTED_TOO_NEW });
});

test('as smp.c: a short header is dropped, a response op answered ENOTSUP, a datagram over buf_size ECORRUPT', async () => {
  const d = await device(384);
  assert.is(await d.server.handle(fromHex('0a00')), undefined);
  assert.is(d.server.stats.dropped, 1);
  const rsp = decodeMessage((await d.server.handle(fromHex('0b00000100008d05a0')))!);
  assert.equal([rsp.header.op, rsp.body], [MGMT_OP_WRITE + 1, { rc: MGMT_ERR_ENOTSUP }]);
  // UDP reads at most its MTU (= buf_size): the header then announces more than arrived.
  const big = encodeMessage({ version: 1, op: 2, flags: 0, group: 0, sequence: 1, command: 0 }, { d: 'x'.repeat(400) });
  assert.equal(decodeMessage((await d.server.handle(big))!).body, { rc: MGMT_ERR_ECORRUPT });
});

test('first chunk: needs len and the MCUboot magic, refuses an image larger than the slot', async () => {
  const d = await device();
  const image = await buildTestImage(nodeCrypto, 1000, '2.0.0');
  assert.equal(await upload(d, { off: 0, data: image.subarray(0, 100) }), { err: { group: 1, rc: IMG_MGMT_ERR_INVALID_LENGTH } });
  assert.equal(await upload(d, { len: 1000, data: image.subarray(0, 100) }), { err: { group: 1, rc: IMG_MGMT_ERR_INVALID_OFFSET } });
  assert.equal(await upload(d, { off: 0, len: 1000, data: new Uint8Array(100) }), { err: { group: 1, rc: IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC } });
  assert.equal(await upload(d, { off: 0, len: 1000, data: image.subarray(0, 31) }), { err: { group: 1, rc: IMG_MGMT_ERR_INVALID_IMAGE_HEADER } });
  // v1: img_mgmt_translate_error_code makes a bad magic EUNKNOWN.
  assert.equal(await upload(d, { off: 0, len: 1000, data: new Uint8Array(100) }, 0), { rc: MGMT_ERR_EUNKNOWN });
  assert.equal(await upload(d, { off: 0, len: d.secondary.size, data: image.subarray(0, 100) }), { err: { group: 1, rc: IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE } });
});

test('upgrade: true refuses an image not newer than the running one', async () => {
  const d = await device();
  const same = await buildTestImage(nodeCrypto, 500, '1.0.0');
  const newer = await buildTestImage(nodeCrypto, 500, '1.0.1');
  assert.equal(await upload(d, { off: 0, len: same.length, upgrade: true, data: same }), { err: { group: 1, rc: IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER } });
  assert.equal(await upload(d, { off: 0, len: same.length, upgrade: true, data: same }, 0), { rc: MGMT_ERR_EBADSTATE });
  // The last chunk always says whether the slot matches the `sha` (none given: false).
  assert.equal(await upload(d, { off: 0, len: newer.length, upgrade: true, data: newer }), { off: newer.length, match: false });
});

test('offset mismatch drops the data and answers the expected off; resume by sha; match at the end', async () => {
  const d = await device();
  const image = await buildTestImage(nodeCrypto, 1000, '2.0.0');
  const sha = sha256(image);
  assert.equal(await upload(d, { off: 0, len: image.length, sha, data: image.subarray(0, 301) }), { off: 301 });
  assert.equal(await upload(d, { off: 500, data: image.subarray(500, 600) }), { off: 301 });
  // A client that starts over with the same sha resumes where the device is.
  assert.equal(await upload(d, { off: 0, len: image.length, sha, data: image.subarray(0, 301) }), { off: 301 });
  assert.equal(await upload(d, { off: 301, data: image.subarray(301, 700) }), { off: 700 });
  assert.equal(await upload(d, { off: 700, data: image.subarray(700) }), { off: image.length, match: true });
  assert.equal(toHex(await d.secondary.read(0, image.length)), toHex(image));
  // Already in the slot: answered at once.
  assert.equal(await upload(d, { off: 0, len: image.length, sha, data: image.subarray(0, 64) }), { off: image.length, match: true });
});

test('a wrong sha ends with match: false', async () => {
  const d = await device();
  const image = await buildTestImage(nodeCrypto, 500, '2.0.0');
  const r = await upload(d, { off: 0, len: image.length, sha: new Uint8Array(32).fill(1), data: image });
  assert.equal(r, { off: image.length, match: false });
});

test('after a reset the upload is forgotten: a later chunk is answered off 0', async () => {
  const d = await device();
  const image = await buildTestImage(nodeCrypto, 1000, '2.0.0');
  await upload(d, { off: 0, len: image.length, data: image.subarray(0, 200) });
  await d.reset();
  assert.equal(await upload(d, { off: 200, data: image.subarray(200, 400) }), { off: 0 });
});

test('image state write: unknown hash, test, erase refused while pending, upload refused while pending', async () => {
  const d = await device();
  const image = await buildTestImage(nodeCrypto, 800, '2.1.0');
  assert.equal(await call(d, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_STATE, { hash: new Uint8Array(32), confirm: false }), { err: { group: 1, rc: IMG_MGMT_ERR_HASH_NOT_FOUND } });
  await upload(d, { off: 0, len: image.length, data: image });
  const state = await call(d, MGMT_OP_READ, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_STATE, {});
  const images = state.images as SmpBody[];
  assert.is(images.length, 2);
  assert.is(images[1]!.version, '2.1.0');
  const after = await call(d, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_STATE, { hash: images[1]!.hash, confirm: false });
  assert.equal((after.images as SmpBody[]).map((i) => [i.slot, i.pending, i.permanent]), [[0, false, false], [1, true, false]]);
  assert.equal(await call(d, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_ERASE, {}), { err: { group: 1, rc: IMG_MGMT_ERR_NO_FREE_SLOT } });
  assert.equal(await call(d, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_ERASE, {}, 0), { rc: MGMT_ERR_EBADSTATE });
  assert.equal(await upload(d, { off: 0, len: image.length, data: image }), { err: { group: 1, rc: IMG_MGMT_ERR_NO_FREE_SLOT } });
});

test('erase clears the secondary slot; slot info reports sizes', async () => {
  const d = await device();
  const image = await buildTestImage(nodeCrypto, 800, '2.1.0');
  await upload(d, { off: 0, len: image.length, data: image });
  assert.equal(await call(d, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_ERASE, {}), {});
  assert.equal(await call(d, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_ERASE, {}, 0), {});
  const state = await call(d, MGMT_OP_READ, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_STATE, {});
  assert.is((state.images as SmpBody[]).length, 1);
  const info = await call(d, MGMT_OP_READ, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_SLOT_INFO, {});
  const slots = ((info.images as SmpBody[])[0]!.slots as SmpBody[]).map((s) => s.size);
  assert.equal(slots, [d.primary.size, d.secondary.size]);
  // swap-move keeps a sector free: the bootloader's limit, not the slot size, is what the device takes.
  assert.is((info.images as SmpBody[])[0]!.max_image_size, d.bootloader.maxImageBytes());
  assert.ok(d.bootloader.maxImageBytes() < d.secondary.size - 4096);
  const next = await buildTestImage(nodeCrypto, 800, '2.2.0');
  assert.equal(await upload(d, { off: 0, len: d.bootloader.maxImageBytes() + 1, data: next.subarray(0, 100) }), { err: { group: 1, rc: IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE } });
});

test('test of an image whose trailer magic is corrupt: MCUboot boot_set_next erases the slot, answered INVALID_IMAGE_HEADER_MAGIC', async () => {
  const d = await device();
  const image = await buildTestImage(nodeCrypto, 800, '2.1.0');
  await upload(d, { off: 0, len: image.length, data: image });
  const hash = ((await call(d, MGMT_OP_READ, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_STATE, {})).images as SmpBody[])[1]!.hash;
  // A magic half written (a power cut while the slot was being marked): neither good nor erased.
  const layout = areaTrailerLayout(d.secondary);
  await d.secondary.write(layout.magicBlockOff + layout.magicBlockBytes - 16, new Uint8Array(16).fill(0x5a));
  assert.equal(await call(d, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_STATE, { hash, confirm: false }), { err: { group: 1, rc: 23 } });
  assert.is((await d.secondary.read(0, 32)).every((b) => b === 0xff), true, 'the slot was erased');
  // So the next upload starts afresh instead of finding the image "already there".
  assert.equal(await upload(d, { off: 0, len: image.length, sha: sha256(image), data: image }), { off: image.length, match: true });
  assert.equal(((await call(d, MGMT_OP_WRITE, MGMT_GROUP_ID_IMAGE, IMG_MGMT_ID_STATE, { hash, confirm: false })).images as SmpBody[])[1]!.pending, true);
});

test.run();

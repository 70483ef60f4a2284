/**
 * The emulated MCUboot board (`fotakit emulate --board nrf52833`) answers as Zephyr's smp_svr does.
 * The client here is not fotakit's: requests are raw frames from Zephyr's test suite and from
 * mcumgr-web (test/fixtures/smp-zephyr/), CBOR is cbor-x used directly, and the serial framing is
 * written in this file from Zephyr's smp-console.md with Node's base64. One test per deviation of
 * issue 14, named after it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { Encoder } from 'cbor-x';
import { sha256 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { buildTestImage, SimSmpDevice } from '../../src/boards/smp-device.ts';
import { startMcubootBoardServer, type McubootBoardServer } from '../../src/boards/mcuboot-board-emulator.ts';
import { createMemoryPortPair } from '../../src/hal/portable/memory-port.ts';
import type { BytePort } from '../../src/hal/port.ts';
import { createBleLinkPair } from '../../src/transport/smp/sim-links.ts';
import { VirtualClock } from '../../src/hal/sim/clock.ts';
import { serveSmpUdp } from '../../src/boards/smp-udp.ts';
import { SmpClient } from '../../src/transport/smp/client.ts';
import { SerialSmpTransport } from '../../src/transport/smp/transport.ts';
import { uploadImage } from '../../src/transport/smp/upload.ts';

interface Frame {
  name: string;
  source: string;
  request_hex: string;
  response_hex: string | null;
  compare: 'bytes' | 'state';
}
const FRAMES = (JSON.parse(readFileSync(new URL('../fixtures/smp-zephyr/frames.json', import.meta.url), 'utf8')) as { frames: Frame[] }).frames;
const frameNamed = (prefix: string): Frame => FRAMES.find((f) => f.name.startsWith(prefix))!;

// ---- a client from other shapes: CBOR by cbor-x as configured here, framing from smp-console.md ----

const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, variableMapSize: true });
type Body = Record<string, unknown>;

const OP_READ = 0;
const OP_WRITE = 2;
const GROUP_OS = 0;
const GROUP_IMAGE = 1;
const GROUP_STAT = 2;

let seq = 0;
function request(version: number, op: number, group: number, id: number, body?: Body): Buffer {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(cbor.encode(body));
  const h = Buffer.alloc(8);
  h[0] = (version << 3) | op;
  h.writeUInt16BE(payload.length, 2);
  h.writeUInt16BE(group, 4);
  h[6] = seq++ & 0xff;
  h[7] = id;
  return Buffer.concat([h, payload]);
}

function crc16xmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** smp-console.md: u16 length (body + CRC), body, CRC16 big-endian, base64 in lines of at most 127 bytes. */
function consoleFrames(msg: Uint8Array): Buffer {
  const raw = Buffer.alloc(msg.length + 4);
  raw.writeUInt16BE(msg.length + 2, 0);
  raw.set(msg, 2);
  raw.writeUInt16BE(crc16xmodem(msg), msg.length + 2);
  const lines: Buffer[] = [];
  for (let off = 0; off < raw.length; off += 93) {
    const marker = off === 0 ? Buffer.from([0x06, 0x09]) : Buffer.from([0x04, 0x14]);
    lines.push(Buffer.concat([marker, Buffer.from(raw.subarray(off, off + 93).toString('base64')), Buffer.from('\n')]));
  }
  return Buffer.concat(lines);
}

/** Reads console frames off a port and hands out whole messages (CRC checked). */
class ConsoleReader {
  private text = Buffer.alloc(0);
  private packet: Buffer | undefined;
  readonly messages: Buffer[] = [];
  private waiters: Array<() => void> = [];

  constructor(port: BytePort) {
    port.onData((b) => this.push(Buffer.from(b)));
  }

  private push(b: Buffer): void {
    this.text = Buffer.concat([this.text, b]);
    let nl: number;
    while ((nl = this.text.indexOf(0x0a)) >= 0) {
      const line = this.text.subarray(0, nl);
      this.text = this.text.subarray(nl + 1);
      const start = line[0] === 0x06 && line[1] === 0x09;
      if (!start && !(line[0] === 0x04 && line[1] === 0x14)) continue;
      const data = Buffer.from(line.subarray(2).toString(), 'base64');
      this.packet = start ? data : Buffer.concat([this.packet ?? Buffer.alloc(0), data]);
      const want = this.packet.readUInt16BE(0);
      if (this.packet.length - 2 >= want) {
        const body = this.packet.subarray(2, 2 + want);
        assert.is(crc16xmodem(body), 0, 'board frame CRC');
        this.messages.push(Buffer.from(body.subarray(0, body.length - 2)));
        this.packet = undefined;
        for (const w of this.waiters.splice(0)) w();
      }
    }
  }

  async next(): Promise<Buffer> {
    while (this.messages.length === 0) await new Promise<void>((r) => this.waiters.push(r));
    return this.messages.shift()!;
  }
}

interface Rsp {
  version: number;
  op: number;
  group: number;
  seq: number;
  id: number;
  body: Body;
  bytes: Buffer;
}
function parse(m: Uint8Array): Rsp {
  const b = Buffer.from(m);
  assert.is(b.length, 8 + b.readUInt16BE(2), 'length field');
  return { version: (b[0]! >> 3) & 3, op: b[0]! & 7, group: b.readUInt16BE(4), seq: b[6]!, id: b[7]!, body: cbor.decode(b.subarray(8)) as Body, bytes: b };
}

/** The emulated board on one end of an in-memory serial line, the raw client on the other. */
async function board(options: { legacyRc?: boolean; images?: 1 | 2 } = {}): Promise<{ send: (m: Uint8Array) => Promise<void>; rawWrite: (b: Uint8Array) => Promise<void>; ask: (m: Uint8Array) => Promise<Rsp>; reader: ConsoleReader; emu: McubootBoardServer; close: () => Promise<void> }> {
  const { a, b } = createMemoryPortPair();
  const emu = await startMcubootBoardServer(b, 'nrf52833', options);
  const reader = new ConsoleReader(a);
  const send = (m: Uint8Array) => a.write(consoleFrames(m));
  return {
    send,
    rawWrite: (bytes) => a.write(bytes),
    ask: async (m) => {
      await send(m);
      return parse(await reader.next());
    },
    reader,
    emu,
    close: async () => {
      await emu.close();
      await a.close();
    },
  };
}

type Ask = (m: Uint8Array) => Promise<Rsp>;

/** Writes already-framed bytes on the client's end of the line. */
async function sendRaw(d: { rawWrite: (b: Uint8Array) => Promise<void> }, bytes: Uint8Array): Promise<void> {
  await d.rawWrite(bytes);
}

/** Uploads `image` with raw requests in chunks of `chunk` bytes; returns the last answer. */
async function rawUpload(ask: Ask, image: Uint8Array, o: { version?: number; chunk?: number; image?: number } = {}): Promise<Body> {
  const chunk = o.chunk ?? 256;
  let off = 0;
  let last: Body = {};
  while (off < image.length) {
    const body: Body = { off, data: image.subarray(off, off + chunk) };
    if (off === 0) Object.assign(body, { len: image.length, sha: sha256(image), ...(o.image !== undefined ? { image: o.image } : {}) });
    last = (await ask(request(o.version ?? 1, OP_WRITE, GROUP_IMAGE, 1, body))).body;
    if (typeof last.off !== 'number') return last;
    off = last.off;
  }
  return last;
}

const state = async (ask: Ask, version = 1) => (await ask(request(version, OP_READ, GROUP_IMAGE, 0, {}))).body.images as Body[];
const flags = (images: Body[]) => images.map((i) => [i.slot, i.version, i.active, i.confirmed, i.pending, i.permanent]);

// ---- Zephyr's own frames ----

test("Zephyr's test-suite frames are answered with Zephyr's bytes (echo, info, SMP v1/v2/v3)", async () => {
  const d = await board();
  try {
    for (const f of FRAMES.filter((x) => x.compare === 'bytes' && x.source.startsWith('zephyrproject-rtos'))) {
      const r = await d.ask(Buffer.from(f.request_hex, 'hex'));
      assert.is(r.bytes.toString('hex'), f.response_hex, f.name);
    }
  } finally {
    await d.close();
  }
});

// ---- issue 14 deviations, one test each ----

test('empty body: image state read and reset with no CBOR are answered, not EINVAL (mcumgr-web frames)', async () => {
  const d = await board();
  try {
    const list = await d.ask(Buffer.from(frameNamed('image state read, v1, empty body').request_hex, 'hex'));
    assert.equal([list.version, list.op, list.group, list.id], [0, 1, GROUP_IMAGE, 0]);
    // smp_svr is single-image: no `image` key, the running slot confirmed and active.
    assert.equal(list.body, {
      images: [{ slot: 0, version: '1.0.0', hash: (list.body.images as Body[])[0]!.hash, bootable: true, pending: false, confirmed: true, active: true, permanent: false }],
      splitStatus: 0,
    });
    // A command that reads fields still needs a map: echo with no body is EINVAL (zcbor_map_decode_bulk).
    assert.equal((await d.ask(request(0, OP_WRITE, GROUP_OS, 0))).body, { rc: 3 });
    const reset = frameNamed('os reset, v1 write, empty body');
    assert.is((await d.ask(Buffer.from(reset.request_hex, 'hex'))).bytes.toString('hex'), reset.response_hex);
    await d.emu.device.server.idle();
    assert.is(d.emu.device.boots.length, 2, 'the board reset after answering');
  } finally {
    await d.close();
  }
});

test('re-upload of the image already pending is refused NO_FREE_SLOT: the free slot is checked before "already there"', async () => {
  const d = await board();
  try {
    const image = await buildTestImage(nodeCrypto, 3000, '2.0.0', 7);
    assert.equal(await rawUpload(d.ask, image), { off: image.length, match: true });
    // Not yet pending: the same sha is answered complete at once (IMG_ENABLE_IMAGE_CHECK).
    assert.equal(await rawUpload(d.ask, image), { off: image.length, match: true });
    const images = await state(d.ask);
    await d.ask(request(1, OP_WRITE, GROUP_IMAGE, 0, { hash: images[1]!.hash, confirm: false }));
    assert.equal(await rawUpload(d.ask, image), { err: { group: 1, rc: 9 } });
    assert.equal(await rawUpload(d.ask, image, { version: 0 }), { rc: 6 });
  } finally {
    await d.close();
  }
});

test("v1 rc values follow current Zephyr's img_mgmt_translate_error_code: garbage image 1, too large 1, no free slot 6", async () => {
  const image = await buildTestImage(nodeCrypto, 3000, '2.0.0', 8);
  const garbage = { off: 0, len: 1000, data: new Uint8Array(64).fill(0x55) };
  const tooLarge = { off: 0, len: 1 << 20, data: image.subarray(0, 64) };
  for (const [legacyRc, expected] of [
    [false, [1, 1, 6]],
    [true, [3, 3, 2]],
  ] as const) {
    const d = await board({ legacyRc });
    try {
      const got: unknown[] = [];
      got.push((await d.ask(request(0, OP_WRITE, GROUP_IMAGE, 1, garbage))).body.rc);
      got.push((await d.ask(request(0, OP_WRITE, GROUP_IMAGE, 1, tooLarge))).body.rc);
      await rawUpload(d.ask, image);
      const images = await state(d.ask);
      await d.ask(request(1, OP_WRITE, GROUP_IMAGE, 0, { hash: images[1]!.hash, confirm: false }));
      got.push((await d.ask(request(0, OP_WRITE, GROUP_IMAGE, 1, { off: 0, len: image.length, data: image.subarray(0, 64) }))).body.rc);
      assert.equal(got, expected, legacyRc ? 'legacyRc: Zephyr 3.1 and earlier' : 'current Zephyr');
      // legacyRc also puts rc: 0 in successful v1 answers with nothing else (CONFIG_MCUMGR_SMP_LEGACY_RC_BEHAVIOUR), not in params.
      assert.equal((await d.ask(request(0, OP_WRITE, GROUP_IMAGE, 0, { hash: images[1]!.hash, confirm: false }))).body.images !== undefined, true);
      assert.equal((await d.ask(request(0, OP_READ, GROUP_OS, 6, {}))).body, { buf_size: 384, buf_count: 4 });
      assert.equal((await d.ask(request(0, OP_WRITE, GROUP_OS, 0, { d: 'x' }))).body, { r: 'x' });
      assert.equal((await d.ask(request(0, OP_READ, GROUP_STAT, 1, {}))).body, legacyRc ? { rc: 0, stat_list: ['smp_svr_stats'] } : { stat_list: ['smp_svr_stats'] });
    } finally {
      await d.close();
    }
  }
});

test('oversize messages and requests beyond buf_count: serial and BLE drop them, UDP answers ECORRUPT, no free answer buffer is ENOMEM', async () => {
  // Serial (smp_uart.c / serial_util.c): a message over buf_size - 4 does not fit the net_buf: dropped.
  const d = await board();
  try {
    await d.send(request(1, OP_WRITE, GROUP_OS, 0, { d: 'x'.repeat(400) }));
    const echo = await d.ask(request(1, OP_WRITE, GROUP_OS, 0, { d: 'ok' }));
    assert.equal(echo.body, { r: 'ok' });
    assert.is(d.reader.messages.length, 0, 'no answer to the oversize one');
    // Five requests at once, buf_count 4: four take the buffers, the fifth is lost; the first finds no
    // buffer for its answer (smp_alloc_rsp) and is answered ENOMEM.
    const burst = [0, 1, 2, 3, 4].map(() => consoleFrames(request(1, OP_READ, GROUP_OS, 6, {})));
    await d.emu.device.server.idle();
    await sendRaw(d, Buffer.concat(burst));
    const answers = [await d.reader.next(), await d.reader.next(), await d.reader.next(), await d.reader.next()].map(parse);
    assert.equal(answers.map((a) => a.body), [{ rc: 2 }, { buf_size: 384, buf_count: 4 }, { buf_size: 384, buf_count: 4 }, { buf_size: 384, buf_count: 4 }]);
    assert.equal((await d.ask(request(1, OP_WRITE, GROUP_OS, 0, { d: 'after' }))).body, { r: 'after' });
    assert.is(d.reader.messages.length, 0, 'the fifth was never answered');
    // Several requests in one packet are answered in turn (smp_process_request_packet).
    await d.send(Buffer.concat([request(1, OP_WRITE, GROUP_OS, 0, { d: 'one' }), request(1, OP_WRITE, GROUP_OS, 0, { d: 'two' })]));
    assert.equal([(parse(await d.reader.next())).body, (parse(await d.reader.next())).body], [{ r: 'one' }, { r: 'two' }]);
  } finally {
    await d.close();
  }

  // BLE (smp_bt.c + smp_reassembly.c): a header announcing more than buf_size is refused (-ENOSR): dropped.
  const clock = new VirtualClock();
  const ble = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: await buildTestImage(nodeCrypto, 1000) });
  const [central, peripheral] = createBleLinkPair({ clock, mtu: 498, connectionIntervalMs: 7.5, packetsPerInterval: 4 });
  ble.server.attachBle(peripheral);
  const got: Rsp[] = [];
  let assembling = Buffer.alloc(0);
  central.onData((p) => {
    assembling = Buffer.concat([assembling, Buffer.from(p)]);
    if (assembling.length >= 8 && assembling.length >= 8 + assembling.readUInt16BE(2)) {
      got.push(parse(assembling));
      assembling = Buffer.alloc(0);
    }
  });
  const big = request(1, OP_WRITE, GROUP_OS, 0, { d: 'y'.repeat(450) });
  await central.write(big.subarray(0, 495));
  await central.write(request(1, OP_WRITE, GROUP_OS, 0, { d: 'ble' }));
  while (got.length === 0) await clock.sleep(10);
  assert.equal(got.map((r) => r.body), [{ r: 'ble' }]);

  // UDP (smp_udp.c): the datagram is read into an MTU-sized buffer, cut, and its header announces more
  // than arrived: answered ECORRUPT.
  const udpDevice = await SimSmpDevice.create({ crypto: nodeCrypto, initialImage: await buildTestImage(nodeCrypto, 1000) });
  const srv = await serveSmpUdp(udpDevice.server, '127.0.0.1', 0);
  const sock = createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((r) => sock.once('message', (m) => r(m)));
    sock.send(request(1, OP_WRITE, GROUP_OS, 0, { d: 'z'.repeat(500) }), srv.port, '127.0.0.1');
    assert.equal(parse(await reply).body, { rc: 9 });
  } finally {
    sock.close();
    await srv.close();
  }
});

test("image list in every state matches Zephyr's img_mgmt_state_read (next boot slot and type)", async () => {
  const d = await board();
  try {
    const next = await buildTestImage(nodeCrypto, 3000, '2.0.0', 9);
    const fresh = await state(d.ask);
    assert.equal(flags(fresh), [[0, '1.0.0', true, true, false, false]]);
    await rawUpload(d.ask, next);
    assert.equal(flags(await state(d.ask)), [
      [0, '1.0.0', true, true, false, false],
      [1, '2.0.0', false, false, false, false],
    ]);
    const hash = (await state(d.ask))[1]!.hash as Uint8Array;
    // Test of the running slot: SETTING_TEST_TO_ACTIVE_DENIED.
    assert.equal((await d.ask(request(1, OP_WRITE, GROUP_IMAGE, 0, { hash: fresh[0]!.hash, confirm: false }))).body, { err: { group: 1, rc: 33 } });
    const tested = (await d.ask(request(1, OP_WRITE, GROUP_IMAGE, 0, { hash, confirm: false }))).body.images as Body[];
    assert.equal(flags(tested), [
      [0, '1.0.0', true, true, false, false],
      [1, '2.0.0', false, false, true, false],
    ]);
    // Asking again for the same test is a no-op; asking to make it permanent now is ALREADY_PENDING.
    assert.equal(flags((await d.ask(request(1, OP_WRITE, GROUP_IMAGE, 0, { hash, confirm: false }))).body.images as Body[]), flags(tested));
    assert.equal((await d.ask(request(1, OP_WRITE, GROUP_IMAGE, 0, { hash, confirm: true }))).body, { err: { group: 1, rc: 28 } });
    // Reset: MCUboot swaps; the new image runs unconfirmed, the old one is what a reset reverts to.
    await d.ask(request(1, OP_WRITE, GROUP_OS, 5, {}));
    await d.emu.device.server.idle();
    assert.equal(flags(await state(d.ask)), [
      [0, '2.0.0', true, false, false, false],
      [1, '1.0.0', false, true, false, false],
    ]);
    // The slot to revert to is in use: erase refused.
    assert.equal((await d.ask(request(1, OP_WRITE, GROUP_IMAGE, 5, {}))).body, { err: { group: 1, rc: 9 } });
    const confirmed = (await d.ask(request(1, OP_WRITE, GROUP_IMAGE, 0, { confirm: true }))).body.images as Body[];
    assert.equal(flags(confirmed), [
      [0, '2.0.0', true, true, false, false],
      [1, '1.0.0', false, false, false, false],
    ]);
    // Permanent request of the old image: pending and permanent.
    const perm = (await d.ask(request(1, OP_WRITE, GROUP_IMAGE, 0, { hash: confirmed[1]!.hash, confirm: true }))).body.images as Body[];
    assert.equal(flags(perm), [
      [0, '2.0.0', true, true, false, false],
      [1, '1.0.0', false, false, true, true],
    ]);
  } finally {
    await d.close();
  }
});

test("smp_svr's other groups: os taskstat, mpstat, datetime, info, bootloader info; stat list and show", async () => {
  const d = await board();
  try {
    const ts = (await d.ask(request(1, OP_READ, GROUP_OS, 2, {}))).body.tasks as Record<string, Body>;
    assert.ok(ts.main && ts.idle && typeof ts.main.stksiz === 'number');
    const mp = (await d.ask(request(1, OP_READ, GROUP_OS, 3, {}))).body.tasks as Record<string, Body>;
    assert.equal(Object.keys(mp), ['0', '1']);
    assert.is(mp['0']!.blksiz, 1);
    assert.equal((await d.ask(request(1, OP_READ, GROUP_OS, 4, {}))).body, { err: { group: 0, rc: 4 } }, 'RTC not set');
    assert.equal((await d.ask(request(0, OP_READ, GROUP_OS, 4, {}))).body, { rc: 5 }, 'v1: ENOENT');
    assert.equal((await d.ask(request(1, OP_WRITE, GROUP_OS, 4, { datetime: '2026-13-04T10:00:00' }))).body, { rc: 3 });
    assert.equal((await d.ask(request(1, OP_WRITE, GROUP_OS, 4, { datetime: '2026-12-04T10:11:12' }))).body, {});
    assert.match(String((await d.ask(request(1, OP_READ, GROUP_OS, 4, {}))).body.datetime), /^2026-12-04T10:11:1\d$/);
    assert.equal((await d.ask(request(1, OP_READ, GROUP_OS, 7, { format: 'sm' }))).body, { output: 'Zephyr arm' });
    assert.equal((await d.ask(request(1, OP_READ, GROUP_OS, 8, {}))).body, { bootloader: 'MCUboot' });
    assert.equal((await d.ask(request(1, OP_READ, GROUP_OS, 8, { query: 'mode' }))).body, { mode: 3 });
    assert.equal((await d.ask(request(1, OP_READ, GROUP_OS, 8, { query: 'what' }))).body, { err: { group: 0, rc: 3 } });
    assert.equal((await d.ask(request(1, OP_READ, GROUP_STAT, 1, {}))).body, { stat_list: ['smp_svr_stats'] });
    assert.equal(Object.keys((await d.ask(request(1, OP_READ, GROUP_STAT, 0, { name: 'smp_svr_stats' }))).body.fields as Body), ['ticks']);
    assert.equal((await d.ask(request(1, OP_READ, GROUP_STAT, 0, { name: 'nope' }))).body, { err: { group: 63, rc: 3 } });
    assert.equal((await d.ask(request(1, OP_READ, GROUP_IMAGE, 6, {}))).body.images instanceof Array, true);
  } finally {
    await d.close();
  }
});

test('image number 1 (multi-image): the board lists `image`, uploads to slot 3, swaps image 1 on reset; fotakit uploads with image: 1', async () => {
  const d = await board({ images: 2 });
  try {
    const listed = await state(d.ask);
    assert.equal(listed.map((i) => [i.image, i.slot, i.active, i.confirmed]), [
      [0, 0, true, true],
      [1, 0, true, true],
    ]);
    assert.equal(((await d.ask(request(1, OP_READ, GROUP_IMAGE, 6, {}))).body.images as Body[]).map((i) => i.image), [0, 1]);
    // Raw upload to image 1, then fotakit's own client for the rest.
    const small = await buildTestImage(nodeCrypto, 2000, '3.0.0', 11);
    assert.equal(await rawUpload(d.ask, small, { image: 1 }), { off: small.length, match: true });
    assert.equal((await state(d.ask)).map((i) => [i.image, i.slot, i.version]), [
      [0, 0, '1.0.0'],
      [1, 0, '1.0.0'],
      [1, 1, '3.0.0'],
    ]);
    // Image 2 does not exist: no free slot for it.
    assert.equal((await d.ask(request(1, OP_WRITE, GROUP_IMAGE, 1, { image: 2, off: 0, len: small.length, data: small.subarray(0, 64) }))).body, { err: { group: 1, rc: 9 } });
  } finally {
    await d.close();
  }
  const { a, b } = createMemoryPortPair();
  const emu = await startMcubootBoardServer(b, 'nrf52833', { images: 2 });
  const client = new SmpClient(new SerialSmpTransport(a), { clock: new VirtualClock() });
  try {
    const next = await buildTestImage(nodeCrypto, 4000, '3.1.0', 12);
    const up = await uploadImage(client, next, { image: 1 });
    assert.is(up.match, true);
    const staged = (await client.imageState()).find((i) => i.image === 1 && i.slot === 1)!;
    assert.is(staged.version, '3.1.0');
    // Confirming image 1's running slot is denied (not the active image); a permanent request of its secondary is allowed.
    const perm = await client.imageConfirm(staged.hash!);
    assert.equal(perm.filter((i) => i.image === 1).map((i) => [i.slot, i.pending, i.permanent]), [
      [0, false, false],
      [1, true, true],
    ]);
    await client.reset();
    await emu.device.server.idle();
    const after = await client.imageState();
    assert.equal(after.map((i) => [i.image, i.slot, i.version, i.confirmed]), [
      [0, 0, '1.0.0', true],
      [1, 0, '3.1.0', true],
      [1, 1, '1.0.0', false],
    ]);
    assert.is(emu.device.imageOne!.boots.at(-1)!.swap, 'perm');
  } finally {
    await client.close();
    await emu.close();
  }
});

test.run();

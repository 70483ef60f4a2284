/**
 * SMP upload benchmark on the simulated nRF52833 (strict flash with nRF52 write/erase times, the SMP
 * server, MCUboot model), on a virtual clock so minutes of link time run in milliseconds:
 * - serial: payload bytes / bytes on the wire against the framing's own maximum (a full 127-byte frame
 *   carries 93 raw bytes: 93/127), at buf_size 384 and 2048, 115200 baud;
 *   prints `smp-serial: <ratio> of framing limit`;
 * - BLE: MTU 247 and 498, connection interval 7.5 / 15 / 30 ms, 4 packets per interval, buf_size 384 /
 *   buf_count 4 (Zephyr's defaults): one chunk in flight vs pipelined (buf_count - 1), timed after
 *   the first chunk (the slot erase, 85 ms per page, is the same for both);
 *   prints `smp-ble: pipelined <y>x window-1, <kB/s>`;
 * - emulated: fotakit's client against the board emulator `fotakit emulate --board nrf52833` runs (its
 *   UART throttled to 115200 baud both ways, nRF52833 flash timing), on a virtual clock over an
 *   in-memory line instead of the pty), into a slot still holding an older image (so the first chunk
 *   waits for the erase, as on a board updated before); prints
 *   `smp-emulated: fotakit <X> B/s at 115200 baud (<Y> of line limit)`, the line limit being 115200 / 10
 *   raw bytes per second; the blank-slot figure is printed on the line before.
 */
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { VirtualClock } from '../../src/hal/sim/clock.ts';
import { buildTestImage, SimSmpDevice } from '../../src/boards/smp-device.ts';
import { SmpClient } from '../../src/transport/smp/client.ts';
import { createBleLinkPair, createUartPair } from '../../src/transport/smp/sim-links.ts';
import { BleSmpTransport, SerialSmpTransport } from '../../src/transport/smp/transport.ts';
import { uploadImage, uploadMessageBytes, type UploadResult } from '../../src/transport/smp/upload.ts';
import { serialWireBytes } from '../../src/transport/smp/serial-framing.ts';
import { SMP_SERIAL_LINE_MAX_BYTES, SMP_SERIAL_LINE_MAX_RAW_BYTES } from '../../src/transport/smp/constants.ts';
import type { BenchFigure } from './summary.ts';
import { createMemoryPortPair } from '../../src/hal/portable/memory-port.ts';
import { startMcubootBoardServer } from '../../src/boards/mcuboot-board-emulator.ts';
import { UART_8N1_BITS_PER_BYTE } from '../../src/transport/at/throttled-port.ts';

const SERIAL_IMAGE_PAYLOAD_BYTES = 64 * 1024;
const BLE_IMAGE_PAYLOAD_BYTES = 96 * 1024;
const SERIAL_BAUD = 115200;
const SERIAL_BUF_SIZES = [384, 2048];
const BLE_MTUS = [247, 498];
const BLE_INTERVALS_MS = [7.5, 15, 30];
const BLE_PACKETS_PER_INTERVAL = 4;
const GOAL_SERIAL_RATIO = 0.95;
const GOAL_BLE_SPEEDUP = 3;
/** The framing's best case: raw bytes per wire byte of a full frame. */
const FRAMING_LIMIT = SMP_SERIAL_LINE_MAX_RAW_BYTES / SMP_SERIAL_LINE_MAX_BYTES;

async function device(clock: VirtualClock, bufSize?: number, bufCount?: number): Promise<SimSmpDevice> {
  const initialImage = await buildTestImage(nodeCrypto, 4096, '1.0.0', 1);
  return SimSmpDevice.create({ crypto: nodeCrypto, initialImage, flashTiming: { clock }, ...(bufSize ? { bufSize } : {}), ...(bufCount ? { bufCount } : {}) });
}

async function serialRun(image: Uint8Array, bufSize: number): Promise<{ ratio: number; efficiency: number; kBps: number; r: UploadResult }> {
  const clock = new VirtualClock();
  const dev = await device(clock, bufSize);
  const [host, board] = createUartPair({ clock, baud: SERIAL_BAUD });
  dev.server.attachSerial(board);
  const client = new SmpClient(new SerialSmpTransport(host), { clock });
  const r = await uploadImage(client, image);
  if (r.match !== true) throw new Error(`smp bench: serial upload at buf_size ${bufSize} did not match`);
  await client.close();
  const efficiency = image.length / host.bytesSent;
  return { ratio: efficiency / FRAMING_LIMIT, efficiency, kBps: image.length / r.elapsedMs, r };
}

/**
 * The best payload/wire any chunk size up to the buffer reaches at this buf_size (steady-state chunks
 * at a 5-byte `off`): what SMP's own per-message overhead (length, CRC, header, CBOR) leaves.
 */
function serialOptimum(bufSize: number): number {
  const max = bufSize - 4;
  let best = 0;
  for (let n = 1; uploadMessageBytes({ off: 0x10000 }, n) <= max; n++) {
    best = Math.max(best, n / serialWireBytes(uploadMessageBytes({ off: 0x10000 }, n)));
  }
  return best;
}

async function bleRun(image: Uint8Array, mtu: number, intervalMs: number, window: number, o: { classic?: boolean; bufCount?: number } = {}): Promise<{ ms: number; r: UploadResult }> {
  const clock = new VirtualClock();
  const dev = await device(clock, undefined, o.bufCount);
  const [central, peripheral] = createBleLinkPair({ clock, mtu, connectionIntervalMs: intervalMs, packetsPerInterval: BLE_PACKETS_PER_INTERVAL });
  dev.server.attachBle(peripheral);
  const client = new SmpClient(new BleSmpTransport(central, { peerReassembles: o.classic !== true }), { clock });
  const r = await uploadImage(client, image, { window });
  if (r.match !== true) throw new Error(`smp bench: BLE upload (MTU ${mtu}, ${intervalMs} ms, window ${window}) did not match`);
  await client.close();
  return { ms: r.elapsedMs - r.firstChunkMs, r };
}

const EMULATED_IMAGE_PAYLOAD_BYTES = 64 * 1024;
const MS_PER_S = 1000;

/** fotakit's client uploading to the emulated nRF52833 at 115200 baud with the board's flash timing. */
async function emulatedRun(image: Uint8Array, previous?: Uint8Array): Promise<{ bps: number; afterEraseBps: number; lineBps: number; r: UploadResult }> {
  const clock = new VirtualClock();
  const { a: host, b: board } = createMemoryPortPair();
  const server = await startMcubootBoardServer(board, 'nrf52833', { baud: SERIAL_BAUD, clock });
  const client = new SmpClient(new SerialSmpTransport(host), { clock });
  // A slot still holding an earlier upload must be erased first (img_mgmt skips the erase on a blank slot).
  if (previous) await uploadImage(client, previous);
  const r = await uploadImage(client, image);
  if (r.match !== true) throw new Error('smp bench: upload to the emulated board did not match');
  await client.close();
  await server.close();
  const lineBps = SERIAL_BAUD / UART_8N1_BITS_PER_BYTE;
  return {
    bps: (image.length * MS_PER_S) / r.elapsedMs,
    afterEraseBps: ((image.length - r.maxMessageBytes) * MS_PER_S) / (r.elapsedMs - r.firstChunkMs),
    lineBps,
    r,
  };
}

export async function run(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const emulatedImage = await buildTestImage(nodeCrypto, EMULATED_IMAGE_PAYLOAD_BYTES, '2.0.0', 6);
  const blank = await emulatedRun(emulatedImage);
  const e = await emulatedRun(emulatedImage, await buildTestImage(nodeCrypto, EMULATED_IMAGE_PAYLOAD_BYTES, '1.9.0', 7));
  console.log(
    `smp bench: emulated nRF52833 (fotakit emulate), ${emulatedImage.length}-byte image, ${e.r.requests} requests of ${e.r.maxMessageBytes} B; ` +
      `slot holding an older image: first chunk (erase) ${(e.r.firstChunkMs / MS_PER_S).toFixed(2)} s, then ${e.afterEraseBps.toFixed(0)} B/s; ` +
      `blank slot: ${blank.bps.toFixed(0)} B/s (${(blank.bps / blank.lineBps).toFixed(3)} of line limit)`,
  );
  console.log(`smp-emulated: fotakit ${e.bps.toFixed(0)} B/s at ${SERIAL_BAUD} baud (${(e.bps / e.lineBps).toFixed(3)} of line limit)`);
  figures.push({
    name: 'smp-emulated fotakit at 115200 baud',
    value: e.bps / e.lineBps,
    unit: 'of line limit',
    goal: `<= 1 (the board's UART bounds it)`,
    met: e.bps <= e.lineBps,
    baseline: `line limit ${e.lineBps.toFixed(0)} B/s (${SERIAL_BAUD} baud, 8N1)`,
  });
  const serialImage = await buildTestImage(nodeCrypto, SERIAL_IMAGE_PAYLOAD_BYTES, '2.0.0', 3);
  console.log(`smp bench: serial, ${serialImage.length}-byte image at ${SERIAL_BAUD} baud, 127-byte frames (framing limit ${FRAMING_LIMIT.toFixed(3)} raw/wire)`);
  for (const bufSize of SERIAL_BUF_SIZES) {
    const s = await serialRun(serialImage, bufSize);
    const optimum = serialOptimum(bufSize);
    const afterErase = (serialImage.length - s.r.maxMessageBytes) / (s.r.elapsedMs - s.r.firstChunkMs);
    console.log(
      `  buf_size ${String(bufSize).padStart(4)}: ${s.r.requests} chunks of ${s.r.maxMessageBytes} B messages, ${s.efficiency.toFixed(3)} payload/wire ` +
        `(best any chunk size reaches: ${optimum.toFixed(3)}, so ${(s.efficiency / optimum).toFixed(3)} of it), ` +
        `${afterErase.toFixed(1)} kB/s after the ${(s.r.firstChunkMs / 1000).toFixed(1)} s slot erase (link ${(SERIAL_BAUD / 10 / 1000).toFixed(1)} kB/s raw)`,
    );
    console.log(`smp-serial: ${s.ratio.toFixed(3)} of framing limit (buf_size ${bufSize}; SMP's per-message overhead caps it at ${(optimum / FRAMING_LIMIT).toFixed(3)})`);
    figures.push({
      name: `smp-serial buf_size ${bufSize}`,
      value: s.ratio,
      unit: 'of framing limit',
      goal: `>= ${GOAL_SERIAL_RATIO}`,
      met: s.ratio >= GOAL_SERIAL_RATIO,
      baseline: `framing limit ${FRAMING_LIMIT.toFixed(3)} payload/wire`,
    });
  }

  const bleImage = await buildTestImage(nodeCrypto, BLE_IMAGE_PAYLOAD_BYTES, '2.0.0', 4);
  console.log(`smp bench: BLE, ${bleImage.length}-byte image, buf_size 384 / buf_count 4, ${BLE_PACKETS_PER_INTERVAL} packets per interval, nRF52 flash timing`);
  const rows: Array<{ mtu: number; ci: number; y: number; kBps: number; kBps1: number; kBpsClassic: number }> = [];
  for (const mtu of BLE_MTUS) {
    for (const ci of BLE_INTERVALS_MS) {
      const one = await bleRun(bleImage, mtu, ci, 1);
      const piped = await bleRun(bleImage, mtu, ci, 3);
      const upBytes = bleImage.length - one.r.maxMessageBytes; // after the first chunk
      const classic = await bleRun(bleImage, mtu, ci, 1, { classic: true });
      const row = { mtu, ci, y: one.ms / piped.ms, kBps: upBytes / piped.ms, kBps1: upBytes / one.ms, kBpsClassic: upBytes / classic.ms };
      rows.push(row);
      console.log(
        `  MTU ${mtu}, ${String(ci).padStart(4)} ms: window-1 ${row.kBps1.toFixed(1).padStart(5)} kB/s, pipelined (3) ${row.kBps.toFixed(1).padStart(5)} kB/s, ${row.y.toFixed(2)}x` +
          ` | classic (one ${classic.r.maxMessageBytes}-B message per ATT packet, window 1) ${row.kBpsClassic.toFixed(1).padStart(5)} kB/s: ${(row.kBps / row.kBpsClassic).toFixed(2)}x`,
      );
    }
  }
  const deep = await bleRun(bleImage, 247, 15, 7, { bufCount: 8 });
  const deepOne = rows.find((r) => r.mtu === 247 && r.ci === 15)!;
  const deepKBps = (bleImage.length - deep.r.maxMessageBytes) / deep.ms;
  console.log(`  MTU 247, 15 ms, buf_count 8 (window 7): ${deepKBps.toFixed(1)} kB/s, ${(deepKBps / deepOne.kBps1).toFixed(2)}x window-1 (the speedup is bounded by the window)`);
  const worst = rows.reduce((a, b) => (b.y < a.y ? b : a));
  const best = rows.reduce((a, b) => (b.kBps > a.kBps ? b : a));
  console.log(
    `smp-ble: pipelined ${worst.y.toFixed(2)}x window-1, ${worst.kBps.toFixed(1)} kB/s (worst speedup: MTU ${worst.mtu}, ${worst.ci} ms; best ${best.kBps.toFixed(1)} kB/s at MTU ${best.mtu}, ${best.ci} ms)`,
  );
  figures.push({
    name: 'smp-ble pipelined vs window-1 (worst config)',
    value: worst.y,
    unit: 'x',
    goal: `>= ${GOAL_BLE_SPEEDUP}`,
    met: worst.y >= GOAL_BLE_SPEEDUP,
    baseline: `window-1 ${worst.kBps1.toFixed(1)} kB/s at MTU ${worst.mtu}, ${worst.ci} ms`,
  });
  return figures;
}

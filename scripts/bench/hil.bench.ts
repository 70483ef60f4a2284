/**
 * Hardware-in-the-loop path benchmark: a 256 KiB image downloaded through the emulated nRF9160 SLM on a
 * real pseudo-terminal (AT channel over `serialport`, the simulated modem with real TLS behind it), in
 * both dialects, against the same download through the simulated modem directly (no serial line):
 * - AT framing overhead: serial-line bytes / socket bytes the modem carried (HTTP included). Legacy
 *   carries raw bytes after `#XRECV: <size>`, goal <= 1.10; the NCS 3.x Serial Modem hex, goal <= 2.20;
 * - throughput of the AT path on loopback, goal: faster than a 115200-baud UART could carry the line
 *   bytes (so on a bench the UART, not fotakit, is the limit); baseline the direct download's time;
 * prints `hil: <dialect> <ratio> line bytes per socket byte, <kB/s>, <n> AT commands`.
 */
import { startUpdateServer } from '../../src/server/update-server.ts';
import { sharedTestPki } from '../../src/server/pki.ts';
import { createSimModem } from '../../src/hal/sim/modem.ts';
import { startBoardEmulator } from '../../src/boards/board-emulator.ts';
import { openNodePort } from '../../src/hal/serial/node-port.ts';
import { realClock } from '../../src/hal/node/real-clock.ts';
import { SlmModem } from '../../src/transport/at/slm-modem.ts';
import { rangeDownloadPort } from '../../src/fota/agent/network-ports.ts';
import { MemorySettings } from '../../src/hal/portable/memory-settings.ts';
import { nodeCrypto } from '../../src/hal/node/crypto.ts';
import { buildTestImage } from '../../src/boards/smp-device.ts';
import { silentLog } from '../../src/hal/log.ts';
import { CREDENTIAL_TYPE, type Modem } from '../../src/hal/net.ts';
import { HttpClient } from '../../src/transport/http/client.ts';
import { AtChannel } from '../../src/transport/at/channel.ts';
import type { BytePort } from '../../src/hal/port.ts';
import type { SlmDialect } from '../../src/transport/at/slm.ts';
import type { BenchFigure } from './summary.ts';

const IMAGE_PAYLOAD_BYTES = 256 * 1024;
const SEC_TAG = 1001;
const GOAL_OVERHEAD: Readonly<Record<SlmDialect, number>> = { legacy: 1.1, 'serial-modem': 2.2 };
/** A UART at 115200 baud, 10 bits per byte: 11.52 kB/s. */
const UART_BAUD = 115_200;
const UART_BITS_PER_BYTE = 10;
const UART_KBPS = UART_BAUD / UART_BITS_PER_BYTE / 1000;

/** Counts the bytes crossing a port each way. */
function counted(port: BytePort): BytePort & { rx: number; tx: number } {
  const c = {
    rx: 0,
    tx: 0,
    write: (b: Uint8Array) => {
      c.tx += b.length;
      return port.write(b);
    },
    onData: (l: (b: Uint8Array) => void) =>
      port.onData((b) => {
        c.rx += b.length;
        l(b);
      }),
    onClose: (l: (e?: Error) => void) => port.onClose(l),
    close: () => port.close(),
  };
  return c;
}

async function downloadWith(modem: Modem, url: string, size: number): Promise<number> {
  const http = new HttpClient({ connect: (host, port) => modem.connect({ host, port, tls: { secTags: [SEC_TAG], peerVerify: 'required' } }), clock: realClock });
  let got = 0;
  const t0 = performance.now();
  await rangeDownloadPort({ client: http, clock: realClock, settings: new MemorySettings(), log: silentLog }).download(
    url,
    { persistedBytes: async () => 0, open: async () => {}, write: async (_o, b) => void (got += b.length), reset: async () => void (got = 0) },
    () => undefined,
  );
  const ms = performance.now() - t0;
  await http.close();
  if (got !== size) throw new Error(`hil bench: got ${got} of ${size} bytes`);
  return ms;
}

export async function run(): Promise<BenchFigure[]> {
  const pki = await sharedTestPki();
  const image = await buildTestImage(nodeCrypto, IMAGE_PAYLOAD_BYTES, '9.0.0', 4);
  const server = await startUpdateServer({ image, version: '9.0.0', pki });
  const figures: BenchFigure[] = [];
  try {
    const direct = createSimModem({ hosts: server.hosts });
    await direct.credentials.write(SEC_TAG, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
    const directMs = await downloadWith(direct, server.imageUrl, image.length);
    await direct.closeAll();
    for (const dialect of ['legacy', 'serial-modem'] as const satisfies readonly SlmDialect[]) {
      const emu = await startBoardEmulator({ board: 'nrf9160', dialect, hosts: server.hosts });
      const port = counted(await openNodePort({ path: emu.devicePath }));
      const channel = new AtChannel(port, realClock);
      const modem = new SlmModem({ channel, dialect, clock: realClock });
      await modem.credentials.write(SEC_TAG, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
      const line0 = port.rx + port.tx;
      const app0 = emu.modem!.counters().appBytesDown + emu.modem!.counters().appBytesUp;
      const ms = await downloadWith(modem, server.imageUrl, image.length);
      const lineBytes = port.rx + port.tx - line0;
      const appBytes = emu.modem!.counters().appBytesDown + emu.modem!.counters().appBytesUp - app0;
      const overhead = lineBytes / appBytes;
      const lineKBps = lineBytes / ms;
      const commands = channel.stats().commands;
      console.log(
        `hil: ${dialect} ${overhead.toFixed(2)} line bytes per socket byte, ${(image.length / ms).toFixed(0)} kB/s of image ` +
          `(${ms.toFixed(0)} ms; direct ${directMs.toFixed(0)} ms), ${commands} AT commands`,
      );
      figures.push({
        name: `hil ${dialect} AT overhead`,
        value: overhead,
        unit: 'line B/socket B',
        goal: `<= ${GOAL_OVERHEAD[dialect]}`,
        met: overhead <= GOAL_OVERHEAD[dialect],
        baseline: `${appBytes} socket bytes for a ${image.length} B image`,
      });
      figures.push({
        name: `hil ${dialect} line rate`,
        value: lineKBps,
        unit: 'kB/s',
        goal: `> ${UART_KBPS.toFixed(1)} (115200 baud)`,
        met: lineKBps > UART_KBPS,
        baseline: `direct sim modem ${(image.length / directMs).toFixed(0)} kB/s`,
      });
      await channel.close();
      await emu.close();
    }
  } finally {
    await server.close();
  }
  return figures;
}

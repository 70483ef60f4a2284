/**
 * An MCUboot board running Zephyr's smp_svr sample on its UART, emulated: the simulated SMP board
 * (./smp-device.ts: strict flash, the SMP server, the MCUboot model on every reset) served
 * over a byte port with the SMP console framing. The image it runs at power-on is a hash-only MCUboot
 * image of the version given (MCUboot built without signature checks boots it, as the sample does).
 * With `baud`, it also takes the board's time: the UART moves bytes at that rate in both directions and
 * the nRF52 flash erases (85 ms a page) and writes (41 µs a word) take theirs, so any client's
 * throughput is what the real board would give.
 */
import { nodeCrypto } from '../hal/node/crypto.ts';
import { buildTestImage, SimSmpDevice } from './smp-device.ts';
import type { BoardName } from '../hal/board.ts';
import { NRF52833_PROFILE, NRF9160_PROFILE } from '../hal/sim/profiles.ts';
import type { TrustedKey } from '../fota/mcuboot/keys.ts';
import type { BytePort } from '../hal/port.ts';
import { throttledPort } from '../transport/at/throttled-port.ts';
import type { Clock } from '../hal/clock.ts';
import { realClock } from '../hal/node/real-clock.ts';

/** Payload size of the image the emulated board runs at power-on. */
export const EMULATED_INITIAL_PAYLOAD_BYTES = 16 * 1024;
/** Version of that image. */
export const EMULATED_INITIAL_VERSION = '1.0.0';

export interface McubootBoardOptions {
  initialVersion?: string;
  /** Keys MCUboot trusts; none: hash-only images boot (smp_svr built without signature checks). */
  trustedKeys?: ReadonlyArray<TrustedKey>;
  /** UART rate (e.g. 115200): throttle the line and time the flash (default: as fast as the host). */
  baud?: number;
  /** Clock the line and flash timing run on (default the host's real time). */
  clock?: Clock;
  /** Answer v1 clients as Zephyr 3.1 and earlier did (see SmpServerOptions.legacyRc). */
  legacyRc?: boolean;
  /** Updatable images: 1 (smp_svr's default) or 2 (image 1 in its own 64 KiB slots). */
  images?: 1 | 2;
}

/** An SMP board server behind a byte port, as the board emulator (./board-emulator.ts) runs one. */
export interface SmpBoardServer {
  requests(): number;
  close(): Promise<void>;
}

/** Slot size of image 1 on the emulated multi-image board. */
export const EMULATED_IMAGE1_SLOT_BYTES = 64 * 1024;

export interface McubootBoardServer extends SmpBoardServer {
  readonly device: SimSmpDevice;
}

export async function startMcubootBoardServer(port: BytePort, board: BoardName, options: McubootBoardOptions = {}): Promise<McubootBoardServer> {
  const initialImage = await buildTestImage(nodeCrypto, EMULATED_INITIAL_PAYLOAD_BYTES, options.initialVersion ?? EMULATED_INITIAL_VERSION);
  const device = await SimSmpDevice.create({
    crypto: nodeCrypto,
    profile: board === 'nrf9160' ? NRF9160_PROFILE : NRF52833_PROFILE,
    initialImage,
    ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
    ...(options.legacyRc ? { legacyRc: true } : {}),
    ...(options.images === 2
      ? { imageOneSlotBytes: EMULATED_IMAGE1_SLOT_BYTES, initialImageOne: await buildTestImage(nodeCrypto, EMULATED_INITIAL_PAYLOAD_BYTES, options.initialVersion ?? EMULATED_INITIAL_VERSION, 2) }
      : {}),
    ...(options.baud ? { flashTiming: { clock: options.clock ?? realClock } } : {}),
  });
  const line = options.baud ? throttledPort(port, { clock: options.clock ?? realClock, baud: options.baud }) : port;
  const transport = device.server.attachSerial(line);
  return {
    device,
    requests: () => device.server.stats.requests,
    async close() {
      await device.server.idle();
      await transport.close().catch(() => undefined);
    },
  };
}

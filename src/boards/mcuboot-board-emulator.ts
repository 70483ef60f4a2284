/**
 * An MCUboot board running Zephyr's smp_svr sample on its UART, emulated: the simulated SMP board
 * (./smp-device.ts: strict flash, the SMP server, the MCUboot model on every reset) served
 * over a byte port with the SMP console framing. The image it runs at power-on is a hash-only MCUboot
 * image of the version given (MCUboot built without signature checks boots it, as the sample does).
 */
import { nodeCrypto } from '../hal/node/crypto.ts';
import { buildTestImage, SimSmpDevice } from './smp-device.ts';
import type { BoardName } from '../hal/board.ts';
import { NRF52833_PROFILE, NRF9160_PROFILE } from '../hal/sim/profiles.ts';
import type { TrustedKey } from '../fota/mcuboot/keys.ts';
import type { BytePort } from '../hal/port.ts';

/** Payload size of the image the emulated board runs at power-on. */
export const EMULATED_INITIAL_PAYLOAD_BYTES = 16 * 1024;
/** Version of that image. */
export const EMULATED_INITIAL_VERSION = '1.0.0';

export interface McubootBoardOptions {
  initialVersion?: string;
  /** Keys MCUboot trusts; none: hash-only images boot (smp_svr built without signature checks). */
  trustedKeys?: ReadonlyArray<TrustedKey>;
}

/** An SMP board server behind a byte port, as the board emulator (./board-emulator.ts) runs one. */
export interface SmpBoardServer {
  requests(): number;
  close(): Promise<void>;
}

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
  });
  const transport = device.server.attachSerial(port);
  return {
    device,
    requests: () => device.server.stats.requests,
    async close() {
      await device.server.idle();
      await transport.close().catch(() => undefined);
    },
  };
}

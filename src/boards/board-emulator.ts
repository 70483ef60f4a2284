/**
 * A board behind a pseudo-terminal, served as the real one would: an nRF9160 running the Serial LTE
 * Modem (AT over the simulated modem: real TLS, the record gate, EMSGSIZE), or an MCUboot board
 * running an SMP server (Zephyr's smp_svr over UART). `fotakit emulate` and the HIL tests start it;
 * tools then open `devicePath` as they would /dev/ttyACM0. Node only.
 */
import { createSimModem, type SimModem } from '../hal/sim/modem.ts';
import type { HostTable } from '../hal/sim/hosts.ts';
import type { LinkProfileName } from '../hal/sim/link.ts';
import type { BoardName } from '../hal/board.ts';
import { SlmEmulator } from './slm-emulator.ts';
import { openNodePort } from '../hal/serial/node-port.ts';
import { createPtyPair, type PtyPair } from '../hal/serial/pty.ts';
import type { BytePort } from '../hal/port.ts';
import { startMcubootBoardServer, type SmpBoardServer } from './mcuboot-board-emulator.ts';
import type { SlmDialect } from '../transport/at/slm.ts';

export interface BoardEmulatorOptions {
  board: BoardName;
  /** nRF9160: which SLM to play (default legacy). */
  dialect?: SlmDialect;
  /** nRF9160: the modem's DNS (names of the update server → 127.0.0.1, port 443 → the server's port). */
  hosts?: HostTable;
  /** nRF9160: link shaping of the simulated LTE link. */
  link?: LinkProfileName;
  /** nRF9160: largest server TLS record the modem accepts (default the nRF9160's 2303). */
  maxRecordBytes?: number;
  /** MCUboot board: version of the image it runs at power-on (default 1.0.0). */
  initialVersion?: string;
  /** MCUboot board: UART rate the emulated line runs at, flash timed too (default: host speed). */
  baud?: number;
  /** MCUboot board: answer v1 clients as Zephyr 3.1 and earlier did. */
  legacyRc?: boolean;
  /** MCUboot board: updatable images, 1 or 2 (multi-image). */
  images?: 1 | 2;
  /** A stable symlink for the user's end (e.g. /tmp/fotakit-nrf9160). */
  linkPath?: string;
  /** Called with each AT command the emulated SLM executes. */
  onCommand?: (command: string) => void;
}

export interface BoardEmulator {
  readonly board: BoardName;
  /** The device a host tool opens. */
  readonly devicePath: string;
  /** What the emulator serves there: `slm-legacy`, `slm-serial-modem` or `smp`. */
  readonly serves: string;
  readonly modem?: SimModem;
  /** AT commands (nRF9160) or SMP requests (MCUboot board) handled so far. */
  requests(): number;
  /** Resolves if the pseudo-terminals go away on their own (socat ended). */
  readonly lost: Promise<void>;
  close(): Promise<void>;
}

/** An SMP board server behind a byte port (default: ./mcuboot-board-emulator.ts, where it is declared). */
export type { SmpBoardServer };
export type SmpBoardServerFactory = (port: BytePort, board: BoardName, options: { initialVersion?: string; baud?: number; legacyRc?: boolean; images?: 1 | 2 }) => Promise<SmpBoardServer>;

export async function startBoardEmulator(options: BoardEmulatorOptions, smpFactory?: SmpBoardServerFactory): Promise<BoardEmulator> {
  const pair: PtyPair = await createPtyPair({ links: [undefined, options.linkPath] });
  let boardPort: BytePort | undefined;
  try {
    boardPort = await openNodePort({ path: pair.paths[0] });
    if (options.board === 'nrf9160') {
      const dialect = options.dialect ?? 'legacy';
      const modem = createSimModem({
        ...(options.hosts ? { hosts: options.hosts } : {}),
        ...(options.link ? { link: options.link } : {}),
        ...(options.maxRecordBytes !== undefined ? { maxRecordBytes: options.maxRecordBytes } : {}),
      });
      const slm = new SlmEmulator({ port: boardPort, modem, dialect, ...(options.onCommand ? { onCommand: options.onCommand } : {}) });
      const port = boardPort;
      return {
        board: options.board,
        devicePath: pair.paths[1],
        serves: `slm-${dialect}`,
        modem,
        requests: () => slm.commands.length,
        lost: pair.exited,
        async close() {
          await slm.shutdown();
          await modem.closeAll();
          await port.close();
          await pair.close();
        },
      };
    }
    const server = await (smpFactory ?? startMcubootBoardServer)(boardPort, options.board, {
      ...(options.initialVersion ? { initialVersion: options.initialVersion } : {}),
      ...(options.baud ? { baud: options.baud } : {}),
      ...(options.legacyRc ? { legacyRc: true } : {}),
      ...(options.images ? { images: options.images } : {}),
    });
    const port = boardPort;
    return {
      board: options.board,
      devicePath: pair.paths[1],
      serves: 'smp',
      requests: () => server.requests(),
      lost: pair.exited,
      async close() {
        await server.close();
        await port.close();
        await pair.close();
      },
    };
  } catch (e) {
    await boardPort?.close().catch(() => undefined);
    await pair.close();
    throw e;
  }
}

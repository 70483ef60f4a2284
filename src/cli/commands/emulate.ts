/**
 * `fotakit emulate --board nrf9160|nrf52833`: a board behind a pseudo-terminal, for host tools to talk
 * to as to the real one. nRF9160: the Serial LTE Modem (legacy NCS 2.x or NCS 3.x Serial Modem) over the
 * simulated modem with real TLS. nRF52833 (or any MCUboot board): an SMP server over simulated flash and
 * the MCUboot model. Prints the device path (JSON with --json) and runs until Ctrl-C or --duration-s.
 */
import { UsageError } from '../../hal/errors.ts';
import { PortError } from '../../hal/port.ts';
import { parseResolve } from '../resolve.ts';
import { startBoardEmulator } from '../../boards/board-emulator.ts';
import { EXIT_OK, SERVE_DEFAULT_PORT, helpText, parseCommand, parseInteger, stringList, stringValue, untilStopped, type CommandSpec } from '../args.ts';

const BOARDS = ['nrf9160', 'nrf52833'] as const;
const DIALECTS = ['legacy', 'serial-modem'] as const;
const LINKS = ['none', 'lte-m', 'nb-iot'] as const;
const EMULATE_DURATION_MAX_S = 24 * 60 * 60;
const RECORD_BYTES_MAX = 16_384 + 2_048 + 5;
/** The nRF52833 DK's UART console rate (smp_svr over serial). */
const DEFAULT_SMP_BAUD = 115_200;
const BAUD_MAX = 4_000_000;

export const SPEC: CommandSpec = {
  usage: 'fotakit emulate --board nrf9160|nrf52833 [--dialect legacy|serial-modem] [--resolve NAME=ADDR[:PORT]]... [options]',
  summary:
    'Serves an emulated board behind a pseudo-terminal (socat) and prints the device path. nrf9160: the Serial ' +
    'LTE Modem application over the simulated modem (real TLS, the 2303-byte record limit). nrf52833: an MCUboot ' +
    'board with an SMP server on its UART (smp_svr). Runs until Ctrl-C (or --duration-s).',
  options: {
    board: { type: 'string' },
    dialect: { type: 'string' },
    resolve: { type: 'string', multiple: true },
    link: { type: 'string' },
    'max-record-bytes': { type: 'string' },
    'link-path': { type: 'string' },
    'image-version': { type: 'string' },
    baud: { type: 'string' },
    'legacy-rc': { type: 'boolean' },
    images: { type: 'string' },
    'duration-s': { type: 'string' },
    verbose: { type: 'boolean' },
  },
  help: {
    board: 'nrf9160 (SLM AT modem) or nrf52833 (MCUboot + SMP)',
    dialect: 'nrf9160 SLM dialect: legacy (NCS 2.x, default) or serial-modem (NCS 3.x)',
    resolve: 'modem DNS entry: NAME=ADDR, or NAME=ADDR:PORT to send NAME:443 to ADDR:PORT (repeatable)',
    link: `simulated LTE link: ${LINKS.join(', ')} (default none)`,
    'max-record-bytes': 'largest server TLS record the modem takes (default 2303)',
    'link-path': 'also make this symlink to the device (e.g. /tmp/fotakit-nrf9160)',
    'image-version': 'nrf52833: version of the image the board runs at power-on (default 1.0.0)',
    baud: `nrf52833: UART rate of the emulated line, flash erase/write timed as the nRF52833's (default ${DEFAULT_SMP_BAUD}; 0: host speed, untimed)`,
    images: 'nrf52833: updatable images, 1 (default) or 2 (multi-image: image 1 in its own slots)',
    'legacy-rc': 'nrf52833: answer SMP v1 clients with the rc values of Zephyr 3.1 and earlier (not img_mgmt_translate_error_code)',
    'duration-s': 'stop after this many seconds (0: start, print, stop)',
    verbose: 'print each AT command executed',
  },
};

/** Kept for callers of the old name: see src/cli/resolve.ts. */
export const parseHostMap = parseResolve;

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag}: '${value}' is not one of ${allowed.join(', ')}`);
  return value as T;
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommand(SPEC, argv);
  if (p.help) {
    console.log(helpText(SPEC));
    return EXIT_OK;
  }
  const board = oneOf('board', stringValue(p, 'board'), BOARDS);
  if (!board) throw new UsageError('fotakit emulate: --board nrf9160|nrf52833 is required');
  const dialect = oneOf('dialect', stringValue(p, 'dialect'), DIALECTS);
  const link = oneOf('link', stringValue(p, 'link'), LINKS);
  if (board !== 'nrf9160' && (dialect || link || stringList(p, 'resolve').length > 0)) {
    throw new UsageError('fotakit emulate: --dialect, --link and --resolve apply to --board nrf9160 only');
  }
  const imageVersion = stringValue(p, 'image-version');
  if (imageVersion !== undefined && board !== 'nrf52833') throw new UsageError('fotakit emulate: --image-version applies to --board nrf52833 only');
  if (imageVersion !== undefined && !/^\d+(\.\d+){0,2}(\+\d+)?$/.test(imageVersion)) throw new UsageError(`--image-version: '${imageVersion}' is not maj.min.rev[+build]`);
  const baudText = stringValue(p, 'baud');
  const legacyRc = p.values['legacy-rc'] === true;
  if ((baudText !== undefined || legacyRc) && board !== 'nrf52833') throw new UsageError('fotakit emulate: --baud and --legacy-rc apply to --board nrf52833 only');
  const imagesText = stringValue(p, 'images');
  if (imagesText !== undefined && board !== 'nrf52833') throw new UsageError('fotakit emulate: --images applies to --board nrf52833 only');
  if (imagesText !== undefined && imagesText !== '1' && imagesText !== '2') throw new UsageError(`--images: '${imagesText}' is not 1 or 2`);
  const baud = baudText === undefined ? DEFAULT_SMP_BAUD : parseInteger('baud', baudText, BAUD_MAX);
  const recordText = stringValue(p, 'max-record-bytes');
  const durationText = stringValue(p, 'duration-s');
  const durationS = durationText === undefined ? undefined : parseInteger('duration-s', durationText, EMULATE_DURATION_MAX_S);
  const linkPath = stringValue(p, 'link-path');
  const verbose = p.values.verbose === true;

  const emulator = await startBoardEmulator({
    board,
    ...(dialect ? { dialect } : {}),
    hosts: parseResolve(stringList(p, 'resolve')),
    ...(link ? { link } : {}),
    ...(recordText !== undefined ? { maxRecordBytes: parseInteger('max-record-bytes', recordText, RECORD_BYTES_MAX) } : {}),
    ...(linkPath ? { linkPath } : {}),
    ...(imageVersion ? { initialVersion: imageVersion } : {}),
    ...(board === 'nrf52833' && baud > 0 ? { baud } : {}),
    ...(legacyRc ? { legacyRc: true } : {}),
    ...(imagesText === '2' ? { images: 2 as const } : {}),
    ...(verbose && !p.json ? { onCommand: (c: string) => console.log(`  at> ${c.length > 100 ? `${c.slice(0, 100)}...` : c}`) } : {}),
  });
  const info = { ok: true, event: 'ready', board, serves: emulator.serves, device: emulator.devicePath };
  if (p.json) console.log(JSON.stringify(info));
  else {
    console.log(`fotakit emulate: ${board} (${emulator.serves}) on ${emulator.devicePath}`);
    console.log(
      board === 'nrf9160'
        ? `  try: npx fotakit hil --modem-port ${emulator.devicePath} --server https://api.fotakit.test:${SERVE_DEFAULT_PORT}   (the release API \`fotakit serve\` prints)`
        : `  try: npx fotakit smp --connstring dev=${emulator.devicePath} image list`,
    );
  }

  const lost = (await untilStopped(durationS, emulator.lost)) === 'lost';
  const requests = emulator.requests();
  await emulator.close();
  if (lost) throw new PortError('PTY_FAILED', `fotakit emulate: the pseudo-terminals went away (socat ended) after ${requests} request(s)`);
  if (p.json) console.log(JSON.stringify({ event: 'closed', requests }));
  else console.log(`fotakit emulate: stopped after ${requests} request(s)`);
  return EXIT_OK;
}

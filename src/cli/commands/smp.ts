/**
 * `fotakit smp`: an MCUmgr SMP client shaped like the mcumgr CLI, for real boards (serial console
 * through `serialport`) and networked ones (UDP, port 1337):
 *   fotakit smp [--conntype serial] --connstring dev=DEV[,baud=N] <command>
 *   fotakit smp [--conntype udp] --connstring host=H[,port=N] <command>      (mcumgr's spelling)
 * commands: image list | image upload FILE | image test HASH | image confirm [HASH] | image erase |
 * reset | echo TEXT. Exit 0 ok, 1 the device refused or the link failed (SMP_RC, upload mismatch,
 * timeout), 2 usage error (src/cli/exit-codes.ts). The old --transport/--port/--baud/--host/--udp-port
 * still work, with a deprecation notice (src/cli/flags.ts).
 */
import { readFile } from 'node:fs/promises';
import { EXIT_OK, helpText, parseCommand, parseInteger, reportError, stringList, stringValue, type CommandSpec } from '../args.ts';
import { UsageError } from '../../hal/errors.ts';
import { fromHex, toHex } from '../../hal/bytes.ts';
import { realClock } from '../../hal/node/real-clock.ts';
import { openNodePort, SERIAL_DEFAULT_BAUD_RATE } from '../../hal/serial/node-port.ts';
import { UdpSmpTransport } from '../../boards/smp-udp.ts';
import { SmpClient, type SmpImageState } from '../../transport/smp/client.ts';
import { SerialSmpTransport, type SmpTransport } from '../../transport/smp/transport.ts';
import { uploadImage, type UploadResult } from '../../transport/smp/upload.ts';
import { ProgressBar } from '../progress.ts';
import { IMG_MGMT_HASH_BYTES, IMG_MGMT_UPDATABLE_IMAGE_NUMBER_MAX, SMP_DEFAULT_TIMEOUT_MS, SMP_UDP_PORT } from '../../transport/smp/constants.ts';

export const SPEC: CommandSpec = {
  usage: 'fotakit smp [--conntype serial|udp] --connstring dev=DEV[,baud=N]|host=H[,port=N] <command> [args]',
  summary:
    'MCUmgr SMP client. Commands: image list | image upload FILE | image test HASH | image confirm [HASH] | ' +
    'image erase | reset | echo TEXT. Uploads fill the device buffer exactly and pipeline buf_count - 1 chunks.',
  options: {
    conntype: { type: 'string' },
    connstring: { type: 'string', multiple: true },
    'timeout-ms': { type: 'string' },
    window: { type: 'string' },
    image: { type: 'string' },
    'smp-v1': { type: 'boolean' },
  },
  help: {
    conntype: "'serial' (console framing) or 'udp'; default: serial with dev=, udp with host=",
    connstring: `dev=/dev/ttyACM0[,baud=N] (default baud ${SERIAL_DEFAULT_BAUD_RATE}) or host=ADDRESS[,port=N] (default port ${SMP_UDP_PORT}); repeatable, merged`,
    'timeout-ms': `response timeout (default ${SMP_DEFAULT_TIMEOUT_MS}; the first upload chunk waits 40 s)`,
    window: 'upload requests in flight (default buf_count - 1)',
    image: 'image upload: image number on a multi-image device (default 0)',
    'smp-v1': 'send SMP v1 requests (legacy servers)',
  },
  positionals: { min: 1, max: 3, names: '<command> [args]' },
};

const MAX_TIMEOUT_MS = 600_000;
const MAX_WINDOW = 64;
const MAX_BAUD = 4_000_000;

const CONNSTRING_KEYS = ['dev', 'baud', 'host', 'port'] as const;
type ConnString = Partial<Record<(typeof CONNSTRING_KEYS)[number], string>>;

/** `dev=/dev/ttyACM0,baud=115200` (several --connstring merge, the last value of a key wins). */
export function parseConnString(items: readonly string[]): ConnString {
  const out: ConnString = {};
  for (const item of items) {
    for (const part of item.split(',')) {
      const eq = part.indexOf('=');
      const key = part.slice(0, eq) as (typeof CONNSTRING_KEYS)[number];
      if (eq <= 0 || !CONNSTRING_KEYS.includes(key) || part.slice(eq + 1) === '') {
        throw new UsageError(`fotakit smp: --connstring '${item}': each part is KEY=VALUE with KEY one of ${CONNSTRING_KEYS.join(', ')}`, { option: '--connstring' });
      }
      out[key] = part.slice(eq + 1);
    }
  }
  return out;
}

function connString(p: ReturnType<typeof parseCommand>): ConnString {
  return parseConnString(stringList(p, 'connstring'));
}

async function openTransport(p: ReturnType<typeof parseCommand>): Promise<{ transport: SmpTransport; name: string }> {
  const cs = connString(p);
  // Without --conntype, dev= means serial and host= means UDP.
  const kind = stringValue(p, 'conntype') ?? (cs.dev ? 'serial' : cs.host ? 'udp' : undefined);
  if (kind === 'serial') {
    const path = cs.dev;
    if (!path) throw new UsageError('fotakit smp: --conntype serial needs --connstring dev=DEV');
    const baud = cs.baud;
    const port = await openNodePort({ path, baudRate: baud ? parseInteger('baud', baud, MAX_BAUD) : SERIAL_DEFAULT_BAUD_RATE });
    return { transport: new SerialSmpTransport(port), name: `serial ${path}` };
  }
  if (kind === 'udp') {
    const host = cs.host;
    if (!host) throw new UsageError('fotakit smp: --conntype udp needs --connstring host=ADDRESS');
    const portText = cs.port;
    const port = portText ? parseInteger('connstring port', portText, 0xffff) : SMP_UDP_PORT;
    return { transport: await UdpSmpTransport.open(host, port), name: `udp ${host}:${port}` };
  }
  throw new UsageError(
    kind ? `fotakit smp: --conntype must be 'serial' or 'udp', not '${kind}'` : 'fotakit smp: which device? --connstring dev=/dev/ttyACM0 (serial) or --connstring host=ADDRESS (udp)',
  );
}

function parseHash(text: string): Uint8Array {
  let h: Uint8Array;
  try {
    h = fromHex(text);
  } catch {
    throw new UsageError(`fotakit smp: hash '${text}' is not hex`);
  }
  if (h.length !== IMG_MGMT_HASH_BYTES) throw new UsageError(`fotakit smp: a hash is ${IMG_MGMT_HASH_BYTES} bytes (64 hex digits), got ${h.length}`);
  return h;
}

function imagesJson(images: SmpImageState[]): unknown[] {
  return images.map((i) => ({ ...i, hash: i.hash ? toHex(i.hash) : undefined }));
}

function printImages(images: SmpImageState[]): void {
  console.log('Images:');
  for (const i of images) {
    const flags = (['active', 'confirmed', 'pending', 'permanent'] as const).filter((f) => i[f]).join(' ');
    console.log(` image=${i.image} slot=${i.slot}`);
    console.log(`    version: ${i.version}`);
    console.log(`    bootable: ${i.bootable}`);
    console.log(`    flags: ${flags}`);
    console.log(`    hash: ${i.hash ? toHex(i.hash) : 'Unavailable'}`);
  }
}

/** Validates the command words before any port is opened. */
function checkCommand(words: string[]): void {
  const [a, b, c] = words;
  const n = words.length;
  if (a === 'image' && b === 'test' && n === 2) {
    throw new UsageError('fotakit smp image test: which image? give its HASH (64 hex digits; `fotakit smp image list` shows it)', { missing: 'HASH' });
  }
  if (a === 'image' && b === 'upload' && n === 2) throw new UsageError('fotakit smp image upload: which file? give the image FILE', { missing: 'FILE' });
  if (a === 'echo' && n === 1) throw new UsageError('fotakit smp echo: give the TEXT to echo', { missing: 'TEXT' });
  const ok =
    (a === 'echo' && n === 2) ||
    (a === 'reset' && n === 1) ||
    (a === 'image' && ((b === 'list' && n === 2) || (b === 'upload' && n === 3) || (b === 'test' && n === 3) || (b === 'confirm' && (n === 2 || n === 3)) || (b === 'erase' && n === 2)));
  if (!ok) throw new UsageError(`fotakit smp: unknown command '${words.join(' ')}' (image list|upload FILE|test HASH|confirm [HASH]|erase, reset, echo TEXT)`);
  if (a === 'image' && (b === 'test' || (b === 'confirm' && c !== undefined))) parseHash(c!);
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommand(SPEC, argv);
  if (p.help) {
    console.log(helpText(SPEC));
    return EXIT_OK;
  }
  const words = p.positionals;
  checkCommand(words);
  const timeoutText = stringValue(p, 'timeout-ms');
  const timeoutMs = timeoutText ? parseInteger('timeout-ms', timeoutText, MAX_TIMEOUT_MS) : SMP_DEFAULT_TIMEOUT_MS;
  const windowText = stringValue(p, 'window');
  const window = windowText ? parseInteger('window', windowText, MAX_WINDOW) : undefined;
  if (window === 0) throw new UsageError('fotakit smp: --window must be at least 1');
  const imageText = stringValue(p, 'image');
  const imageNumber = imageText ? parseInteger('image', imageText, IMG_MGMT_UPDATABLE_IMAGE_NUMBER_MAX - 1) : undefined;
  let image: Uint8Array | undefined;
  if (words[0] === 'image' && words[1] === 'upload') {
    try {
      image = Uint8Array.from(await readFile(words[2]!));
    } catch (e) {
      throw new UsageError(`fotakit smp: cannot read '${words[2]}': ${(e as Error).message}`);
    }
  }

  const { transport, name } = await openTransport(p);
  const client = new SmpClient(transport, { clock: realClock, timeoutMs, ...(p.values['smp-v1'] === true ? { version: 0 } : {}) });
  const out = (human: () => void, json: Record<string, unknown>): void => {
    if (p.json) console.log(JSON.stringify({ ok: true, device: name, ...json }));
    else human();
  };
  try {
    const [a, b, c] = words;
    if (a === 'echo') {
      const r = await client.echo(b!);
      out(() => console.log(r), { echo: r });
    } else if (a === 'reset') {
      await client.reset();
      out(() => console.log('Done'), { reset: true });
    } else if (b === 'list') {
      const images = await client.imageState();
      out(() => printImages(images), { images: imagesJson(images) });
    } else if (b === 'test') {
      const images = await client.imageTest(parseHash(c!));
      out(() => printImages(images), { images: imagesJson(images) });
    } else if (b === 'confirm') {
      const images = await client.imageConfirm(c ? parseHash(c) : undefined);
      out(() => printImages(images), { images: imagesJson(images) });
    } else if (b === 'erase') {
      await client.imageErase();
      out(() => console.log('Done'), { erased: true });
    } else if (b === 'upload') {
      const bar = new ProgressBar({ json: p.json });
      // The bar ends with the upload, a failed one too: no half-drawn bar before the error message.
      const r: UploadResult = await uploadImage(client, image!, {
        ...(window !== undefined ? { window } : {}),
        ...(imageNumber ? { image: imageNumber } : {}),
        ...(bar.enabled ? { onProgress: (sent: number, total: number) => bar.update(sent, total) } : {}),
      }).finally(() => bar.stop());
      const kBps = r.elapsedMs > 0 ? r.bytes / r.elapsedMs : 0;
      out(
        () => console.log(`Done: ${r.bytes} bytes in ${(r.elapsedMs / 1000).toFixed(1)} s (${kBps.toFixed(1)} kB/s), ${r.requests} chunks, window ${r.window}${r.match !== undefined ? `, match ${r.match}` : ''}`),
        { upload: { ...r, kBps: Number(kBps.toFixed(2)) } },
      );
    }
    return EXIT_OK;
  } catch (e) {
    return reportError(e, p.json);
  } finally {
    await client.close().catch(() => undefined);
  }
}


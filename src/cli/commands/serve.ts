/**
 * `fotakit serve`: the local update server for people testing their own devices — a Memfault-compatible
 * release API and a CDN with byte ranges over HTTPS with a generated test PKI, with optional faults.
 * Prints the URLs, the project key, the host names to map to this machine, and where the root PEMs
 * (to provision as the device's root CAs) were written.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isFotaError, UsageError } from '../../hal/errors.ts';
import { parseHeader } from '../../fota/mcuboot/header.ts';
import { formatVersion } from '../../fota/mcuboot/version.ts';
import { CLI_FAULT_NAMES, parseFaults } from '../../server/faults.ts';
import { createTestPki, DEFAULT_API_HOST, DEFAULT_CDN_HOST } from '../../server/pki.ts';
import { DEFAULT_PROJECT_KEY, startUpdateServer, type UpdateServer } from '../../server/update-server.ts';
import { EXIT_OK, SERVE_DEFAULT_PORT, helpText, parseCommand, parseInteger, stringValue, untilStopped, type CommandSpec } from '../args.ts';

const PORT_MAX = 65535;
/** Longest a `--duration-s` run may be (a day). */
const SERVE_DURATION_MAX_S = 24 * 60 * 60;
const DEFAULT_ROOTS_DIR = 'fotakit-roots';

export const SPEC: CommandSpec = {
  usage: 'fotakit serve --image FILE [--version V] [--port N] [--faults LIST] [options]',
  summary:
    'Serves FILE as the latest release: a Memfault-compatible release API on the API host and the image with ' +
    'HTTP ranges on a different CDN host, over HTTPS with a freshly generated test PKI. Map the printed host ' +
    'names to this machine on the device side and provision the printed root PEMs as its root CAs. Runs until ' +
    'Ctrl-C (or --duration-s).',
  options: {
    image: { type: 'string' },
    version: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    faults: { type: 'string' },
    'roots-dir': { type: 'string' },
    'project-key': { type: 'string' },
    'api-host': { type: 'string' },
    'cdn-host': { type: 'string' },
    'duration-s': { type: 'string' },
  },
  help: {
    image: 'the payload to serve (an MCUboot image gives its own version)',
    version: 'the release version (required unless the image is an MCUboot image)',
    port: `port to listen on (default ${SERVE_DEFAULT_PORT}; 0: a free one)`,
    host: 'address to bind (default 127.0.0.1; 0.0.0.0 for devices on the network)',
    faults: `comma-separated faults: ${CLI_FAULT_NAMES.join(', ')} (e.g. drop-after=4096,status=503,count=2)`,
    'roots-dir': `where the root CA PEMs are written (default ./${DEFAULT_ROOTS_DIR})`,
    'project-key': `the Memfault-Project-Key accepted (default ${DEFAULT_PROJECT_KEY})`,
    'api-host': `host name of the release API (default ${DEFAULT_API_HOST})`,
    'cdn-host': `host name of the CDN (default ${DEFAULT_CDN_HOST})`,
    'duration-s': 'stop after this many seconds (0: start, print, stop)',
  },
};

/** The version of an MCUboot image, or undefined for anything else. */
function mcubootVersion(image: Uint8Array): string | undefined {
  try {
    return formatVersion(parseHeader(image).version);
  } catch (e) {
    if (isFotaError(e)) return undefined;
    throw e;
  }
}

function rootName(server: UpdateServer, which: 'api' | 'cdn'): string {
  const id = server.pki[which].root;
  return id === 'untrusted' ? server.pki.untrustedRoot.name : server.pki.roots[id].name;
}

/** Makes the roots folder before the server starts: a file in its way is a usage error, not a hang. */
function prepareRootsDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`fotakit serve: --roots-dir '${dir}' cannot be made a folder: ${(e as Error).message}`, { path: dir });
  }
}

function writeRoots(dir: string, server: UpdateServer): Record<string, string> {
  const files: Record<string, string> = {};
  for (const root of Object.values(server.pki.roots)) {
    const file = join(dir, `${root.id}.pem`);
    writeFileSync(file, root.pem);
    files[root.id] = file;
  }
  const bundle = join(dir, 'roots.pem');
  writeFileSync(bundle, server.rootsPem);
  files.bundle = bundle;
  return files;
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommand(SPEC, argv);
  if (p.help) {
    console.log(helpText(SPEC));
    return EXIT_OK;
  }
  const imagePath = stringValue(p, 'image');
  if (!imagePath) throw new UsageError('fotakit serve: --image FILE is required');
  let image: Uint8Array;
  try {
    image = new Uint8Array(readFileSync(imagePath));
  } catch (e) {
    throw new UsageError(`fotakit serve: cannot read --image ${imagePath}: ${(e as Error).message}`);
  }
  const version = stringValue(p, 'version') ?? mcubootVersion(image);
  if (!version) throw new UsageError('fotakit serve: --version is required (the image is not an MCUboot image with a version)');
  const portText = stringValue(p, 'port');
  const durationText = stringValue(p, 'duration-s');
  const faultsText = stringValue(p, 'faults');
  const apiHost = stringValue(p, 'api-host') ?? DEFAULT_API_HOST;
  const cdnHost = stringValue(p, 'cdn-host') ?? DEFAULT_CDN_HOST;
  const rootsDir = resolve(stringValue(p, 'roots-dir') ?? DEFAULT_ROOTS_DIR);
  const bindHost = stringValue(p, 'host') ?? '127.0.0.1';
  const durationS = durationText === undefined ? undefined : parseInteger('duration-s', durationText, SERVE_DURATION_MAX_S);

  prepareRootsDir(rootsDir);
  const server = await startUpdateServer({
    image,
    version,
    port: portText !== undefined ? parseInteger('port', portText, PORT_MAX) : SERVE_DEFAULT_PORT,
    host: bindHost,
    faults: faultsText ? parseFaults(faultsText) : {},
    // A fresh PKI per run: its keys are written nowhere but memory, the roots to rootsDir.
    pki: await createTestPki({ apiHosts: [apiHost], cdnHosts: [cdnHost] }),
    projectKey: stringValue(p, 'project-key') ?? DEFAULT_PROJECT_KEY,
    apiHost,
    cdnHost,
  });
  const roots = writeRoots(rootsDir, server);
  const info = {
    ok: true,
    apiUrl: server.apiUrl,
    imageUrl: server.imageUrl,
    checkUrl: `${server.apiUrl}/api/v0/releases/latest/url?&device_serial=<serial>&hardware_version=<hw>&software_type=<type>&current_version=<version>`,
    projectKey: server.projectKey,
    version,
    imageBytes: image.length,
    listen: `${bindHost}:${server.port}`,
    hosts: Object.keys(server.hosts),
    roots,
    faults: server.faults(),
  };
  if (p.json) console.log(JSON.stringify(info));
  else {
    console.log(`fotakit serve: release ${version} (${image.length} bytes) on ${info.listen}`);
    console.log(`  release API   ${server.apiUrl}  (Memfault-Project-Key: ${server.projectKey})`);
    console.log(`  payload URL   ${server.imageUrl}`);
    const target = bindHost === '0.0.0.0' || bindHost === '::' ? "this machine's network address" : server.address;
    console.log(`  map to ${target}: ${apiHost}, ${cdnHost}, ${server.mirrorHost}  (DNS or the device's host table; TLS checks these names)`);
    console.log(`  root CAs      ${roots.bundle} (API chains to ${rootName(server, 'api')}, CDN to ${rootName(server, 'cdn')})`);
    if (faultsText) console.log(`  faults        ${JSON.stringify(server.faults())}`);
  }

  await untilStopped(durationS);
  await server.close();
  const summary = { requests: server.requests.length, bytes: server.requests.reduce((n, r) => n + r.bytes, 0) };
  if (p.json) console.log(JSON.stringify({ event: 'closed', ...summary }));
  else console.log(`fotakit serve: stopped after ${summary.requests} request(s), ${summary.bytes} body bytes`);
  return EXIT_OK;
}

/**
 * The vocabulary of fotakit's flags: one meaning per flag across every command, spelled as imgtool and
 * mcumgr spell them where they have a spelling (`-k/--key`, `-o/--output`, `-v/--version`, mcumgr's
 * `--conntype`/`--connstring` for how a device is reached). Every command's options are checked against
 * FLAG_VOCABULARY by a test; README.md "Flags" lists the same table.
 * Old spellings keep working for one release (FLAG_DEPRECATIONS): parseCommand rewrites them to the
 * new one and prints a notice on stderr.
 */

export interface FlagMeaning {
  type: 'string' | 'boolean';
  short?: string;
  /** The one meaning this flag has wherever it appears. */
  meaning: string;
}

export const FLAG_VOCABULARY: Readonly<Record<string, FlagMeaning>> = {
  help: { type: 'boolean', short: 'h', meaning: 'show the help of the command' },
  json: { type: 'boolean', meaning: 'machine-readable output (JSON)' },
  quiet: { type: 'boolean', short: 'q', meaning: 'no progress output' },
  verbose: { type: 'boolean', meaning: 'print every command exchanged with the device' },
  force: { type: 'boolean', meaning: 'overwrite an existing output file' },
  output: { type: 'string', short: 'o', meaning: 'the file (or folder) the command writes' },
  // Image keys: the key images are signed with, and checked against (imgtool -k).
  key: { type: 'string', short: 'k', meaning: 'an MCUboot image key (PEM): signs in `image sign` and `sim`, is trusted in `image verify`, `sim` and `hil`' },
  type: { type: 'string', short: 't', meaning: 'key type (image keygen)' },
  encoding: { type: 'string', short: 'e', meaning: 'output encoding of a public key' },
  version: { type: 'string', short: 'v', meaning: 'an image or release version maj[.min[.rev[+build]]]' },
  'header-size': { type: 'string', short: 'H', meaning: 'MCUboot header size in bytes' },
  'pad-header': { type: 'boolean', meaning: 'prepend the header room to the input' },
  'slot-size': { type: 'string', short: 'S', meaning: 'slot size in bytes' },
  'security-counter': { type: 'string', short: 's', meaning: 'SEC_CNT value or auto' },
  dependencies: { type: 'string', short: 'd', meaning: 'DEPENDENCY TLVs "(image_id,version),..."' },
  align: { type: 'string', meaning: 'flash write size in bytes' },
  'max-align': { type: 'string', meaning: 'BOOT_MAX_ALIGN of the trailer' },
  pad: { type: 'boolean', meaning: 'pad the image to the slot size with a trailer' },
  confirm: { type: 'boolean', meaning: 'pad and mark the image confirmed (permanent)' },
  'erased-val': { type: 'string', short: 'R', meaning: 'erased flash value: 0 or 0xff' },
  'public-key-format': { type: 'string', meaning: 'hash or full public key in the image' },
  pure: { type: 'boolean', meaning: 'ed25519 signature over the whole image' },
  sha: { type: 'string', meaning: 'image hash: 256, 384 or 512' },
  test: { type: 'boolean', meaning: 'pad the image and leave image_ok erased (a test swap)' },
  'max-sectors': { type: 'string', short: 'M', meaning: 'sectors the trailer allows for in the size check' },
  'overwrite-only': { type: 'boolean', meaning: 'overwrite-only upgrades: smaller trailer, --confirm writes no image_ok' },
  'boot-record': { type: 'string', meaning: 'BOOT_RECORD TLV with this sw_type' },
  'load-addr': { type: 'string', short: 'L', meaning: 'RAM load address (ih_load_addr, RAM_LOAD flag)' },
  'rom-fixed': { type: 'string', short: 'F', meaning: 'flash address the image is built for (ROM_FIXED flag)' },
  'hex-addr': { type: 'string', short: 'x', meaning: 'base address of an Intel HEX output' },
  'pad-sig': { type: 'boolean', meaning: 'pad ECDSA signatures to a fixed length' },
  'non-bootable': { type: 'boolean', meaning: 'set the NON_BOOTABLE image flag' },
  vid: { type: 'string', meaning: 'UUID_VID TLV: a UUID or the vendor domain name' },
  cid: { type: 'string', meaning: 'UUID_CID TLV: a UUID or the image class name' },
  encrypt: { type: 'string', short: 'E', meaning: 'encrypt the image for this public key (x25519, P-256, RSA-2048 PEM)' },
  'encrypt-keylen': { type: 'string', meaning: 'AES key length of an encrypted image: 128 or 256' },
  'hmac-sha': { type: 'string', meaning: 'ECIES HKDF/HMAC hash: 256 or 512' },
  clear: { type: 'boolean', short: 'c', meaning: 'with --encrypt: keep the body in clear' },
  'save-enctlv': { type: 'boolean', meaning: 'the trailer keeps the key TLVs (BOOT_SWAP_SAVE_ENCTLV)' },
  'vector-to-sign': { type: 'string', meaning: 'write what would be signed (payload or digest) instead of the image' },
  'sig-out': { type: 'string', meaning: 'also write the signature, base64' },
  'fix-sig': { type: 'string', meaning: 'a base64 signature made elsewhere (an HSM, a signing server) to use instead of signing' },
  'fix-sig-pubkey': { type: 'string', meaning: 'the public key of --fix-sig' },
  'enc-key': { type: 'string', meaning: "the device's private key that decrypts an encrypted image" },
  password: { type: 'boolean', short: 'p', meaning: 'the key file is passphrase-protected ($FOTAKIT_KEY_PASSPHRASE, else stdin)' },
  format: { type: 'string', short: 'f', meaning: 'private key output format: pkcs8 or openssl' },
  minimal: { type: 'boolean', meaning: "imgtool's minimal private key form (refused)" },
  'name-suffix': { type: 'string', meaning: 'appended to generated C/Rust symbol names' },
  require: { type: 'string', meaning: 'fail unless the key is of this kind' },
  // Servers, names and certificates.
  server: { type: 'string', meaning: 'base URL of a release API' },
  'project-key': { type: 'string', meaning: 'Memfault-Project-Key' },
  ca: { type: 'string', meaning: 'root CA certificates (PEM files or bundles), tried in the order given; repeatable' },
  resolve: { type: 'string', meaning: 'HOST=ADDRESS[:PORT]: where a host name goes instead of DNS; repeatable' },
  host: { type: 'string', meaning: 'the address a server binds to' },
  port: { type: 'string', meaning: 'the TCP port a server listens on' },
  image: { type: 'string', meaning: 'an image file to serve or run' },
  faults: { type: 'string', meaning: 'server faults, e.g. drop-after=4096,count=2' },
  'roots-dir': { type: 'string', meaning: 'where serve writes its root CA PEMs' },
  'api-host': { type: 'string', meaning: 'host name of the release API' },
  'cdn-host': { type: 'string', meaning: 'host name of the CDN' },
  // Transfers.
  'max-record-bytes': { type: 'string', meaning: "the modem's TLS record limit in bytes, header included" },
  window: { type: 'string', meaning: 'requests in flight on one connection (HTTP ranges, SMP chunks)' },
  link: { type: 'string', meaning: 'simulated link shaping: none, lte-m, nb-iot' },
  'timeout-ms': { type: 'string', meaning: 'response timeout in milliseconds' },
  'duration-s': { type: 'string', meaning: 'stop after this many seconds' },
  // Devices (mcumgr's spelling).
  conntype: { type: 'string', meaning: 'how the device is reached: serial or udp (mcumgr --conntype)' },
  connstring: { type: 'string', meaning: 'where: dev=/dev/ttyACM0[,baud=115200] or host=H[,port=1337] (mcumgr --connstring)' },
  'smp-v1': { type: 'boolean', meaning: 'send SMP v1 requests' },
  board: { type: 'string', meaning: 'which board: nrf9160 or nrf52833' },
  dialect: { type: 'string', meaning: 'the nRF9160 SLM dialect: legacy, serial-modem' },
  'link-path': { type: 'string', meaning: 'a symlink to the emulated device' },
  'image-version': { type: 'string', meaning: 'version of the image the emulated board runs at power-on' },
  baud: { type: 'string', meaning: 'serial line rate in baud (emulate: the emulated UART, timed like the board)' },
  'legacy-rc': { type: 'boolean', meaning: 'answer SMP v1 clients with the rc values of Zephyr 3.1 and earlier' },
  images: { type: 'string', meaning: 'updatable images of the emulated board: 1 or 2' },
  'modem-port': { type: 'string', meaning: 'serial device of the nRF9160 running the Serial LTE Modem' },
  'modem-dialect': { type: 'string', meaning: 'the SLM dialect of --modem-port: legacy, serial-modem, auto' },
  'modem-baud': { type: 'string', meaning: 'baud rate of --modem-port' },
  'modem-rtscts': { type: 'boolean', meaning: 'RTS/CTS flow control on --modem-port' },
  'slot-port': { type: 'string', meaning: 'serial device of the MCUboot board running smp_svr' },
  'slot-baud': { type: 'string', meaning: 'baud rate of --slot-port' },
  'allow-unsigned': { type: 'boolean', meaning: 'stage hash-only images (no signature check) where no --key is given' },
  'sec-tag-base': { type: 'string', meaning: 'root CA candidates go under sec_tags base+1, base+2, ...' },
  'device-serial': { type: 'string', meaning: 'device_serial of the update check' },
  'hardware-version': { type: 'string', meaning: 'hardware_version of the update check' },
  'software-type': { type: 'string', meaning: 'software_type of the update check' },
  'sim-slot-version': { type: 'string', meaning: 'version the simulated slot runs before the update' },
  // Simulation.
  'power-cut-at': { type: 'string', meaning: 'cut the power at this flash operation number' },
  'fail-selftest': { type: 'boolean', meaning: 'the new image fails its self-test' },
  state: { type: 'string', meaning: 'a folder that keeps the simulated board between runs' },
  'cert-mode': { type: 'string', meaning: 'root CA selection: probe or list' },
  'payload-bytes': { type: 'string', meaning: 'size of generated application images' },
  engine: { type: 'string', meaning: 'run the device application inside an embedded JS engine: xs or quickjs' },
  'engine-crypto': { type: 'string', meaning: 'with --engine: host (the board\'s hardware crypto) or engine (JavaScript in the engine)' },
  'virtual-time': { type: 'boolean', meaning: 'run the simulation in virtual time (no waiting for the link; the times shown are simulated)' },
  report: { type: 'string', meaning: 'also write the run as a self-contained HTML report' },
  title: { type: 'string', meaning: 'page title of a report' },
  only: { type: 'string', meaning: 'only these categories' },
};

export interface FlagDeprecation {
  /** The old spelling without dashes: `max-record`, or one letter for a short flag: `t`. */
  old: string;
  /** Commands (`download`, `image sign`, ...) where the old spelling is taken. */
  commands: readonly string[];
  /** The flag it became. */
  canonical: string;
  /** Turns the old flag's value into the new flag's (e.g. `/dev/ttyACM0` → `dev=/dev/ttyACM0`). */
  value?: (v: string) => string;
}

export const FLAG_DEPRECATIONS: readonly FlagDeprecation[] = [
  { old: 'max-record', commands: ['download', 'sim'], canonical: 'max-record-bytes' },
  { old: 'pipeline', commands: ['download', 'sim'], canonical: 'window' },
  { old: 'out', commands: ['report', 'vectors'], canonical: 'output' },
  { old: 'roots', commands: ['hil'], canonical: 'ca' },
  { old: 'target', commands: ['sim'], canonical: 'board' },
  { old: 'host', commands: ['emulate'], canonical: 'resolve' },
  { old: 'v', commands: ['emulate'], canonical: 'verbose' },
  { old: 'transport', commands: ['smp'], canonical: 'conntype' },
  { old: 't', commands: ['smp'], canonical: 'conntype' },
  { old: 'port', commands: ['smp'], canonical: 'connstring', value: (v) => `dev=${v}` },
  { old: 'p', commands: ['smp'], canonical: 'connstring', value: (v) => `dev=${v}` },
  { old: 'baud', commands: ['smp'], canonical: 'connstring', value: (v) => `baud=${v}` },
  { old: 'host', commands: ['smp'], canonical: 'connstring', value: (v) => `host=${v}` },
  { old: 'udp-port', commands: ['smp'], canonical: 'connstring', value: (v) => `port=${v}` },
];

/** `--name` or `-n`, as typed. */
export function flagSpelling(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/** Edit distance (Levenshtein) between two flag names, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known flag closest to `name`, if any is close enough to be what was meant. */
export function closestFlag(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.startsWith(name) || name.startsWith(k) ? Math.min(1, editDistance(name, k)) : editDistance(name, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

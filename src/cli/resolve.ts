/**
 * `--resolve NAME=ADDR[:PORT]` (repeatable), the one spelling of "where a host name goes instead of
 * DNS" for `download`, `sim` and `emulate`: NAME=ADDR maps the name; NAME=ADDR:PORT also sends NAME:443
 * to ADDR:PORT (a local server on another port). The result is the simulated modem's host table.
 */
import { UsageError } from '../hal/errors.ts';
import type { HostTable } from '../hal/sim/hosts.ts';
import { parseInteger } from './args.ts';

const PORT_MAX = 65535;
/** The port a device connects to for https. */
const HTTPS_PORT = 443;
const RESOLVE_ENTRY = /^([A-Za-z0-9.-]+)=([0-9.]+|\[[0-9a-fA-F:]+\])(?::(\d+))?$/;

/** `cdn.fotakit.test=127.0.0.1:8443` → { 'cdn.fotakit.test': { address: '127.0.0.1', ports: { 443: 8443 } } }. */
export function parseResolve(entries: readonly string[]): HostTable {
  const table: HostTable = {};
  for (const entry of entries) {
    const m = RESOLVE_ENTRY.exec(entry);
    if (!m) throw new UsageError(`--resolve: '${entry}' is not NAME=ADDRESS or NAME=ADDRESS:PORT (ADDRESS an IP address)`, { option: '--resolve' });
    const name = m[1]!.toLowerCase();
    const address = m[2]!.replace(/^\[|\]$/g, '');
    table[name] = m[3] === undefined ? address : { address, ports: { [HTTPS_PORT]: parseInteger('resolve', m[3], PORT_MAX) } };
  }
  return table;
}

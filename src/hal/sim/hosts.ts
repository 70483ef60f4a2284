/**
 * The simulated modem's host table (its DNS): names such as `api.fotakit.test` map to a loopback
 * address and, optionally, ports map to the local server's port, so host-name checks in TLS are real
 * while everything runs on 127.0.0.1. Literal IP addresses pass as they are; any other name is
 * unknown (EHOSTUNREACH, as the modem reports a failed lookup).
 */
import { isIP } from 'node:net';

export type HostEntry = string | { address: string; ports?: Record<number, number> };
export type HostTable = Record<string, HostEntry>;

export interface ResolvedHost {
  address: string;
  port: number;
}

/** Where `host:port` goes, or undefined when the name is unknown. Names are case-insensitive. */
export function resolveHost(table: HostTable, host: string, port: number): ResolvedHost | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare)) return { address: bare, port };
  const key = Object.keys(table).find((k) => k.toLowerCase() === bare.toLowerCase());
  if (key === undefined) return undefined;
  const entry = table[key]!;
  if (typeof entry === 'string') return { address: entry, port };
  return { address: entry.address, port: entry.ports?.[port] ?? port };
}

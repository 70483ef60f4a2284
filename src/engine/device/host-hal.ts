/**
 * The HAL as the device bundle sees it inside the engine: each part is a thin driver over the host
 * port, shaped exactly like the HAL interfaces the portable core takes (src/hal/*.ts), so the agent,
 * the downloader and the slot target cannot tell them from the simulated board's own objects. What
 * crosses is what a C port's drivers would do on the nRF9160: flash_area_read/write/erase, the settings
 * subsystem, k_uptime_get/k_sleep, nrf_socket (the modem does TLS), the CryptoCell's SHA-256 and
 * signature verification, sys_reboot. Op names are the contract with src/engine/host/hal-server.ts.
 */
import type { Clock } from '../../hal/clock.ts';
import type { Crypto, HashAlgorithm, Hasher, SignatureAlgorithm } from '../../hal/crypto.ts';
import { FlashError, FotaError } from '../../hal/errors.ts';
import type { FlashArea, FlashGeometry, FlashMap } from '../../hal/flash.ts';
import type { Log, LogLevel } from '../../hal/log.ts';
import type { ConnectOptions, CredentialInfo, CredentialStore, CredentialType, Modem, Socket, SocketInfo } from '../../hal/net.ts';
import type { Settings } from '../../hal/settings.ts';
import type { ResetReason, System } from '../../hal/system.ts';
import type { WireValue } from '../wire.ts';
import type { HostPort } from './host-port.ts';

/** What `flash.map` answers: the device geometry and every partition. */
export interface WireFlashMap {
  device: FlashGeometry;
  areas: { label: string; deviceOffset: number; size: number }[];
}

class HostFlashArea implements FlashArea {
  readonly eraseBlockBytes: number;
  readonly writeAlignBytes: number;
  readonly erasedValue: number;
  constructor(
    private readonly port: HostPort,
    device: FlashGeometry,
    readonly label: string,
    readonly deviceOffset: number,
    readonly size: number,
  ) {
    this.eraseBlockBytes = device.eraseBlockBytes;
    this.writeAlignBytes = device.writeAlignBytes;
    this.erasedValue = device.erasedValue;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return (await this.port.start('flash.read', this.label, offset, length)) as Uint8Array;
  }
  async write(offset: number, bytes: Uint8Array): Promise<void> {
    await this.port.start('flash.write', this.label, offset, bytes);
  }
  async erase(offset: number, length: number): Promise<void> {
    await this.port.start('flash.erase', this.label, offset, length);
  }
}

export class HostFlashMap implements FlashMap {
  readonly device: FlashGeometry;
  private readonly areas: WireFlashMap['areas'];
  constructor(private readonly port: HostPort) {
    const m = port.call('flash.map') as unknown as WireFlashMap;
    this.device = m.device;
    this.areas = m.areas;
  }
  labels(): readonly string[] {
    return this.areas.map((a) => a.label);
  }
  open(label: string): FlashArea {
    const a = this.areas.find((x) => x.label === label);
    if (!a) throw new FlashError('FLASH_NO_AREA', `flash.open: the board has no partition '${label}'`, { label });
    return new HostFlashArea(this.port, this.device, a.label, a.deviceOffset, a.size);
  }
}

export class HostSettings implements Settings {
  constructor(private readonly port: HostPort) {}
  async get(key: string): Promise<Uint8Array | undefined> {
    const v = await this.port.start('settings.get', key);
    return v === null ? undefined : (v as Uint8Array);
  }
  async set(key: string, value: Uint8Array): Promise<void> {
    await this.port.start('settings.set', key, value);
  }
  async delete(key: string): Promise<void> {
    await this.port.start('settings.delete', key);
  }
  async keys(prefix?: string): Promise<string[]> {
    return (await this.port.start('settings.keys', prefix ?? null)) as string[];
  }
}

export class HostClock implements Clock {
  constructor(private readonly port: HostPort) {}
  now(): number {
    return this.port.call('clock.now') as number;
  }
  async sleep(ms: number): Promise<void> {
    await this.port.start('clock.sleep', ms);
  }
}

class HostSocket implements Socket {
  constructor(
    private readonly port: HostPort,
    private readonly id: number,
  ) {}
  async send(bytes: Uint8Array): Promise<void> {
    await this.port.start('socket.send', this.id, bytes);
  }
  async recv(maxBytes: number, timeoutMs?: number): Promise<Uint8Array> {
    return (await this.port.start('socket.recv', this.id, maxBytes, timeoutMs ?? null)) as Uint8Array;
  }
  async close(): Promise<void> {
    await this.port.start('socket.close', this.id);
  }
  info(): SocketInfo {
    return this.port.call('socket.info', this.id) as unknown as SocketInfo;
  }
}

class HostCredentials implements CredentialStore {
  constructor(private readonly port: HostPort) {}
  async list(): Promise<CredentialInfo[]> {
    return (await this.port.start('modem.credentials.list')) as unknown as CredentialInfo[];
  }
  async write(secTag: number, type: CredentialType, content: string): Promise<void> {
    await this.port.start('modem.credentials.write', secTag, type, content);
  }
  async delete(secTag: number, type: CredentialType): Promise<void> {
    await this.port.start('modem.credentials.delete', secTag, type);
  }
}

export class HostModem implements Modem {
  readonly credentials: CredentialStore;
  constructor(private readonly port: HostPort) {
    this.credentials = new HostCredentials(port);
  }
  async connect(options: ConnectOptions): Promise<Socket> {
    const id = (await this.port.start('modem.connect', options as unknown as WireValue)) as number;
    return new HostSocket(this.port, id);
  }
}

/** The hardware crypto (the nRF9160's CryptoCell 310): hashing and verification on the host. */
export function hostCrypto(port: HostPort): Crypto {
  return {
    createHash(algorithm: HashAlgorithm): Hasher {
      const id = port.call('crypto.hash.new', algorithm) as number;
      return {
        update: (bytes) => void port.call('crypto.hash.update', id, bytes),
        digest: () => port.call('crypto.hash.digest', id) as Uint8Array,
      };
    },
    verify: (algorithm: SignatureAlgorithm, key, message, signature) => port.call('crypto.verify', algorithm, key, message, signature) as boolean,
    randomBytes: (length) => port.call('crypto.random', length) as Uint8Array,
  };
}

export class HostSystem implements System {
  constructor(private readonly port: HostPort) {}
  resetReason(): ResetReason {
    return this.port.call('system.resetReason') as ResetReason;
  }
  /** Never returns: the host resets the board and halts the engine. */
  async reboot(reason: ResetReason): Promise<never> {
    this.port.call('system.reboot', reason);
    throw new FotaError('ENGINE_PROTOCOL', 'system.reboot: the host did not reset the board');
  }
}

export class HostLog implements Log {
  constructor(private readonly port: HostPort) {}
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    let f: WireValue = null;
    if (fields) {
      try {
        f = JSON.parse(JSON.stringify(fields)) as WireValue;
      } catch {
        f = null;
      }
    }
    this.port.call('log', level, message, f);
  }
}

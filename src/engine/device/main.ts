/**
 * The device bundle's entry: what a FOTA-capable nRF9160 application runs, and nothing else. At boot
 * the host hands it its configuration (release API, root-CA candidates, trusted image keys, limits);
 * it wires the portable core on the host-served HAL (./host-hal.ts) exactly as the simulated board's
 * application does in V8 (src/cli/sim-run.ts): cert selection by real handshakes, the update check,
 * the range downloader over the HTTP client, the MCUboot streaming verifier, the slot target (its own
 * secondary slot, or a companion nRF52833 over SMP/BLE), and the agent. It reports what the run log
 * needs (agent events, probes, connections) through the host port, and ends with `run.done`.
 *
 * Crypto: `host` uses the board's hardware crypto over the port (CryptoCell); `engine` runs SHA-256 and
 * signature verification here in JavaScript (noble), with only random bytes from the host.
 */
import type { Crypto } from '../../hal/crypto.ts';
import type { SmpPacketLink } from '../../transport/smp/transport.ts';
import { portableCrypto } from '../../hal/portable/crypto.ts';
import { ed25519 } from '@noble/curves/ed25519.js';
import { FotaAgent, type AgentEventRecord } from '../../fota/agent/agent.ts';
import { mcubootVerifier } from '../../fota/agent/mcuboot-verifier.ts';
import { rangeDownloadPort, releasePort, selectCertFor } from '../../fota/agent/network-ports.ts';
import { CertSelector, type CertCandidate, type CertMode, type CertProbe } from '../../fota/cert-select.ts';
import { FlashSlotTarget } from '../../fota/dfu/flash-slot.ts';
import type { SlotTarget } from '../../fota/dfu/slot-target.ts';
import { SmpSlotTarget } from '../../fota/dfu/smp-slot.ts';
import type { BootStrategyName } from '../../fota/mcuboot/bootloader.ts';
import { HttpClient } from '../../transport/http/client.ts';
import { SmpClient } from '../../transport/smp/client.ts';
import { BleSmpTransport } from '../../transport/smp/transport.ts';
import type { WireValue } from '../wire.ts';
import { EngineHaltSignal, HostPort, errorToWire } from './host-port.ts';
import { HostClock, HostFlashMap, HostLog, HostModem, HostSettings, HostSystem, hostCrypto } from './host-hal.ts';

/**
 * wNAF window of noble's ed25519 base-point table when verifying in the engine. noble's default (6) keeps
 * 2^5 × 44 = 1,408 precomputed points for the rest of the run: 261 KiB in QuickJS, more than the whole
 * heap goal (docs/engine.md). With 2 it keeps 2 × 129 = 258 points; a verification (one per update) is
 * a little slower.
 */
export const DEVICE_ED25519_BASE_WINDOW = 2;

/** What the host hands the application at boot (what a real build has in Kconfig and its cert store). */
export interface DeviceConfig {
  apiUrl: string;
  projectKey: string;
  identity: { deviceSerial: string; hardwareVersion: string; softwareType: string };
  candidates: CertCandidate[];
  certMode?: CertMode;
  trustedKeys: Uint8Array[];
  recordLimitBytes: number;
  pipelineDepth?: number;
  failSelftest: boolean;
  crypto: 'host' | 'engine';
  strategy: BootStrategyName;
  /** `flash`: the board's own secondary slot; `smp`: a companion over the host's BLE link. */
  slot: 'flash' | 'smp';
  slotName: string;
  userAgent: string;
}

/** The agent's events as they cross (the same records the V8 run's onEvent gets). */
export type DeviceReport =
  | { kind: 'agent'; event: AgentEventRecord }
  | { kind: 'probe'; probe: CertProbe }
  | { kind: 'connect'; host: string }
  | { kind: 'companion-flushed'; ms: number; upload: WireValue }
  | { kind: 'companion-reset' };

/** A BLE link whose radio is on the host: writes go out, notifications come in as events. */
function hostPacketLink(port: HostPort): SmpPacketLink {
  const mtu = port.call('ble.mtu') as number;
  return {
    mtu,
    write: async (packet) => void (await port.start('ble.write', packet)),
    onData: (listener) => port.listen('ble', (data) => listener(data as Uint8Array)),
    close: async () => void (await port.start('ble.close')),
  };
}

/** The companion slot, telling the host when the image was pushed and when the companion reset. */
function observedSmpSlot(port: HostPort, slot: SmpSlotTarget, clock: HostClock): SlotTarget {
  const report = (r: DeviceReport): void => void port.call('run.report', r as unknown as WireValue);
  return {
    name: slot.name,
    capacityBytes: () => slot.capacityBytes(),
    begin: (size, id) => slot.begin(size, id),
    write: (offset, bytes) => slot.write(offset, bytes),
    flush: async () => {
      const t0 = clock.now();
      const n = await slot.flush();
      report({ kind: 'companion-flushed', ms: Math.round(clock.now() - t0), upload: (slot.lastUpload ?? null) as unknown as WireValue });
      return n;
    },
    requestUpgrade: (mode) => slot.requestUpgrade(mode),
    reset: async () => {
      await slot.reset();
      report({ kind: 'companion-reset' });
    },
    confirm: () => slot.confirm(),
    state: () => slot.state(),
    discard: () => slot.discard(),
  };
}

async function application(port: HostPort, c: DeviceConfig): Promise<WireValue> {
  const flash = new HostFlashMap(port);
  const settings = new HostSettings(port);
  const clock = new HostClock(port);
  const modem = new HostModem(port);
  const system = new HostSystem(port);
  const log = new HostLog(port);
  const hw = hostCrypto(port);
  const crypto: Crypto = c.crypto === 'host' ? hw : { createHash: portableCrypto.createHash, verify: portableCrypto.verify, randomBytes: hw.randomBytes };
  const report = (r: DeviceReport): void => void port.call('run.report', r as unknown as WireValue);
  // A small table for noble's ed25519 base point (verification's fixed-base multiply), before the first verify.
  if (c.crypto === 'engine') ed25519.Point.BASE.precompute(DEVICE_ED25519_BASE_WINDOW);

  const selector = new CertSelector({
    modem,
    candidates: c.candidates,
    settings,
    clock,
    crypto,
    ...(c.certMode ? { mode: c.certMode } : {}),
    onProbe: (probe) => report({ kind: 'probe', probe }),
  });
  const connect = async (host: string, p: number) => {
    const socket = await selector.connect(host, p);
    report({ kind: 'connect', host });
    return socket;
  };
  const newClient = () => new HttpClient({ connect, clock, userAgent: c.userAgent });
  const http = newClient();
  let slot: SlotTarget;
  let smp: SmpClient | undefined;
  if (c.slot === 'smp') {
    smp = new SmpClient(new BleSmpTransport(hostPacketLink(port)), { clock });
    slot = observedSmpSlot(port, new SmpSlotTarget(smp, { name: c.slotName }), clock);
  } else {
    slot = new FlashSlotTarget({ flash, settings, strategy: c.strategy, reboot: (r) => system.reboot(r), name: c.slotName });
  }
  try {
    const agent = new FotaAgent({
      settings,
      clock,
      log,
      slot,
      release: releasePort({ newClient, api: { baseUrl: c.apiUrl, projectKey: c.projectKey }, identity: c.identity }),
      downloader: rangeDownloadPort({
        client: http,
        clock,
        settings,
        log,
        recordLimitBytes: c.recordLimitBytes,
        ...(c.pipelineDepth !== undefined ? { pipelineDepth: c.pipelineDepth } : {}),
      }),
      createVerifier: mcubootVerifier({ crypto, trustedKeys: c.trustedKeys }),
      selectCert: selectCertFor(selector),
      selfTest: async () => !c.failSelftest,
      onEvent: (event) => report({ kind: 'agent', event }),
    });
    const result = await agent.run({ check: true });
    return JSON.parse(JSON.stringify(result)) as WireValue;
  } finally {
    await http.close().catch(() => undefined);
    await selector.close().catch(() => undefined);
    if (smp) await smp.close().catch(() => undefined);
  }
}

/**
 * Installs the application on the engine's host port: `send` is the glue's synchronous host call.
 * Returns the port, whose `deliver` the glue calls with each host delivery.
 */
export function install(send: (frame: Uint8Array) => Uint8Array): HostPort {
  const port = new HostPort(send);
  port.boot((config) => {
    application(port, config as unknown as DeviceConfig).then(
      (result) => {
        try {
          port.call('run.done', result);
        } catch {
          // halted: the host no longer listens
        }
      },
      (e: unknown) => {
        if (e instanceof EngineHaltSignal) return;
        try {
          port.call('run.failed', errorToWire(e));
        } catch {
          // halted
        }
      },
    );
  });
  return port;
}

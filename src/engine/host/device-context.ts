/**
 * What a board hands its device application when the application runs somewhere other than the host's
 * own V8 (an embedded engine): the board's HAL parts, the configuration a real build has in Kconfig and
 * its certificate store, and the run log's hooks, which the application calls as the V8 application's
 * callbacks do. `runSim`'s `deviceApp` option takes a function of this (src/cli/sim-run.ts).
 */
import type { AgentEventRecord } from '../../fota/agent/agent.ts';
import type { CertProbe } from '../../fota/cert-select.ts';
import type { Clock } from '../../hal/clock.ts';
import type { Crypto } from '../../hal/crypto.ts';
import type { FlashMap } from '../../hal/flash.ts';
import type { Log } from '../../hal/log.ts';
import type { Modem } from '../../hal/net.ts';
import type { Settings } from '../../hal/settings.ts';
import type { System } from '../../hal/system.ts';
import type { SmpPacketLink } from '../../transport/smp/transport.ts';
import type { UploadResult } from '../../transport/smp/upload.ts';
import type { DeviceConfig } from '../device/main.ts';

export interface DeviceAppContext {
  board: { flash: FlashMap; settings: Settings; clock: Clock; system: System };
  modem: Modem;
  /** The board's hardware crypto (the CryptoCell on the nRF9160). */
  crypto: Crypto;
  /** Everything but the crypto mode, which is the engine run's choice. */
  config: Omit<DeviceConfig, 'crypto'>;
  /** The BLE link to the companion (the central end), when the image goes over SMP. */
  ble?: SmpPacketLink;
  log: Log;
  report: {
    probe: (p: CertProbe) => void;
    connected: (host: string) => void;
    agentEvent: (e: AgentEventRecord) => void;
    companionFlushed: (upload: UploadResult | undefined, ms: number) => void;
    companionReset: () => void;
  };
}

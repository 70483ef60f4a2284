/**
 * SMP over Web Bluetooth (browser pages, e.g. an nRF52833 updated from a laptop): the SMP GATT
 * service and characteristic (smp.md "BLE transport"), write without response + notifications, as an
 * SmpPacketLink under BleSmpTransport. The `navigator.bluetooth` object is passed in (no globals in
 * the core), typed here by the few members used. Web Bluetooth cannot read the negotiated ATT MTU, so
 * writes are segmented at a conservative `mtu` (default 23, the BLE minimum; raise it when the
 * devices are known to negotiate more) while chunks are still sized from the device's buf_size.
 */
import { BT_ATT_MTU_MIN, SMP_BT_CHARACTERISTIC_UUID, SMP_BT_SERVICE_UUID } from './constants.ts';
import { SmpError } from './errors.ts';
import { BleSmpTransport, type SmpPacketLink } from './transport.ts';

/** The members of Web Bluetooth's BluetoothRemoteGATTCharacteristic used here. */
export interface WebBluetoothCharacteristic {
  value?: DataView | null;
  writeValueWithoutResponse(value: Uint8Array): Promise<void>;
  startNotifications(): Promise<unknown>;
  stopNotifications?(): Promise<unknown>;
  addEventListener(type: 'characteristicvaluechanged', listener: (event: { target: unknown }) => void): void;
}

export interface WebBluetoothDevice {
  name?: string;
  gatt?: {
    connected?: boolean;
    connect(): Promise<{ getPrimaryService(uuid: string): Promise<{ getCharacteristic(uuid: string): Promise<WebBluetoothCharacteristic> }> }>;
    disconnect(): void;
  };
}

/** `navigator.bluetooth`. */
export interface WebBluetooth {
  requestDevice(options: { filters: Array<{ services: string[] }>; optionalServices?: string[] }): Promise<WebBluetoothDevice>;
}

class WebBluetoothLink implements SmpPacketLink {
  private listener: (packet: Uint8Array) => void = () => {};

  constructor(readonly mtu: number, private readonly device: WebBluetoothDevice, private readonly ch: WebBluetoothCharacteristic) {
    ch.addEventListener('characteristicvaluechanged', (event) => {
      const view = (event.target as WebBluetoothCharacteristic).value;
      if (view) this.listener(Uint8Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)));
    });
  }

  async write(packet: Uint8Array): Promise<void> {
    try {
      await this.ch.writeValueWithoutResponse(Uint8Array.from(packet));
    } catch (e) {
      throw new SmpError('SMP_LINK', `webBluetooth.write: ${(e as Error)?.message ?? e}`, {}, { cause: e });
    }
  }

  onData(listener: (packet: Uint8Array) => void): void {
    this.listener = listener;
  }

  async close(): Promise<void> {
    await this.ch.stopNotifications?.().catch(() => undefined);
    this.device.gatt?.disconnect();
  }
}

export interface WebBluetoothSmpOptions {
  /** ATT MTU to segment at (default 23). */
  mtu?: number;
  /** A device already chosen; otherwise the browser's chooser is shown (needs a user gesture). */
  device?: WebBluetoothDevice;
}

/** Connects to an SMP peripheral and returns an SmpTransport for SmpClient. */
export async function connectWebBluetoothSmp(bluetooth: WebBluetooth, options: WebBluetoothSmpOptions = {}): Promise<BleSmpTransport> {
  const op = 'webBluetooth.connect';
  try {
    const device = options.device ?? (await bluetooth.requestDevice({ filters: [{ services: [SMP_BT_SERVICE_UUID] }] }));
    if (!device.gatt) throw new SmpError('SMP_LINK', `${op}: the device has no GATT server`);
    const server = await device.gatt.connect();
    const service = await server.getPrimaryService(SMP_BT_SERVICE_UUID);
    const ch = await service.getCharacteristic(SMP_BT_CHARACTERISTIC_UUID);
    await ch.startNotifications();
    return new BleSmpTransport(new WebBluetoothLink(options.mtu ?? BT_ATT_MTU_MIN, device, ch));
  } catch (e) {
    if (e instanceof SmpError) throw e;
    throw new SmpError('SMP_LINK', `${op}: ${(e as Error)?.message ?? e}`, {}, { cause: e });
  }
}

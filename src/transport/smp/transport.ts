/**
 * SMP transports: how whole SMP messages travel over a link. One interface for client and server;
 * three framings as sibling implementations:
 * - serial: console frames over a byte link (./serial-framing.ts);
 * - BLE: ATT_MTU - 3 fragments over a packet link (./ble-framing.ts);
 * - UDP: one message per datagram (src/boards/smp-udp.ts, Node's dgram).
 * Links are shaped like ECMA-419 IO (and like src/hal/port.ts's BytePort): write, one
 * receiver, close.
 */
import type { SmpError } from './errors.ts';
import { SerialFrameDecoder, encodeSerialMessage } from './serial-framing.ts';
import { BleReassembler, fragmentMessage } from './ble-framing.ts';
import {
  BT_ATT_HEADER_BYTES,
  SMP_HEADER_BYTES,
  SMP_SERIAL_BUF_OVERHEAD_BYTES,
  SMP_SERIAL_LINE_MAX_BYTES,
} from './constants.ts';

/** A byte stream (a UART): same shape as src/hal/port.ts BytePort. */
export interface SmpByteLink {
  write(bytes: Uint8Array): Promise<void>;
  onData(listener: (bytes: Uint8Array) => void): void;
  close(): Promise<void>;
}

/** A packet link (BLE: one ATT write or notification per packet, at most mtu - 3 bytes). */
export interface SmpPacketLink {
  /** ATT_MTU negotiated for this connection. */
  readonly mtu: number;
  write(packet: Uint8Array): Promise<void>;
  onData(listener: (packet: Uint8Array) => void): void;
  close(): Promise<void>;
}

export type SmpTransportKind = 'serial' | 'ble' | 'udp';

export interface SmpTransport {
  readonly kind: SmpTransportKind;
  /**
   * Largest SMP message (header + CBOR) the device takes, given the `buf_size` it reported:
   * serial keeps 4 bytes of the buffer for length and CRC; BLE (device reassembling) and UDP none.
   */
  maxMessageBytes(bufSize: number): number;
  /** Sends one whole message (header + CBOR). */
  send(message: Uint8Array): Promise<void>;
  /** Sets the receiver of whole messages. */
  onMessage(listener: (message: Uint8Array) => void): void;
  /** Sets the receiver of framing errors (the transport keeps going after each). */
  onError(listener: (error: SmpError) => void): void;
  close(): Promise<void>;
}

abstract class ListenerBase {
  protected messageListener: (message: Uint8Array) => void = () => {};
  protected errorListener: (error: SmpError) => void = () => {};
  onMessage(listener: (message: Uint8Array) => void): void {
    this.messageListener = listener;
  }
  onError(listener: (error: SmpError) => void): void {
    this.errorListener = listener;
  }
}

export interface SerialTransportOptions {
  /** Longest frame sent (default 127). */
  lineMaxBytes?: number;
  /** Receive side: line buffer (server: 128) and largest message (server: buf_size - 4). */
  lineBufferBytes?: number;
  maxReceiveBytes?: number;
}

/** SMP over a serial console. */
export class SerialSmpTransport extends ListenerBase implements SmpTransport {
  readonly kind = 'serial' as const;
  readonly decoder: SerialFrameDecoder;
  private readonly lineMaxBytes: number;

  constructor(private readonly link: SmpByteLink, options: SerialTransportOptions = {}) {
    super();
    this.lineMaxBytes = options.lineMaxBytes ?? SMP_SERIAL_LINE_MAX_BYTES;
    this.decoder = new SerialFrameDecoder(
      (m) => this.messageListener(m),
      (e) => this.errorListener(e),
      {
        ...(options.lineBufferBytes !== undefined ? { lineBufferBytes: options.lineBufferBytes } : {}),
        ...(options.maxReceiveBytes !== undefined ? { maxMessageBytes: options.maxReceiveBytes } : {}),
      },
    );
    link.onData((bytes) => this.decoder.push(bytes));
  }

  maxMessageBytes(bufSize: number): number {
    return bufSize - SMP_SERIAL_BUF_OVERHEAD_BYTES;
  }

  send(message: Uint8Array): Promise<void> {
    return this.link.write(encodeSerialMessage(message, this.lineMaxBytes));
  }

  close(): Promise<void> {
    return this.link.close();
  }
}

export interface BleTransportOptions {
  /** Largest message reassembled (server: buf_size). */
  maxReceiveBytes?: number;
  /**
   * Whether the peer device reassembles requests (MCUMGR_TRANSPORT_BT_REASSEMBLY). When it does not,
   * a request must fit one ATT payload.
   */
  peerReassembles?: boolean;
}

/** SMP over BLE GATT: fragments of ATT_MTU - 3, reassembly by the header's length. */
export class BleSmpTransport extends ListenerBase implements SmpTransport {
  readonly kind = 'ble' as const;
  readonly reassembler: BleReassembler;
  private readonly peerReassembles: boolean;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly link: SmpPacketLink, options: BleTransportOptions = {}) {
    super();
    this.peerReassembles = options.peerReassembles ?? true;
    this.reassembler = new BleReassembler(
      (m) => this.messageListener(m),
      (e) => this.errorListener(e),
      options.maxReceiveBytes,
    );
    link.onData((packet) => this.reassembler.push(packet));
  }

  maxMessageBytes(bufSize: number): number {
    const fragment = this.link.mtu - BT_ATT_HEADER_BYTES;
    return this.peerReassembles ? bufSize : Math.min(bufSize, Math.max(fragment, SMP_HEADER_BYTES));
  }

  /** Sends are chained so the fragments of pipelined messages never interleave. */
  send(message: Uint8Array): Promise<void> {
    const fragments = fragmentMessage(message, this.link.mtu);
    const run = this.tail.then(async () => {
      for (const f of fragments) await this.link.write(f);
    });
    this.tail = run.catch(() => {});
    return run;
  }

  close(): Promise<void> {
    return this.link.close();
  }
}

/**
 * A Web Serial port (navigator.serial in Chromium browsers) as a BytePort, so the AT channel and the
 * SMP serial transport run in a browser against a board on USB. No Node imports and no DOM typings:
 * the few members used are declared here structurally.
 */
import { PortError, PortReceiver, type BytePort } from '../port.ts';

/** The members of the Web Serial `SerialPort` this adapter uses. */
export interface WebSerialPortLike {
  open(options: { baudRate: number; flowControl?: 'none' | 'hardware' }): Promise<void>;
  close(): Promise<void>;
  readonly readable: { getReader(): WebStreamReader } | null;
  readonly writable: { getWriter(): WebStreamWriter } | null;
}
export interface WebStreamReader {
  read(): Promise<{ value?: Uint8Array; done: boolean }>;
  cancel(): Promise<void>;
  releaseLock(): void;
}
export interface WebStreamWriter {
  write(chunk: Uint8Array): Promise<void>;
  releaseLock(): void;
}

export const WEB_SERIAL_DEFAULT_BAUD_RATE = 115_200;

class WebSerialBytePort implements BytePort {
  private readonly rx = new PortReceiver();
  private reader: WebStreamReader | undefined;
  private readLoop: Promise<void> | undefined;

  constructor(private readonly port: WebSerialPortLike) {
    const readable = port.readable;
    if (readable) {
      this.reader = readable.getReader();
      this.readLoop = this.pump(this.reader);
    }
  }

  private async pump(reader: WebStreamReader): Promise<void> {
    let error: Error | undefined;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (!value || value.length === 0) continue;
        this.rx.deliver(Uint8Array.from(value));
      }
    } catch (e) {
      error = e as Error;
    } finally {
      reader.releaseLock();
    }
    this.rx.end(error);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.rx.closed || !this.port.writable) throw new PortError('PORT_CLOSED', 'webSerial.write: port is closed');
    const writer = this.port.writable.getWriter();
    try {
      await writer.write(Uint8Array.from(bytes));
    } catch (e) {
      throw new PortError('PORT_WRITE_FAILED', `webSerial.write: ${(e as Error).message}`);
    } finally {
      writer.releaseLock();
    }
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.rx.onData(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.rx.onClose(listener);
  }

  async close(): Promise<void> {
    if (!this.rx.end()) return;
    await this.reader?.cancel().catch(() => undefined);
    await this.readLoop;
    await this.port.close().catch(() => undefined);
  }
}

/** Opens a port the user picked (`await navigator.serial.requestPort()`); PORT_OPEN_FAILED otherwise. */
export async function openWebSerialPort(port: WebSerialPortLike, options: { baudRate?: number; hardwareFlowControl?: boolean } = {}): Promise<BytePort> {
  try {
    await port.open({ baudRate: options.baudRate ?? WEB_SERIAL_DEFAULT_BAUD_RATE, flowControl: options.hardwareFlowControl ? 'hardware' : 'none' });
  } catch (e) {
    throw new PortError('PORT_OPEN_FAILED', `webSerial.open: ${(e as Error).message}`);
  }
  return new WebSerialBytePort(port);
}

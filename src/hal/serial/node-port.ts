/**
 * A serial device (USB CDC ACM, UART bridge, pseudo-terminal) as a BytePort, on Node's `serialport`.
 * Opened once with its options; bytes in and out as Uint8Array (copies, never the Buffer's pool).
 */
import { SerialPort } from 'serialport';
import { PortError, type BytePort } from '../../transport/at/port.ts';

/** The nRF9160 DK's SLM and Zephyr's smp_svr UART default. */
export const SERIAL_DEFAULT_BAUD_RATE = 115_200;

export interface NodePortOptions {
  path: string;
  baudRate?: number;
  /** Hardware flow control (RTS/CTS); the nRF9160 DK's SLM UART uses it. Default false. */
  rtscts?: boolean;
}

class NodeBytePort implements BytePort {
  private closeListener: ((error?: Error) => void) | undefined;
  private dataListener: ((bytes: Uint8Array) => void) | undefined;
  private pending: Uint8Array[] = [];
  private closed = false;

  constructor(
    private readonly port: SerialPort,
    readonly path: string,
  ) {
    port.on('data', (chunk: Buffer) => {
      const bytes = Uint8Array.from(chunk);
      if (this.dataListener) this.dataListener(bytes);
      else this.pending.push(bytes);
    });
    port.on('close', (err?: Error | null) => this.closedBy(err ?? undefined));
    port.on('error', (err: Error) => this.closedBy(err));
  }

  private closedBy(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeListener?.(error);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new PortError('PORT_CLOSED', `serial.write: ${this.path} is closed`, { path: this.path }));
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (err) => {
        if (err) reject(new PortError('PORT_WRITE_FAILED', `serial.write: ${this.path}: ${err.message}`, { path: this.path }));
        else this.port.drain(() => resolve());
      });
    });
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.dataListener = listener;
    const queued = this.pending;
    this.pending = [];
    for (const b of queued) listener(b);
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListener = listener;
  }

  close(): Promise<void> {
    if (this.closed || !this.port.isOpen) {
      this.closedBy();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.port.close(() => {
        this.closedBy();
        resolve();
      });
    });
  }
}

/** Opens `path`; PortError PORT_OPEN_FAILED when the device is missing, busy or not permitted. */
export function openNodePort(options: NodePortOptions): Promise<BytePort & { path: string }> {
  const { path } = options;
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: options.baudRate ?? SERIAL_DEFAULT_BAUD_RATE, rtscts: options.rtscts ?? false, autoOpen: false });
    port.open((err) => {
      if (err) reject(new PortError('PORT_OPEN_FAILED', `serial.open: ${path}: ${err.message}`, { path }));
      else resolve(new NodeBytePort(port, path));
    });
  });
}

/**
 * A serial device (USB CDC ACM, UART bridge, pseudo-terminal) as a BytePort, on Node's `serialport`.
 * Opened once with its options; bytes in and out as Uint8Array (copies, never the Buffer's pool).
 */
import { SerialPort } from 'serialport';
import { PortError, PortReceiver, type BytePort } from '../port.ts';

/** The nRF9160 DK's SLM and Zephyr's smp_svr UART default. */
export const SERIAL_DEFAULT_BAUD_RATE = 115_200;

export interface NodePortOptions {
  path: string;
  baudRate?: number;
  /** Hardware flow control (RTS/CTS); the nRF9160 DK's SLM UART uses it. Default false. */
  rtscts?: boolean;
}

class NodeBytePort implements BytePort {
  private readonly rx = new PortReceiver();

  constructor(
    private readonly port: SerialPort,
    readonly path: string,
  ) {
    port.on('data', (chunk: Buffer) => this.rx.deliver(Uint8Array.from(chunk)));
    port.on('close', (err?: Error | null) => this.rx.end(err ?? undefined));
    port.on('error', (err: Error) => this.rx.end(err));
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.rx.closed) return Promise.reject(new PortError('PORT_CLOSED', `serial.write: ${this.path} is closed`, { path: this.path }));
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (err) => {
        if (err) reject(new PortError('PORT_WRITE_FAILED', `serial.write: ${this.path}: ${err.message}`, { path: this.path }));
        else this.port.drain(() => resolve());
      });
    });
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.rx.onData(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.rx.onClose(listener);
  }

  /** Closes the device whatever happened before (an error ends the receiver but leaves the port, and its lock, open). */
  close(): Promise<void> {
    if (!this.port.isOpen) {
      this.rx.end();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.port.close(() => {
        this.rx.end();
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

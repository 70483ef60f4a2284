/** The Web Serial adapter against a fake `SerialPort` shaped like the browser's. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openWebSerialPort, type WebSerialPortLike } from '../../../src/hal/serial/web-serial-port.ts';
import { PortError } from '../../../src/hal/port.ts';
import { createMemoryPortPair } from '../../../src/hal/portable/memory-port.ts';
import { AtChannel } from '../../../src/transport/at/channel.ts';
import { SlmEmulator } from '../../../src/boards/slm-emulator.ts';
import { SlmModem } from '../../../src/transport/at/slm-modem.ts';
import { createSimModem } from '../../../src/hal/sim/modem.ts';
import { realClock } from '../../../src/hal/node/real-clock.ts';

function fakePort(options: { failOpen?: boolean } = {}) {
  const toHost: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  let cancelled = false;
  const written: number[] = [];
  const state = { opened: undefined as undefined | { baudRate: number; flowControl?: string }, closed: false };
  const port: WebSerialPortLike = {
    async open(o) {
      if (options.failOpen) throw new Error('NetworkError: failed to open');
      state.opened = o;
    },
    async close() {
      state.closed = true;
    },
    readable: {
      getReader: () => ({
        async read() {
          while (toHost.length === 0 && !cancelled) await new Promise<void>((r) => (wake = r));
          if (cancelled) return { done: true };
          return { value: toHost.shift()!, done: false };
        },
        async cancel() {
          cancelled = true;
          wake?.();
        },
        releaseLock() {},
      }),
    },
    writable: {
      getWriter: () => ({
        async write(chunk: Uint8Array) {
          written.push(...chunk);
        },
        releaseLock() {},
      }),
    },
  };
  return {
    port,
    state,
    written,
    push(bytes: number[]) {
      toHost.push(Uint8Array.from(bytes));
      wake?.();
    },
  };
}

test('opens at 115200 without flow control, passes bytes both ways, closes the port', async () => {
  const f = fakePort();
  const p = await openWebSerialPort(f.port);
  assert.equal(f.state.opened, { baudRate: 115200, flowControl: 'none' });
  const got: number[] = [];
  p.onData((b) => got.push(...b));
  f.push([0x4f, 0x4b]);
  f.push([0x0d, 0x0a]);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(got, [0x4f, 0x4b, 0x0d, 0x0a]);
  await p.write(Uint8Array.from([0x41, 0x54]));
  assert.equal(f.written, [0x41, 0x54]);
  let closedWith: unknown = 'not called';
  p.onClose((e) => (closedWith = e));
  await p.close();
  assert.is(closedWith, undefined);
  assert.is(f.state.closed, true);
  try {
    await p.write(Uint8Array.from([1]));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, PortError);
    assert.is((e as PortError).code, 'PORT_CLOSED');
  }
});

test('a port that will not open is PORT_OPEN_FAILED', async () => {
  try {
    await openWebSerialPort(fakePort({ failOpen: true }).port);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, PortError);
    assert.is((e as PortError).code, 'PORT_OPEN_FAILED');
  }
});

test('the SLM modem runs over the Web Serial adapter (fake browser port bridged to the emulated SLM)', async () => {
  const { a, b } = createMemoryPortPair();
  const sim = createSimModem();
  const emulator = new SlmEmulator({ port: b, modem: sim, dialect: 'serial-modem', initialCfun: 1 });
  const incoming: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  let cancelled = false;
  a.onData((bytes) => {
    incoming.push(bytes);
    wake?.();
  });
  const browserPort: WebSerialPortLike = {
    open: async () => undefined,
    close: async () => undefined,
    readable: {
      getReader: () => ({
        async read() {
          while (incoming.length === 0 && !cancelled) await new Promise<void>((r) => (wake = r));
          return cancelled ? { done: true } : { value: incoming.shift()!, done: false };
        },
        async cancel() {
          cancelled = true;
          wake?.();
        },
        releaseLock() {},
      }),
    },
    writable: { getWriter: () => ({ write: (chunk: Uint8Array) => a.write(chunk), releaseLock() {} }) },
  };
  const port = await openWebSerialPort(browserPort);
  const channel = new AtChannel(port, realClock);
  const modem = new SlmModem({ channel });
  assert.is(await modem.dialect(), 'serial-modem');
  assert.equal(await modem.credentials.list(), []);
  await channel.close();
  await emulator.shutdown();
  await a.close();
});

test.run();

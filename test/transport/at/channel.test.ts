import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AtChannel, AT_LINE_MAX_BYTES, AT_PAYLOAD_MAX_BYTES, commandPrefix } from '../../../src/transport/at/channel.ts';
import { AtError } from '../../../src/transport/at/errors.ts';
import { createMemoryPortPair } from '../../../src/hal/portable/memory-port.ts';
import type { BytePort } from '../../../src/hal/port.ts';
import { concatBytes, utf8Decode, utf8Encode } from '../../../src/hal/bytes.ts';
import { realClock } from '../../../src/hal/node/real-clock.ts';
import type { Clock } from '../../../src/hal/clock.ts';
import { VirtualClock } from '../../../src/hal/sim/clock.ts';

/** A scripted modem: for each command line received, answers with what `script` returns. */
function scriptedModem(port: BytePort, script: (command: string) => (string | Uint8Array)[] | undefined): string[] {
  const seen: string[] = [];
  let buf = '';
  port.onData((bytes) => {
    buf += String.fromCharCode(...bytes);
    let i: number;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const cmd = buf.slice(0, i);
      buf = buf.slice(i + 2);
      seen.push(cmd);
      const out = script(cmd);
      if (out) for (const o of out) void port.write(typeof o === 'string' ? utf8Encode(o) : o);
    }
  });
  return seen;
}

async function rejection(p: Promise<unknown>): Promise<AtError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, AtError);
    return e as AtError;
  }
  throw new Error('expected a rejection');
}

function setup(script: (command: string) => (string | Uint8Array)[] | undefined, timeoutMs = 300, clock: Clock = realClock) {
  const { a, b } = createMemoryPortPair();
  const seen = scriptedModem(b, script);
  const at = new AtChannel(a, clock, { defaultTimeoutMs: timeoutMs });
  return { at, seen, modemPort: b };
}

test('commandPrefix names the command a reply line belongs to', () => {
  assert.is(commandPrefix('AT#XRECV=1'), '#XRECV');
  assert.is(commandPrefix('AT%CMNG=1'), '%CMNG');
  assert.is(commandPrefix('at+cfun?'), '+CFUN');
  assert.is(commandPrefix('AT'), '');
});

test('a command resolves on OK with its information lines', async () => {
  const { at, seen } = setup((c) => (c === 'AT+CFUN?' ? ['\r\n+CFUN: 1\r\n', '\r\nOK\r\n'] : undefined));
  const reply = await at.command('AT+CFUN?');
  assert.equal(reply.lines, ['+CFUN: 1']);
  assert.is(reply.payload, undefined);
  assert.equal(seen, ['AT+CFUN?']);
  await at.close();
});

test('ERROR rejects with AT_ERROR and +CME ERROR with AT_CME_ERROR carrying the number', async () => {
  const { at } = setup((c) => (c === 'AT+X' ? ['ERROR\r\n'] : ['+CME ERROR: 518\r\n']));
  const e1 = await rejection(at.command('AT+X'));
  assert.is(e1.code, 'AT_ERROR');
  const e2 = await rejection(at.command('AT%CMNG=3,1,0'));
  assert.is(e2.code, 'AT_CME_ERROR');
  assert.equal(e2.context, { cme: 518 });
  await at.close();
});

test('an unnumbered +CME ERROR is AT_BAD_REPLY', async () => {
  const { at } = setup(() => ['+CME ERROR: phone failure\r\n']);
  assert.is((await rejection(at.command('AT+X'))).code, 'AT_BAD_REPLY');
  await at.close();
});

test('no final result within the time limit rejects with AT_TIMEOUT', async () => {
  const clock = new VirtualClock();
  const { at } = setup(() => ['+CFUN: 1\r\n'], 300, clock);
  const t0 = clock.now();
  const e = await rejection(at.command('AT+CFUN?', { timeoutMs: 100 }));
  assert.is(e.code, 'AT_TIMEOUT');
  assert.equal(e.context, { timeoutMs: 100 });
  // The watchdog gives up at the deadline, not before and not a tick later.
  assert.is(clock.now() - t0, 100);
  await at.close();
});

test('commands run one at a time in order', async () => {
  const order: string[] = [];
  const { at, seen } = setup((c) => {
    order.push(c);
    return [`+R: "${c}"\r\nOK\r\n`];
  });
  const replies = await Promise.all(['AT+A', 'AT+B', 'AT+C'].map((c) => at.command(c)));
  assert.equal(replies.map((r) => r.lines[0]), ['+R: "AT+A"', '+R: "AT+B"', '+R: "AT+C"']);
  assert.equal(seen, ['AT+A', 'AT+B', 'AT+C']);
  await at.close();
});

test('a binary payload after #XRECV: <size> is read as exact raw bytes, CR and LF included', async () => {
  const data = Uint8Array.from([0x0d, 0x0a, 0x4f, 0x4b, 0x0d, 0x0a, 0x00, 0xff, 0x80]);
  const { at } = setup(() => [utf8Encode(`#XRECV: ${data.length}\r\n`), data, utf8Encode('\r\nOK\r\n')]);
  const reply = await at.command('AT#XRECV=1', {
    payloadLength: (line) => (line.startsWith('#XRECV:') ? Number(line.slice(7)) : undefined),
  });
  assert.equal(reply.payload, data);
  assert.equal(reply.lines, [`#XRECV: ${data.length}`]);
  await at.close();
});

test('a payload split across many chunks arrives whole', async () => {
  const data = new Uint8Array(1000).map((_, i) => i & 0xff);
  const { a, b } = createMemoryPortPair({
    bToA: (bytes) => Array.from({ length: Math.ceil(bytes.length / 7) }, (_, k) => bytes.subarray(k * 7, k * 7 + 7)),
  });
  scriptedModem(b, () => [concatBytes(utf8Encode('#XRECV: 1000\r\n'), data, utf8Encode('\r\nOK\r\n'))]);
  const at = new AtChannel(a, realClock, { defaultTimeoutMs: 500 });
  const reply = await at.command('AT#XRECV=1', { payloadLength: (l) => (l.startsWith('#XRECV:') ? Number(l.slice(7)) : undefined) });
  assert.equal(reply.payload, data);
  await at.close();
});

test('a payload over the limit is AT_BAD_REPLY', async () => {
  const { at } = setup(() => [`#XRECV: ${AT_PAYLOAD_MAX_BYTES + 1}\r\n`]);
  const e = await rejection(at.command('AT#XRECV=1', { payloadLength: (l) => Number(l.slice(7)) }));
  assert.is(e.code, 'AT_BAD_REPLY');
  assert.equal(e.context, { length: AT_PAYLOAD_MAX_BYTES + 1 });
  await at.close();
});

test('unsolicited lines go to their handler, during a command and between commands', async () => {
  const { at, modemPort } = setup(() => ['#XFOTA: 1,0,10\r\n+CFUN: 1\r\nOK\r\n']);
  const urcs: string[] = [];
  at.onUnsolicited('#XFOTA', (l) => urcs.push(l));
  const reply = await at.command('AT+CFUN?');
  assert.equal(reply.lines, ['+CFUN: 1']);
  await modemPort.write(utf8Encode('#XFOTA: 5,0\r\n'));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(urcs, ['#XFOTA: 1,0,10', '#XFOTA: 5,0']);
  assert.is(at.stats().urcs, 2);
  await at.close();
});

test('a line with the running command\'s own prefix belongs to the command, not a URC handler', async () => {
  const { at } = setup(() => ['#XSOCKET: 0,"closed"\r\nOK\r\n']);
  const urcs: string[] = [];
  at.onUnsolicited('#XSOCKET', (l) => urcs.push(l));
  const reply = await at.command('AT#XSOCKET=0');
  assert.equal(reply.lines, ['#XSOCKET: 0,"closed"']);
  assert.equal(urcs, []);
  await at.close();
});

test('a garbled reply is AT_BAD_REPLY and the next command works after resync', async () => {
  let n = 0;
  const { at } = setup(() => (n++ === 0 ? [Uint8Array.from([0x2b, 0x01, 0xfe, 0x0d, 0x0a]), 'OK\r\n'] : ['+CFUN: 4\r\nOK\r\n']));
  const e = await rejection(at.command('AT+CFUN?'));
  assert.is(e.code, 'AT_BAD_REPLY');
  const reply = await at.command('AT+CFUN?');
  assert.equal(reply.lines, ['+CFUN: 4']);
  assert.is(at.stats().resyncs, 1);
  await at.close();
});

test('an overlong line is AT_BAD_REPLY and the rest of it is skipped up to the next line end', async () => {
  let n = 0;
  const { at } = setup(() => (n++ === 0 ? ['+X: ' + 'A'.repeat(AT_LINE_MAX_BYTES + 10) + '\r\nOK\r\n'] : ['OK\r\n']));
  assert.is((await rejection(at.command('AT+X'))).code, 'AT_BAD_REPLY');
  assert.equal((await at.command('AT')).lines, []);
  await at.close();
});

test('commands are refused before sending when they are not AT or break the line outside quotes', async () => {
  const { at, seen } = setup(() => ['OK\r\n']);
  assert.is((await rejection(at.command('ATI\r\nAT+CFUN=0'))).code, 'AT_BAD_COMMAND');
  assert.is((await rejection(at.command('+CFUN=0'))).code, 'AT_BAD_COMMAND');
  await at.command('AT%CMNG=0,1,0,"-----BEGIN\nX\n-----END"');
  assert.equal(seen, ['AT%CMNG=0,1,0,"-----BEGIN\nX\n-----END"']);
  await at.close();
});

test('closing the port rejects the outstanding command with AT_CLOSED, and later commands too', async () => {
  const { at, modemPort } = setup(() => undefined, 2000);
  const p = at.command('AT+CFUN?');
  await new Promise((r) => setTimeout(r, 5));
  await modemPort.close();
  assert.is((await rejection(p)).code, 'AT_CLOSED');
  assert.is((await rejection(at.command('AT'))).code, 'AT_CLOSED');
});

test('echoed commands are skipped', async () => {
  const { at } = setup((c) => [`${c}\r\n+CGSN: "35"\r\nOK\r\n`]);
  assert.equal((await at.command('AT+CGSN=1')).lines, ['+CGSN: "35"']);
  await at.close();
});

test('utf8Decode of a received reply is not needed: lines are ASCII', () => {
  assert.is(utf8Decode(utf8Encode('OK')), 'OK');
});

test('data mode: the command, raw bytes and terminator after OK, done at the status line', async () => {
  const { a, b } = createMemoryPortPair();
  const received: number[] = [];
  let mode: 'cmd' | 'data' = 'cmd';
  let buf = '';
  b.onData((bytes) => {
    if (mode === 'data') {
      received.push(...bytes);
      if (String.fromCharCode(...received.slice(-3)) === '+++') void b.write(utf8Encode('#XDATAMODE: 0\r\n'));
      return;
    }
    buf += String.fromCharCode(...bytes);
    if (buf === 'AT#XSEND\r\n') {
      mode = 'data';
      void b.write(utf8Encode('OK\r\n'));
    }
  });
  const at = new AtChannel(a, realClock, { defaultTimeoutMs: 500 });
  const data = utf8Encode('If-Range: "abc"\r\n');
  const reply = await at.dataMode('AT#XSEND', data, utf8Encode('+++'), '#XDATAMODE');
  assert.equal(reply.lines, ['#XDATAMODE: 0']);
  assert.equal(Uint8Array.from(received), concatBytes(data, utf8Encode('+++')));
  await at.close();
});

test('a reply that fails while the write is still draining is no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  let listener: (b: Uint8Array) => void = () => {};
  const port: BytePort = {
    // Like a serial port waiting for drain: the modem's answer arrives before the write resolves.
    write: async () => {
      listener(utf8Encode('ERROR\r\n'));
      await new Promise((r) => setTimeout(r, 20));
    },
    onData: (l) => (listener = l),
    onClose: () => {},
    close: async () => {},
  };
  const at = new AtChannel(port, realClock);
  assert.is((await rejection(at.command('AT#XCLOSE=?'))).code, 'AT_ERROR');
  await new Promise((r) => setTimeout(r, 10));
  process.off('unhandledRejection', onUnhandled);
  assert.equal(unhandled, []);
  await at.close();
});

test.run();

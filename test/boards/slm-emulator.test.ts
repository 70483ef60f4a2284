/**
 * The emulated SLM on the wire: raw AT lines in, the SLM's replies out, including refusals and noise.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemoryPortPair } from '../../src/hal/portable/memory-port.ts';
import { SlmEmulator, SLM_EMU_COMMAND_MAX_BYTES } from '../../src/boards/slm-emulator.ts';
import { createSimModem } from '../../src/hal/sim/modem.ts';
import { sharedTestPki } from '../../src/server/pki.ts';
import type { SlmDialect } from '../../src/transport/at/slm.ts';

function wire(dialect: SlmDialect, initialCfun = 1) {
  const { a, b } = createMemoryPortPair();
  const modem = createSimModem();
  const emulator = new SlmEmulator({ port: b, modem, dialect, initialCfun });
  let out = '';
  let arrived: (() => void) | undefined;
  a.onData((bytes) => {
    out += String.fromCharCode(...bytes);
    arrived?.();
  });
  const finals = (): number => (out.match(/(?<=^|\n)(OK|ERROR|\+CME ERROR: \d+)\r\n/g) ?? []).length;
  return {
    emulator,
    /** Sends raw text and resolves with everything answered once `count` final results arrived. */
    async send(text: string, count = 1): Promise<string> {
      out = '';
      await a.write(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff));
      // Woken by each reply, not polled against a deadline: only a missing reply fails, after a
      // generous hang guard (a loaded machine may be slow; the emulator's replies are not timed).
      let hung = false;
      const guard = setTimeout(() => {
        hung = true;
        arrived?.();
      }, 30_000);
      try {
        while (finals() < count) {
          await new Promise<void>((r) => (arrived = r));
          if (hung && finals() < count) throw new Error(`no reply to ${JSON.stringify(text.slice(0, 40))}: ${JSON.stringify(out)}`);
        }
      } finally {
        arrived = undefined;
        clearTimeout(guard);
      }
      return out;
    },
    async close() {
      await emulator.shutdown();
      await modem.closeAll();
      await a.close();
    },
  };
}

test('AT answers OK; unknown commands and malformed parameters answer ERROR', async () => {
  const w = wire('legacy');
  assert.is(await w.send('AT\r\n'), 'OK\r\n');
  assert.is(await w.send('AT+FOO\r\n'), 'ERROR\r\n');
  assert.is(await w.send('AT%CMNG=1,(\r\n'), 'ERROR\r\n');
  assert.is(await w.send('AT#XRECV=1,,\r\n'), 'ERROR\r\n');
  await w.close();
});

test('credential writes need the modem offline: +CME ERROR: 518 at CFUN=1', async () => {
  const pki = await sharedTestPki();
  const w = wire('legacy');
  const pem = pki.roots.amazonRootCa1.pem;
  assert.is(await w.send(`AT%CMNG=0,42,0,"${pem}"\r\n`), '+CME ERROR: 518\r\n');
  assert.is(await w.send('AT+CFUN=4\r\n'), 'OK\r\n');
  assert.is(await w.send(`AT%CMNG=0,42,0,"${pem}"\r\n`), 'OK\r\n');
  assert.match(await w.send('AT%CMNG=1\r\n'), /^%CMNG: 42,0,"[0-9A-F]{64}"\r\nOK\r\n$/);
  assert.is(await w.send('AT%CMNG=3,42,1\r\n'), '+CME ERROR: 513\r\n');
  assert.is(await w.send('AT+CFUN?\r\n'), '+CFUN: 4\r\nOK\r\n');
  await w.close();
});

test('boots offline like the SLM (CFUN=0, not registered); going online registers and reports +CEREG', async () => {
  const w = wire('legacy', 0);
  assert.is(await w.send('AT+CFUN?\r\n'), '+CFUN: 0\r\nOK\r\n');
  assert.is(await w.send('AT+CEREG?\r\n'), '+CEREG: 0,0\r\nOK\r\n');
  assert.is(await w.send('AT#XSSOCKET=1,1,0,7,2\r\n'), 'ERROR\r\n');
  assert.is(await w.send('AT+CEREG=1\r\n'), 'OK\r\n');
  assert.is(await w.send('AT+CFUN=1\r\n'), 'OK\r\n+CEREG: 1\r\n');
  assert.is(await w.send('AT+CEREG?\r\n'), '+CEREG: 1,1\r\nOK\r\n');
  await w.close();
});

test('the NCS 3.x probe answers OK on the Serial Modem and ERROR on the legacy SLM', async () => {
  const legacy = wire('legacy');
  assert.is(await legacy.send('AT#XCLOSE=?\r\n'), 'ERROR\r\n');
  await legacy.close();
  const sm = wire('serial-modem');
  assert.is(await sm.send('AT#XCLOSE=?\r\n'), '#XCLOSE: (0-7)\r\nOK\r\n');
  await sm.close();
});

test('socket commands without a socket are ENOTCONN (+CME ERROR: 128)', async () => {
  const w = wire('serial-modem');
  assert.is(await w.send('AT#XRECV=0,1,0,1,100\r\n'), '+CME ERROR: 128\r\n');
  assert.is(await w.send('AT#XSSOCKET=1,1,0,7,2\r\n'), '#XSSOCKET: 0,1,258\r\nOK\r\n');
  assert.is(await w.send('AT#XSEND=0,1,0,"00"\r\n'), '+CME ERROR: 128\r\n');
  assert.is(await w.send('AT#XCLOSE=0\r\n'), '#XCLOSE: 0,0\r\nOK\r\n');
  await w.close();
});

test('a line break inside quotes continues the command (PEM content), as on the real SLM', async () => {
  const w = wire('legacy');
  assert.is(await w.send('AT#XSSOCKETOPT=1,2,"a\r\nb"\r\n'), '+CME ERROR: 128\r\n');
  assert.equal(w.emulator.commands, ['AT#XSSOCKETOPT=1,2,"a\r\nb"']);
  await w.close();
});

test('noise and an overlong line answer ERROR, and the next command works', async () => {
  const w = wire('legacy');
  assert.is(await w.send('\x00\xff\x13garbage\r\n'), 'ERROR\r\n');
  assert.is(await w.send(`AT${'X'.repeat(SLM_EMU_COMMAND_MAX_BYTES + 5)}\r\n`), 'ERROR\r\n');
  assert.is(await w.send('AT+CFUN?\r\n'), '+CFUN: 1\r\nOK\r\n');
  await w.close();
});

test('ATE1 echoes commands, ATE0 stops it', async () => {
  const w = wire('legacy');
  assert.is(await w.send('ATE1\r\n'), 'OK\r\n');
  assert.is(await w.send('AT+CFUN?\r\n'), 'AT+CFUN?\r\n+CFUN: 1\r\nOK\r\n');
  assert.is(await w.send('ATE0\r\n'), 'ATE0\r\nOK\r\n');
  assert.is(await w.send('AT\r\n'), 'OK\r\n');
  assert.equal(w.emulator.commands.slice(-2), ['ATE0', 'AT']);
  await w.close();
});

test('commands pipelined in one write are answered in order', async () => {
  const w = wire('legacy');
  assert.is(await w.send('AT+CFUN=4\r\nAT+CFUN?\r\nAT+CFUN=1\r\nAT+CFUN?\r\n', 4), 'OK\r\n+CFUN: 4\r\nOK\r\nOK\r\n+CFUN: 1\r\nOK\r\n');
  await w.close();
});

test.run();

/**
 * The AT channel and the SLM reply parsers under noise, truncation and wrong replies: every failure
 * is a typed AtError with a known code, nothing hangs, and the line recovers once the noise stops.
 */
import { mulberry32, unitInterval } from '../../../src/hal/prng.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AtChannel } from '../../../src/transport/at/channel.ts';
import { AtError } from '../../../src/transport/at/errors.ts';
import { createMemoryPortPair } from '../../../src/hal/portable/memory-port.ts';
import { concatBytes, utf8Encode } from '../../../src/hal/bytes.ts';
import { realClock } from '../../../src/hal/node/real-clock.ts';
import { legacyRecvPayloadLength, parseCmngList, parseConnect, parseRecv, parseSend, parseSocketOpen } from '../../../src/transport/at/slm.ts';
import { parseParams } from '../../../src/transport/at/replies.ts';

const CODES = new Set(['AT_TIMEOUT', 'AT_ERROR', 'AT_CME_ERROR', 'AT_BAD_REPLY']);
const ROUNDS = 40;

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  return unitInterval(mulberry32(seed));
}

const GOOD_REPLY = utf8Encode('#XRECV: 5\r\nhello\r\nOK\r\n');
const WRONG_REPLIES = ['ERROR\r\n', '+CME ERROR: 999\r\n', '+CME ERROR: x\r\n', '#XRECV: 99999\r\n', '#XRECV: -3\r\n', '#XRECV: "a"\r\nOK\r\n', '\x00\xff\r\n'];

function mutate(r: () => number, reply: Uint8Array): Uint8Array {
  const kind = Math.floor(r() * 5);
  if (kind === 0) return reply.subarray(0, Math.floor(r() * reply.length)); // truncated
  if (kind === 1) return utf8Encode(WRONG_REPLIES[Math.floor(r() * WRONG_REPLIES.length)]!); // wrong
  const noise = new Uint8Array(1 + Math.floor(r() * 40)).map(() => Math.floor(r() * 256));
  if (kind === 2) return concatBytes(noise, utf8Encode('\r\n'), reply); // noise line first
  if (kind === 3) {
    const cut = Math.floor(r() * reply.length); // noise inside
    return concatBytes(reply.subarray(0, cut), noise, reply.subarray(cut));
  }
  return reply;
}

test('noise, truncation and wrong replies give typed AtErrors and the line recovers', async () => {
  const r = rng(7);
  const { a, b } = createMemoryPortPair();
  let mode: 'fuzz' | 'clean' = 'fuzz';
  let buf = '';
  b.onData((bytes) => {
    buf += String.fromCharCode(...bytes);
    let i: number;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      buf = buf.slice(i + 2);
      void b.write(mode === 'clean' ? GOOD_REPLY : mutate(r, GOOD_REPLY));
    }
  });
  const at = new AtChannel(a, realClock, { defaultTimeoutMs: 80 });
  const seen = new Map<string, number>();
  let ok = 0;
  for (let k = 0; k < ROUNDS; k++) {
    try {
      const reply = await at.command('AT#XRECV=1', { payloadLength: legacyRecvPayloadLength });
      parseRecv(reply, 'legacy', 0, 100);
      ok++;
    } catch (e) {
      assert.instance(e, AtError);
      const code = (e as AtError).code;
      assert.ok(CODES.has(code), code);
      seen.set(code, (seen.get(code) ?? 0) + 1);
    }
  }
  assert.ok(seen.size >= 3, `codes seen: ${[...seen.keys()]}`);
  assert.ok(ok > 0);
  mode = 'clean';
  for (let k = 0; k < 3; k++) {
    const reply = await at.command('AT#XRECV=1', { payloadLength: legacyRecvPayloadLength });
    assert.equal(parseRecv(reply, 'legacy', 0, 100), utf8Encode('hello'));
  }
  await at.close();
});

/** Lines every parser must refuse with AT_BAD_REPLY. */
const BAD_LINES = ['', ':', '#XRECV', '#XRECV: ', '#XRECV: 1,', '#XRECV: "', '#XRECV: 1 2', '#XRECV: 99999999999', '%CMNG: 1', '%CMNG: "a",0', '#XSEND: -', '#XCONNECT: 0', '#XSSOCKET: 1', '#XSSOCKET: -1,1,258'];

test('every SLM reply parser refuses each bad line with AT_BAD_REPLY', () => {
  const parsers: [string, (lines: string[]) => unknown][] = [
    ['socket', (lines) => parseSocketOpen({ lines }, true)],
    ['connect', (lines) => parseConnect({ lines }, 'legacy', 0)],
    ['connect-3x', (lines) => parseConnect({ lines }, 'serial-modem', 0)],
    ['send', (lines) => parseSend({ lines }, 'legacy')],
    ['send-3x', (lines) => parseSend({ lines }, 'serial-modem')],
    ['recv-3x', (lines) => parseRecv({ lines }, 'serial-modem', 0, 100)],
    ['cmng', (lines) => parseCmngList({ lines })],
  ];
  for (const [name, parse] of parsers) {
    for (const line of BAD_LINES) {
      if (name === 'cmng' && line === '') continue; // an empty list is a valid empty store
      try {
        parse(line === '' ? [] : [line]);
        assert.unreachable(`${name} accepted '${line}'`);
      } catch (e) {
        assert.instance(e, AtError, `${name} '${line}': ${(e as Error).message}`);
        assert.is((e as AtError).code, 'AT_BAD_REPLY', `${name} '${line}'`);
      }
    }
  }
});

test('random parameter strings parse or fail with AT_BAD_REPLY, nothing else', () => {
  const r = rng(11);
  const alphabet = '0123456789,"- abcXYZ.:\t';
  for (let k = 0; k < 2000; k++) {
    const s = Array.from({ length: Math.floor(r() * 20) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    try {
      parseParams(s);
    } catch (e) {
      assert.instance(e, AtError);
      assert.is((e as AtError).code, 'AT_BAD_REPLY');
    }
  }
});

test.run();

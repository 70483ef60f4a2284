/**
 * The SLM modem on a noisy serial line (noise lines, bytes flipped, replies cut short) while it does TLS
 * connects and HTTP range GETs through the emulator: every failure is a typed FotaError, nothing hangs,
 * and once the line is clean the same modem connects and downloads again.
 */
import { mulberry32, unitInterval } from '../../../src/hal/prng.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CDN_HOST, sharedTestPki } from '../../../src/server/pki.ts';
import { createSimModem } from '../../../src/hal/sim/modem.ts';
import { AtChannel } from '../../../src/transport/at/channel.ts';
import { createMemoryPortPair } from '../../../src/hal/portable/memory-port.ts';
import { SlmEmulator } from '../../../src/boards/slm-emulator.ts';
import { SlmModem } from '../../../src/transport/at/slm-modem.ts';
import { realClock } from '../../../src/hal/node/real-clock.ts';
import { httpGet } from '../../../src/transport/http/client.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';
import { FotaError } from '../../../src/hal/errors.ts';
import type { SlmDialect } from '../../../src/transport/at/slm.ts';

const ROUNDS = 12;
/** Chance that a chunk from the modem is garbled while the line is noisy. */
const GARBLE_CHANCE = 0.08;
const AT_TIMEOUT_MS = 400;
const BODY = new Uint8Array(3000).map((_, i) => (i * 11) & 0xff);

function rng(seed: number): () => number {
  return unitInterval(mulberry32(seed));
}

function garble(r: () => number, bytes: Uint8Array): Uint8Array[] {
  const kind = Math.floor(r() * 3);
  if (kind === 0) return [bytes.subarray(0, Math.floor(r() * bytes.length))];
  if (kind === 1) {
    const copy = Uint8Array.from(bytes);
    copy[Math.floor(r() * copy.length)] ^= 0x80;
    return [copy];
  }
  return [Uint8Array.from({ length: 1 + Math.floor(r() * 30) }, () => Math.floor(r() * 256)), Uint8Array.from([0x0d, 0x0a]), bytes];
}

for (const dialect of ['legacy', 'serial-modem'] as const satisfies readonly SlmDialect[]) {
  test(`${dialect}: a noisy line gives typed errors only, and the modem works again once it is clean`, async () => {
    const pki = await sharedTestPki();
    const server = https.createServer({ key: pki.cdn.keyPem, cert: pki.cdn.chainPem }, (req, res) => {
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')!;
      const from = Number(m[1]);
      const to = Number(m[2]);
      res.writeHead(206, { 'content-range': `bytes ${from}-${to}/${BODY.length}`, 'content-length': String(to - from + 1) });
      res.end(BODY.subarray(from, to + 1));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const sim = createSimModem({ hosts: { [DEFAULT_CDN_HOST]: { address: '127.0.0.1', ports: { 443: port } } } });
    const r = rng(dialect === 'legacy' ? 21 : 22);
    let noisy = false;
    const { a, b } = createMemoryPortPair({ bToA: (bytes) => (noisy && r() < GARBLE_CHANCE ? garble(r, bytes) : [bytes]) });
    const emulator = new SlmEmulator({ port: b, modem: sim, dialect, initialCfun: 1 });
    const channel = new AtChannel(a, realClock, { defaultTimeoutMs: AT_TIMEOUT_MS });
    const modem = new SlmModem({ channel, dialect, clock: realClock, commandTimeoutMs: AT_TIMEOUT_MS, atMarginMs: AT_TIMEOUT_MS });
    const get = () =>
      httpGet(`https://${DEFAULT_CDN_HOST}/f`, {
        connect: (host, p) => modem.connect({ host, port: p, tls: { secTags: [7], peerVerify: 'required' } }),
        clock: realClock,
        headers: [['Range', 'bytes=100-1099']],
        responseTimeoutMs: 1000,
        idleTimeoutMs: 1000,
      });
    try {
      await modem.credentials.write(7, CREDENTIAL_TYPE.rootCa, pki.roots.digicertGlobalRootG2.pem);
      noisy = true;
      const codes = new Map<string, number>();
      let ok = 0;
      for (let k = 0; k < ROUNDS; k++) {
        const t0 = Date.now();
        try {
          const res = await get();
          if (res.status === 206 && res.body.length === 1000) ok++;
        } catch (e) {
          assert.instance(e, FotaError, String(e));
          codes.set((e as FotaError).code, (codes.get((e as FotaError).code) ?? 0) + 1);
        }
        if (process.env.FUZZ_DEBUG) console.log(dialect, k, Date.now() - t0, [...codes]);
      }
      assert.ok(codes.size > 0, 'the noise caused failures');
      noisy = false;
      let recovered = false;
      for (let attempt = 0; attempt < 3 && !recovered; attempt++) {
        try {
          const res = await get();
          assert.equal(res.body, BODY.subarray(100, 1100));
          recovered = true;
        } catch (e) {
          assert.instance(e, FotaError);
        }
      }
      assert.ok(recovered, `no recovery; codes under noise: ${JSON.stringify([...codes])}, ok ${ok}`);
    } finally {
      await channel.close();
      await emulator.shutdown();
      await sim.closeAll();
      server.closeAllConnections();
      await new Promise((res) => server.close(res));
    }
  });
}

test.run();

/**
 * The simulated modem's TLS policy against real servers on 127.0.0.1 (docs/nrf9160-modem-tls.md): weak
 * keys, SHA-1 signatures and TLS < 1.2 each fail the handshake with their own code, and an
 * end-of-stream that comes right after the handshake is never lost.
 */
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FotaError } from '../../../src/hal/errors.ts';
import { CREDENTIAL_TYPE } from '../../../src/hal/net.ts';
import { createSimModem } from '../../../src/hal/sim/modem.ts';
import { signatureOid } from '../../../src/hal/sim/tls-policy.ts';
import { createWeakPki, type WeakLeaf, type WeakPki } from './weak-pki.ts';

const HOST = 'weak.fotakit.test';
const TAG = 7;
/** Lets a test server present what OpenSSL's defaults would refuse to load (SHA-1, TLS 1.0/1.1). */
const LEGACY: tls.TlsOptions = { ciphers: 'DEFAULT:@SECLEVEL=0' };

let pki: WeakPki;

async function outcome(leaf: WeakLeaf, extra: tls.TlsOptions = {}, onSocket: (s: tls.TLSSocket) => void = (s) => s.end()): Promise<string> {
  const server = tls.createServer({ key: leaf.keyPem, cert: leaf.chainPem, ...extra }, (s) => {
    s.on('error', () => {});
    onSocket(s);
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const modem = createSimModem({ hosts: { [HOST]: '127.0.0.1' } });
  await modem.credentials.write(TAG, CREDENTIAL_TYPE.rootCa, pki.rootPem);
  try {
    const s = await modem.connect({ host: HOST, port: (server.address() as net.AddressInfo).port, tls: { secTags: [TAG], peerVerify: 'required' } });
    const first = await s.recv(16, 10_000);
    return first.length === 0 ? 'end-of-stream' : 'data';
  } catch (e) {
    assert.instance(e, FotaError);
    return (e as FotaError).code;
  } finally {
    await modem.closeAll();
    await new Promise((r) => server.close(r));
  }
}

test.before(async () => {
  pki = await createWeakPki(HOST);
});

test('a leaf with a 1024-bit RSA key: CERT_WEAK_KEY; 2048 bits passes', async () => {
  assert.is(await outcome(pki.rsa1024), 'CERT_WEAK_KEY');
  assert.is(await outcome(pki.rsa2048), 'end-of-stream');
});

test('a leaf on P-521: CERT_WEAK_KEY (only P-256 and P-384); P-384 passes', async () => {
  assert.is(await outcome(pki.p521), 'CERT_WEAK_KEY');
  assert.is(await outcome(pki.p384), 'end-of-stream');
});

test('a leaf signed with ECDSA-SHA1: CERT_WEAK_SIGNATURE', async () => {
  assert.is(await outcome(pki.sha1, LEGACY), 'CERT_WEAK_SIGNATURE');
});

test('a server speaking only TLS 1.1 or 1.0: TLS_VERSION_UNSUPPORTED', async () => {
  assert.is(await outcome(pki.p384, { ...LEGACY, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }), 'TLS_VERSION_UNSUPPORTED');
  assert.is(await outcome(pki.p384, { ...LEGACY, minVersion: 'TLSv1', maxVersion: 'TLSv1' }), 'TLS_VERSION_UNSUPPORTED');
});

test('a server that closes right after the handshake: recv sees end-of-stream (not a timeout)', async () => {
  // recv waits up to 10 s: a lost close would be ETIMEDOUT, never 'end-of-stream'.
  assert.is(await outcome(pki.p384, {}, (s) => s.end()), 'end-of-stream');
  assert.is(await outcome(pki.p384, {}, (s) => setImmediate(() => s.end())), 'end-of-stream');
});

test('signatureOid reads the algorithm of a certificate and rejects truncated DER', () => {
  const der = new Uint8Array(new X509Certificate(pki.sha1.chainPem).raw);
  assert.equal([...signatureOid(der)!], [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01]);
  assert.is(signatureOid(der.subarray(0, 10)), undefined);
  assert.is(signatureOid(new Uint8Array(0)), undefined);
});

test.run();

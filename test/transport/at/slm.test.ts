import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  cmeForCode,
  cmngWriteCommand,
  connectCommand,
  hostnameCommand,
  legacyRecvPayloadLength,
  legacySendable,
  openTlsSocketCommand,
  parseCmngList,
  parseConnect,
  parseRecv,
  parseSend,
  recvCommand,
  sendCommand,
  slmError,
  closeCommand,
} from '../../../src/transport/at/slm.ts';
import { AtError } from '../../../src/transport/at/errors.ts';
import { NetError, TlsError, type FotaErrorCode } from '../../../src/hal/errors.ts';

const SHA = 'AB'.repeat(32);

test('commands in the legacy dialect', () => {
  assert.is(openTlsSocketCommand(1001, 'required'), 'AT#XSSOCKET=1,1,0,1001,2');
  assert.is(hostnameCommand('legacy', 0, 'cdn.test'), 'AT#XSSOCKETOPT=1,2,"cdn.test"');
  assert.is(connectCommand('legacy', 0, 'cdn.test', 443), 'AT#XCONNECT="cdn.test",443');
  assert.is(sendCommand('legacy', 0, Uint8Array.from([0x47, 0x0d, 0x0a])), 'AT#XSEND="G\r\n"');
  assert.is(recvCommand('legacy', 0, 30, 4096), 'AT#XRECV=30');
  assert.is(closeCommand('legacy', 0), 'AT#XSOCKET=0');
  assert.is(cmngWriteCommand(7, 0, 'PEM'), 'AT%CMNG=0,7,0,"PEM"');
});

test('commands in the handle-based Serial Modem dialect (hex send and receive)', () => {
  assert.is(hostnameCommand('serial-modem', 3, 'cdn.test'), 'AT#XSSOCKETOPT=3,1,2,"cdn.test"');
  assert.is(connectCommand('serial-modem', 3, 'cdn.test', 443), 'AT#XCONNECT=3,"cdn.test",443');
  assert.is(sendCommand('serial-modem', 3, Uint8Array.from([0x00, 0x22, 0xff])), 'AT#XSEND=3,1,0,"0022ff"');
  assert.is(recvCommand('serial-modem', 3, 30, 4096), 'AT#XRECV=3,1,0,30,2048');
  assert.is(closeCommand('serial-modem', 3), 'AT#XCLOSE=3');
});

test('reply parsers of both dialects', () => {
  assert.equal(parseCmngList({ lines: [`%CMNG: 1001,0,"${SHA.toLowerCase()}"`, '%CMNG: 16842753,1'] }), [
    { secTag: 1001, type: 0, sha256: SHA },
    { secTag: 16842753, type: 1 },
  ]);
  parseConnect({ lines: ['#XCONNECT: 1'] }, 'legacy', 0);
  parseConnect({ lines: ['#XCONNECT: 2,1'] }, 'serial-modem', 2);
  assert.is(parseSend({ lines: ['#XSEND: 12'] }, 'legacy'), 12);
  assert.is(parseSend({ lines: ['#XSEND: 2,1,12'] }, 'serial-modem'), 12);
  assert.equal(parseRecv({ lines: ['#XRECV: 2,1,3', '0aff00'] }, 'serial-modem', 2, 100), Uint8Array.from([0x0a, 0xff, 0x00]));
  assert.equal(parseRecv({ lines: ['#XRECV: 2,1,0'] }, 'serial-modem', 2, 100), new Uint8Array(0));
  assert.equal(parseRecv({ lines: ['#XRECV: 2'], payload: Uint8Array.from([1, 2]) }, 'legacy', 0, 100), Uint8Array.from([1, 2]));
  assert.is(legacyRecvPayloadLength('#XRECV: 17'), 17);
  assert.is(legacyRecvPayloadLength('#XSEND: 17'), undefined);
});

test('a hex receive with the wrong length, handle or alphabet is AT_BAD_REPLY', () => {
  for (const lines of [['#XRECV: 2,1,3', '0aff'], ['#XRECV: 1,1,1', '0a'], ['#XRECV: 2,1,1', 'zz'], ['#XRECV: 2,1,200', '00']]) {
    try {
      parseRecv({ lines }, 'serial-modem', 2, 100);
      assert.unreachable(lines.join('|'));
    } catch (e) {
      assert.instance(e, AtError);
      assert.is((e as AtError).code, 'AT_BAD_REPLY');
    }
  }
});

test('legacy string mode carries printable ASCII and line breaks, not quotes or binary', () => {
  assert.is(legacySendable(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), true);
  assert.is(legacySendable(Uint8Array.from([0x22])), false);
  assert.is(legacySendable(Uint8Array.from([0x00])), false);
  assert.is(legacySendable(Uint8Array.from([0x80])), false);
});

/** The documented mapping: [operation, reply error, expected class, expected code]. */
const MAPPING: [Parameters<typeof slmError>[0], AtError, typeof NetError, FotaErrorCode][] = [
  ['cmng', new AtError('AT_CME_ERROR', 'x', { cme: 513 }), NetError, 'ENOENT'],
  ['cmng', new AtError('AT_CME_ERROR', 'x', { cme: 514 }), NetError, 'EACCES'],
  ['cmng', new AtError('AT_CME_ERROR', 'x', { cme: 515 }), NetError, 'ENOMEM'],
  ['cmng', new AtError('AT_CME_ERROR', 'x', { cme: 518 }), NetError, 'EBUSY'],
  ['cmng', new AtError('AT_CME_ERROR', 'x', { cme: 519 }), NetError, 'EEXIST'],
  ['recv', new AtError('AT_CME_ERROR', 'x', { cme: 122 }), NetError, 'EMSGSIZE'],
  ['connect', new AtError('AT_CME_ERROR', 'x', { cme: 111 }), NetError, 'ECONNREFUSED'],
  ['recv', new AtError('AT_CME_ERROR', 'x', { cme: 104 }), NetError, 'ECONNRESET'],
  ['recv', new AtError('AT_CME_ERROR', 'x', { cme: 116 }), NetError, 'ETIMEDOUT'],
  ['recv', new AtError('AT_CME_ERROR', 'x', { cme: 11 }), NetError, 'ETIMEDOUT'],
  ['connect', new AtError('AT_CME_ERROR', 'x', { cme: 118 }), NetError, 'EHOSTUNREACH'],
  ['connect-tls', new AtError('AT_CME_ERROR', 'x', { cme: 700 }), TlsError, 'CERT_UNKNOWN_CA'],
  ['connect-tls', new AtError('AT_CME_ERROR', 'x', { cme: 701 }), TlsError, 'CERT_HOSTNAME_MISMATCH'],
  ['connect-tls', new AtError('AT_CME_ERROR', 'x', { cme: 702 }), TlsError, 'CERT_EXPIRED'],
  ['connect-tls', new AtError('AT_CME_ERROR', 'x', { cme: 703 }), TlsError, 'CERT_NOT_YET_VALID'],
  ['connect-tls', new AtError('AT_ERROR', 'x'), TlsError, 'TLS_HANDSHAKE_FAILED'],
  ['connect', new AtError('AT_ERROR', 'x'), NetError, 'ECONNREFUSED'],
  ['recv', new AtError('AT_ERROR', 'x'), NetError, 'ETIMEDOUT'],
  ['send', new AtError('AT_ERROR', 'x'), NetError, 'ECONNRESET'],
  ['socket', new AtError('AT_ERROR', 'x'), NetError, 'ENOMEM'],
  ['send', new AtError('AT_TIMEOUT', 'x'), NetError, 'ETIMEDOUT'],
  ['send', new AtError('AT_CLOSED', 'x'), NetError, 'ECONNRESET'],
  ['recv', new AtError('AT_CME_ERROR', 'x', { cme: 9999 }), NetError, 'EIO'],
];

test('SLM error replies map onto the Net HAL codes (the table in slm.ts)', () => {
  for (const [op, at, cls, want] of MAPPING) {
    const e = slmError(op, 'where', at);
    assert.instance(e, cls, `${op} ${at.code} ${String(at.context.cme)}`);
    assert.is((e as NetError).code, want, `${op} ${at.code} ${String(at.context.cme)}`);
    assert.ok((e as NetError).message.startsWith('where: '));
  }
  const bad = new AtError('AT_BAD_REPLY', 'x');
  assert.is(slmError('recv', 'w', bad), bad);
});

test('cmeForCode is the inverse the emulator answers with', () => {
  for (const [op, at, , want] of MAPPING) {
    if (at.code !== 'AT_CME_ERROR' || want === 'EIO' || at.context.cme === 11 || at.context.cme === 116) continue;
    assert.is(cmeForCode(op, want), at.context.cme, want);
  }
  assert.is(cmeForCode('cmng', 'EINVAL'), undefined);
});

test.run();

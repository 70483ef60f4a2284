/**
 * AT vectors for the nRF9160 Serial LTE Modem: the raw bytes a modem answers to a command → what
 * fotakit's AT channel and SLM reply parsers make of them (a handle, a byte count, received bytes,
 * credential list, registration state) or the error code, including the mapping of `ERROR` and
 * `+CME ERROR: <n>` onto NetError / TlsError codes per operation. Each reply goes through the real
 * AtChannel over an in-memory port, so line splitting and raw payloads are what the device sees.
 * Spec: nrf91-fota.md "Serial LTE Modem (SLM) AT commands"; 3GPP TS 27.007.
 */
import { toHex, utf8Encode } from '../hal/bytes.ts';
import { FotaError } from '../hal/errors.ts';
import { realClock } from '../hal/node/real-clock.ts';
import { AtChannel, type AtReply } from '../transport/at/channel.ts';
import { createMemoryPortPair } from '../hal/portable/memory-port.ts';
import {
  legacyRecvPayloadLength,
  parseCeregStat,
  parseCfun,
  parseCmngList,
  parseConnect,
  parseDataModeExit,
  parseRecv,
  parseSend,
  parseSocketOpen,
  slmError,
  SLM_ERRNO,
  SLM_TLS_CME,
  type SlmOperation,
} from '../transport/at/slm.ts';
import { CHeaderWriter, cString } from './c-header.ts';
import { VECTORS_SCHEMA_VERSION, errorCode, type VectorCategory } from './category.ts';

/** Time a vector's command may take over the in-memory port (it answers at once). */
const VECTOR_AT_TIMEOUT_MS = 2_000;
/** Outcome name of a reply that parsed. */
const AT_RESULT_OK = 'OK';
/** Receive size asked for in the Serial Modem #XRECV vectors. */
const VECTOR_RECV_MAX_BYTES = 64;

type Parser = (reply: AtReply) => unknown;

interface AtCase {
  name: string;
  description: string;
  command: string;
  /** What the modem sends back (echo off), CRLF line endings. */
  response: string;
  /** Operation for the error mapping of ERROR / +CME ERROR. */
  op: SlmOperation;
  parse: Parser;
  payloadLength?: (line: string) => number | undefined;
}

const r = (...lines: string[]): string => lines.map((l) => `\r\n${l}\r\n`).join('');
const bytesResult = (b: Uint8Array) => ({ bytes_hex: toHex(b), length: b.length });

const CASES: readonly AtCase[] = [
  { name: 'cfun_normal', description: 'AT+CFUN? in normal mode', command: 'AT+CFUN?', response: r('+CFUN: 1', 'OK'), op: 'other', parse: (x) => ({ mode: parseCfun(x) }) },
  { name: 'cfun_string', description: '+CFUN with a string where a number belongs', command: 'AT+CFUN?', response: r('+CFUN: "1"', 'OK'), op: 'other', parse: (x) => ({ mode: parseCfun(x) }) },
  { name: 'cereg_home', description: 'registered, home network, with cell details', command: 'AT+CEREG?', response: r('+CEREG: 5,1,"0141","0029A60B",7', 'OK'), op: 'other', parse: (x) => ({ stat: parseCeregStat(x) }) },
  { name: 'cereg_roaming', description: 'registered, roaming', command: 'AT+CEREG?', response: r('+CEREG: 0,5', 'OK'), op: 'other', parse: (x) => ({ stat: parseCeregStat(x) }) },
  { name: 'cereg_searching', description: 'not registered, searching', command: 'AT+CEREG?', response: r('+CEREG: 0,2', 'OK'), op: 'other', parse: (x) => ({ stat: parseCeregStat(x) }) },
  { name: 'cereg_short', description: '+CEREG with one parameter', command: 'AT+CEREG?', response: r('+CEREG: 2', 'OK'), op: 'other', parse: (x) => ({ stat: parseCeregStat(x) }) },
  {
    name: 'cmng_list',
    description: 'credential list with and without SHA-256',
    command: 'AT%CMNG=1',
    response: r('%CMNG: 1001,0,"2C543CD1A5F9F4D3A0D8A2F9E9C1B2A3D4E5F60718293A4B5C6D7E8F90A1B2C3"', '%CMNG: 16842753,0', 'OK'),
    op: 'cmng',
    parse: (x) => ({ entries: parseCmngList(x).map((e) => ({ sec_tag: e.secTag, type: e.type, sha256: e.sha256 ?? null })) }),
  },
  { name: 'cmng_list_empty', description: 'no credentials stored', command: 'AT%CMNG=1', response: r('OK'), op: 'cmng', parse: (x) => ({ entries: parseCmngList(x) }) },
  { name: 'cmng_bad_sha', description: 'credential list with a short SHA', command: 'AT%CMNG=1', response: r('%CMNG: 1001,0,"ABCD"', 'OK'), op: 'cmng', parse: (x) => ({ entries: parseCmngList(x) }) },
  { name: 'cmng_write_busy', description: 'AT%CMNG write while online: +CME ERROR: 518', command: 'AT%CMNG=0,1001,0,"x"', response: r('+CME ERROR: 518'), op: 'cmng', parse: () => ({}) },
  { name: 'cmng_delete_missing', description: 'AT%CMNG delete of a missing credential: +CME ERROR: 513', command: 'AT%CMNG=3,1001,0', response: r('+CME ERROR: 513'), op: 'cmng', parse: () => ({}) },
  { name: 'cmng_memory_full', description: 'credential storage full: +CME ERROR: 515', command: 'AT%CMNG=0,1002,0,"x"', response: r('+CME ERROR: 515'), op: 'cmng', parse: () => ({}) },
  { name: 'tls_socket_open', description: 'AT#XSSOCKET: handle 0, TLS 1.2', command: 'AT#XSSOCKET=1,1,0,1001,2', response: r('#XSSOCKET: 0,1,258', 'OK'), op: 'socket', parse: (x) => ({ handle: parseSocketOpen(x, true) }) },
  { name: 'tls_socket_negative', description: 'AT#XSSOCKET answering a negative handle', command: 'AT#XSSOCKET=1,1,0,1001,2', response: r('#XSSOCKET: -1,1,258', 'OK'), op: 'socket', parse: (x) => ({ handle: parseSocketOpen(x, true) }) },
  { name: 'tls_socket_no_free', description: 'no free socket: ERROR', command: 'AT#XSSOCKET=1,1,0,1001,2', response: r('ERROR'), op: 'socket', parse: (x) => ({ handle: parseSocketOpen(x, true) }) },
  { name: 'connect_legacy', description: 'legacy #XCONNECT: 1', command: 'AT#XCONNECT="fota.example.com",443', response: r('#XCONNECT: 1', 'OK'), op: 'connect-tls', parse: (x) => (parseConnect(x, 'legacy', 0), { connected: true }) },
  { name: 'connect_serial_modem', description: 'Serial Modem #XCONNECT: <h>,1', command: 'AT#XCONNECT=0,"fota.example.com",443', response: r('#XCONNECT: 0,1', 'OK'), op: 'connect-tls', parse: (x) => (parseConnect(x, 'serial-modem', 0), { connected: true }) },
  { name: 'connect_wrong_handle', description: 'Serial Modem #XCONNECT for another handle', command: 'AT#XCONNECT=0,"fota.example.com",443', response: r('#XCONNECT: 1,1', 'OK'), op: 'connect-tls', parse: (x) => (parseConnect(x, 'serial-modem', 0), { connected: true }) },
  { name: 'connect_tls_error', description: 'TLS connect answering ERROR (real SLM on a failed handshake)', command: 'AT#XCONNECT="fota.example.com",443', response: r('ERROR'), op: 'connect-tls', parse: () => ({}) },
  { name: 'connect_tcp_error', description: 'plain TCP connect answering ERROR', command: 'AT#XCONNECT="fota.example.com",80', response: r('ERROR'), op: 'connect', parse: () => ({}) },
  ...Object.entries(SLM_TLS_CME).map(([code, n]): AtCase => ({ name: `connect_cme_${n}`, description: `TLS connect +CME ERROR: ${n} (emulator detail for ${code})`, command: 'AT#XCONNECT="fota.example.com",443', response: r(`+CME ERROR: ${n}`), op: 'connect-tls', parse: () => ({}) })),
  ...Object.entries(SLM_ERRNO).map(([code, n]): AtCase => ({ name: `recv_errno_${n}`, description: `AT#XRECV +CME ERROR: ${n} (nrf_errno ${code})`, command: 'AT#XRECV=0,1,0,10,64', response: r(`+CME ERROR: ${n}`), op: 'recv', parse: () => ({}) })),
  { name: 'send_legacy', description: 'legacy #XSEND: <n>', command: 'AT#XSEND="GET / HTTP/1.1"', response: r('#XSEND: 14', 'OK'), op: 'send', parse: (x) => ({ sent: parseSend(x, 'legacy') }) },
  { name: 'send_serial_modem', description: 'Serial Modem #XSEND: <h>,<type>,<n>', command: 'AT#XSEND=0,1,0,"00ff"', response: r('#XSEND: 0,1,2', 'OK'), op: 'send', parse: (x) => ({ sent: parseSend(x, 'serial-modem') }) },
  { name: 'send_reset', description: 'send answering ERROR', command: 'AT#XSEND=0,1,0,"00ff"', response: r('ERROR'), op: 'send', parse: () => ({}) },
  { name: 'recv_hex', description: 'Serial Modem receive of 5 bytes in hex', command: `AT#XRECV=0,1,0,10,${VECTOR_RECV_MAX_BYTES}`, response: r('#XRECV: 0,1,5', '68656c6c6f', 'OK'), op: 'recv', parse: (x) => bytesResult(parseRecv(x, 'serial-modem', 0, VECTOR_RECV_MAX_BYTES)) },
  { name: 'recv_closed', description: 'zero-size receive: the peer closed', command: `AT#XRECV=0,1,0,10,${VECTOR_RECV_MAX_BYTES}`, response: r('#XRECV: 0,1,0', 'OK'), op: 'recv', parse: (x) => bytesResult(parseRecv(x, 'serial-modem', 0, VECTOR_RECV_MAX_BYTES)) },
  { name: 'recv_short_hex', description: 'hex data shorter than the announced size', command: `AT#XRECV=0,1,0,10,${VECTOR_RECV_MAX_BYTES}`, response: r('#XRECV: 0,1,5', '6865', 'OK'), op: 'recv', parse: (x) => bytesResult(parseRecv(x, 'serial-modem', 0, VECTOR_RECV_MAX_BYTES)) },
  { name: 'recv_not_hex', description: 'data that is not hex', command: `AT#XRECV=0,1,0,10,${VECTOR_RECV_MAX_BYTES}`, response: r('#XRECV: 0,1,2', 'zzzz', 'OK'), op: 'recv', parse: (x) => bytesResult(parseRecv(x, 'serial-modem', 0, VECTOR_RECV_MAX_BYTES)) },
  { name: 'recv_too_much', description: 'more bytes than asked for', command: `AT#XRECV=0,1,0,10,${VECTOR_RECV_MAX_BYTES}`, response: r(`#XRECV: 0,1,${VECTOR_RECV_MAX_BYTES + 1}`, 'OK'), op: 'recv', parse: (x) => bytesResult(parseRecv(x, 'serial-modem', 0, VECTOR_RECV_MAX_BYTES)) },
  {
    name: 'recv_legacy_raw',
    description: 'legacy #XRECV: <size> then raw bytes (CR and LF inside the payload)',
    command: 'AT#XRECV=10',
    response: '\r\n#XRECV: 6\r\nab\r\ncd\r\nOK\r\n',
    op: 'recv',
    parse: (x) => bytesResult(parseRecv(x, 'legacy', 0, VECTOR_RECV_MAX_BYTES)),
    payloadLength: legacyRecvPayloadLength,
  },
  { name: 'datamode_ok', description: 'legacy data mode ends with #XDATAMODE: 0', command: 'AT+FOTAKITDM', response: r('#XDATAMODE: 0', 'OK'), op: 'send', parse: (x) => ({ status: parseDataModeExit(x) }) },
  { name: 'datamode_notconn', description: 'data mode ended by a lost socket', command: 'AT+FOTAKITDM', response: r('#XDATAMODE: -128', 'OK'), op: 'send', parse: (x) => ({ status: parseDataModeExit(x) }) },
  { name: 'urc_between', description: 'a +CEREG URC before the reply (delivered to its handler, not the parser)', command: 'AT+CFUN?', response: r('+CEREG: 1', '+CFUN: 4', 'OK'), op: 'other', parse: (x) => ({ mode: parseCfun(x) }) },
];

interface Outcome {
  code: string;
  lines?: string[];
  result?: unknown;
  /** Error context a caller acts on (the +CME number). */
  cme?: number;
}

async function runCase(c: AtCase): Promise<Outcome> {
  const { a, b } = createMemoryPortPair();
  const channel = new AtChannel(a, realClock, { defaultTimeoutMs: VECTOR_AT_TIMEOUT_MS });
  channel.onUnsolicited('+CEREG', () => {});
  b.onData(() => void b.write(utf8Encode(c.response)));
  try {
    const reply = await channel.command(c.command, c.payloadLength ? { payloadLength: c.payloadLength } : {});
    try {
      return { code: AT_RESULT_OK, lines: reply.lines, result: c.parse(reply) };
    } catch (e) {
      return { code: errorCode(e), lines: reply.lines };
    }
  } catch (e) {
    const mapped = slmError(c.op, `vectors.at(${c.name})`, e);
    const cme = e instanceof FotaError && typeof e.context.cme === 'number' ? e.context.cme : undefined;
    return { code: errorCode(mapped), ...(cme !== undefined ? { cme } : {}) };
  } finally {
    await channel.close();
    await b.close();
  }
}

export async function generateAtVectors(): Promise<VectorCategory> {
  const results: Array<{ c: AtCase; o: Outcome }> = [];
  for (const c of CASES) results.push({ c, o: await runCase(c) });

  const json = {
    schema: VECTORS_SCHEMA_VERSION,
    category: 'at',
    replies: results.map(({ c, o }) => ({
      name: c.name,
      description: c.description,
      command: c.command,
      operation: c.op,
      response_hex: toHex(utf8Encode(c.response)),
      response_text: c.response,
      expect: { code: o.code, lines: o.lines ?? null, result: o.result ?? null, cme: o.cme ?? null },
    })),
  };

  const w = new CHeaderWriter('FOTAKIT_VECTORS_AT_H', 'AT vectors: nRF9160 SLM replies → parsed results or the error code.');
  w.raw(
    [
      'struct fotakit_at_vector {',
      '\tconst char *name;',
      '\tconst char *command;',
      '\tconst char *operation; /* error mapping: cmng, socket, connect, connect-tls, send, recv, other */',
      '\tconst uint8_t *response; /* raw modem bytes, CRLF line endings */',
      '\tsize_t response_len;',
      '\tconst char *expect_code; /* "OK", AT_BAD_REPLY, or the NetError/TlsError code */',
      '\tint cme; /* +CME ERROR number, -1 when none */',
      '\tlong long value; /* the parsed number (handle, stat, mode, bytes sent, status, bytes received), or -1 */',
      '};',
    ].join('\n'),
    'fotakit_at_vector',
  );
  results.forEach(({ c }, i) => w.bytes(`fotakit_at_response_${i}`, utf8Encode(c.response)));
  const valueOf = (o: Outcome): number => {
    const x = o.result as Record<string, unknown> | undefined;
    if (!x) return -1;
    for (const k of ['handle', 'stat', 'mode', 'sent', 'status', 'length']) if (typeof x[k] === 'number') return x[k] as number;
    if (Array.isArray(x.entries)) return x.entries.length;
    return -1;
  };
  w.table(
    'fotakit_at_vector',
    'fotakit_at_vectors',
    results.map(({ c, o }, i) => [cString(c.name), cString(c.command), cString(c.op), `fotakit_at_response_${i}`, `fotakit_at_response_${i}_len`, cString(o.code), String(o.cme ?? -1), `${valueOf(o)}LL`]),
    'FOTAKIT_AT_VECTOR_COUNT',
  );
  return { name: 'at', count: results.length, json, header: w.toString() };
}

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectionOf } from '../support/rejection.ts';
import { bytesEqual, concatBytes, utf8Decode, utf8Encode } from '../../src/hal/bytes.ts';
import { FotaError } from '../../src/hal/errors.ts';
import { CREDENTIAL_TYPE, type Socket } from '../../src/hal/net.ts';
import { createSimModem, type SimModem } from '../../src/hal/sim/modem.ts';
import { TLS_RECORD_MAX_LENGTH, TLS_RECORD_HEADER_BYTES } from '../../src/hal/sim/record-gate.ts';
import { DEFAULT_PROJECT_KEY, startUpdateServer, type UpdateServer } from '../../src/server/update-server.ts';

const TAG_G2 = 1001;
const TAG_AMAZON = 1002;
const TAG_BALTIMORE = 1003;
const IMAGE_BYTES = 10_000;
const IMAGE = Uint8Array.from({ length: IMAGE_BYTES }, (_, i) => (i * 7 + 3) & 0xff);
const VERSION = '1.2.3';
/** A modem that takes any TLS record, for tests of HTTP behaviour rather than of the record gate. */
const ANY_RECORD_BYTES = TLS_RECORD_HEADER_BYTES + TLS_RECORD_MAX_LENGTH;

interface Response {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  /** The stream ended before Content-Length bytes arrived. */
  truncated: boolean;
}

/** Index of the blank line ending the headers (CR LF CR LF), or -1. */
function headerEnd(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  return -1;
}

/** Reads HTTP/1.1 responses off a modem socket (Content-Length framing, as the server sends). */
class ResponseReader {
  private buf: Uint8Array = new Uint8Array(0);
  private eof = false;
  constructor(private readonly s: Socket, private readonly timeoutMs = 2000) {}

  private async more(): Promise<boolean> {
    if (this.eof) return false;
    const b = await this.s.recv(65536, this.timeoutMs);
    if (b.length === 0) {
      this.eof = true;
      return false;
    }
    this.buf = concatBytes(this.buf, b);
    return true;
  }

  async read(method = 'GET'): Promise<Response> {
    let end: number;
    while ((end = headerEnd(this.buf)) < 0) {
      if (!(await this.more())) throw new Error('response: stream ended inside the headers');
    }
    const lines = utf8Decode(this.buf.subarray(0, end)).split('\r\n');
    this.buf = this.buf.subarray(end + 4);
    const status = Number(lines[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const length = method === 'HEAD' || status === 204 ? 0 : Number(headers['content-length'] ?? 0);
    while (this.buf.length < length) if (!(await this.more())) break;
    const body = this.buf.slice(0, length);
    this.buf = this.buf.subarray(body.length);
    return { status, headers, body, truncated: body.length < length };
  }
}

function requestBytes(host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Uint8Array {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
  return utf8Encode(lines.join('\r\n'));
}

let server: UpdateServer;

async function modemFor(srv: UpdateServer, maxRecordBytes?: number): Promise<SimModem> {
  const modem = createSimModem({ hosts: srv.hosts, ...(maxRecordBytes ? { maxRecordBytes } : {}) });
  await modem.credentials.write(TAG_G2, CREDENTIAL_TYPE.rootCa, srv.pki.roots.digicertGlobalRootG2.pem);
  await modem.credentials.write(TAG_AMAZON, CREDENTIAL_TYPE.rootCa, srv.pki.roots.amazonRootCa1.pem);
  return modem;
}

async function open(modem: SimModem, host: string): Promise<Socket> {
  return modem.connect({ host, port: server.port, tls: { secTags: [TAG_AMAZON, TAG_G2], peerVerify: 'required' } });
}

/** One request on a fresh connection, through a modem that takes any record size. */
async function get(host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  const modem = await modemFor(server, ANY_RECORD_BYTES);
  const s = await open(modem, host);
  try {
    await s.send(requestBytes(host, path, headers, method));
    return await new ResponseReader(s).read(method);
  } finally {
    await s.close();
  }
}

function imagePath(): string {
  return new URL(server.imageUrl).pathname;
}

function checkPath(version: string, key = DEFAULT_PROJECT_KEY): [string, Record<string, string>] {
  return [`/api/v0/releases/latest/url?&device_serial=dev-1&hardware_version=nrf9160dk&software_type=app&current_version=${version}`, { 'Memfault-Project-Key': key }];
}

test.before(async () => {
  server = await startUpdateServer({ image: IMAGE, version: VERSION });
});
test.after(async () => {
  await server.close();
});
test.before.each(() => {
  server.setFaults({});
  server.setRelease(IMAGE, VERSION);
  server.requests.length = 0;
});

test('the API and the CDN are different hosts chaining to different roots', async () => {
  const modem = await modemFor(server);
  const api = await open(modem, server.apiHost);
  const cdn = await open(modem, server.cdnHost);
  assert.is(api.info().validatedBy, TAG_AMAZON);
  assert.is(cdn.info().validatedBy, TAG_G2);
  await api.close();
  await cdn.close();
  assert.is(server.apiUrl, `https://api.fotakit.test:${server.port}`);
  assert.is(server.imageUrl, `https://cdn.fotakit.test:${server.port}/fw/1.2.3/app_update.bin`);
  assert.equal(server.hosts['cdn.fotakit.test'], { address: '127.0.0.1', ports: { 443: server.port } });
  assert.ok(server.rootsPem.includes(server.pki.roots.digicertGlobalRootG2.pem));
});

test('a URL without a port (443) reaches the server through its host table', async () => {
  const modem = await modemFor(server);
  const s = await modem.connect({ host: server.apiHost, port: 443, tls: { secTags: [TAG_AMAZON], peerVerify: 'required' } });
  await s.send(requestBytes(server.apiHost, ...checkPath(VERSION)));
  assert.is((await new ResponseReader(s).read()).status, 204);
  await s.close();
});

test('release API: 200 with the payload URL on the CDN host for an older version', async () => {
  const r = await get(server.apiHost, ...checkPath('1.0.0'));
  assert.is(r.status, 200);
  assert.is(utf8Decode(r.body), server.imageUrl);
});

test('release API: 204 when the device runs the release', async () => {
  const r = await get(server.apiHost, ...checkPath(VERSION));
  assert.is(r.status, 204);
  assert.is(r.body.length, 0);
});

test('release API: 401 for a wrong or missing key, 400 for a missing parameter', async () => {
  assert.is((await get(server.apiHost, ...checkPath('1.0.0', 'nope'))).status, 401);
  assert.is((await get(server.apiHost, checkPath('1.0.0')[0])).status, 401);
  const [path, headers] = checkPath('1.0.0');
  assert.is((await get(server.apiHost, path.replace('&software_type=app', ''), headers)).status, 400);
});

test('CDN: whole file with ETag, Last-Modified and Accept-Ranges', async () => {
  const r = await get(server.cdnHost, imagePath());
  assert.is(r.status, 200);
  assert.ok(bytesEqual(r.body, IMAGE));
  assert.is(r.headers['etag'], server.current().etag);
  assert.is(r.headers['last-modified'], server.current().lastModified);
  assert.is(r.headers['accept-ranges'], 'bytes');
});

test('CDN: bytes=a-b, a- and -n give 206 with Content-Range', async () => {
  const a = await get(server.cdnHost, imagePath(), { Range: 'bytes=100-199' });
  assert.is(a.status, 206);
  assert.is(a.headers['content-range'], `bytes 100-199/${IMAGE_BYTES}`);
  assert.ok(bytesEqual(a.body, IMAGE.subarray(100, 200)));
  const b = await get(server.cdnHost, imagePath(), { Range: 'bytes=9990-' });
  assert.is(b.headers['content-range'], `bytes 9990-9999/${IMAGE_BYTES}`);
  assert.ok(bytesEqual(b.body, IMAGE.subarray(9990)));
  const c = await get(server.cdnHost, imagePath(), { Range: 'bytes=-5' });
  assert.is(c.headers['content-range'], `bytes 9995-9999/${IMAGE_BYTES}`);
  const d = await get(server.cdnHost, imagePath(), { Range: 'bytes=9000-20000' });
  assert.is(d.headers['content-range'], `bytes 9000-9999/${IMAGE_BYTES}`);
});

test('CDN: a range starting at the file size is 416 with bytes */size (the resume doom loop)', async () => {
  const r = await get(server.cdnHost, imagePath(), { Range: `bytes=${IMAGE_BYTES}-` });
  assert.is(r.status, 416);
  assert.is(r.headers['content-range'], `bytes */${IMAGE_BYTES}`);
});

test('CDN: If-Range with the current ETag or date keeps the range, a stale one gets 200 whole', async () => {
  const { etag, lastModified } = server.current();
  assert.is((await get(server.cdnHost, imagePath(), { Range: 'bytes=0-9', 'If-Range': etag })).status, 206);
  assert.is((await get(server.cdnHost, imagePath(), { Range: 'bytes=0-9', 'If-Range': lastModified })).status, 206);
  const stale = await get(server.cdnHost, imagePath(), { Range: 'bytes=0-9', 'If-Range': '"0000"' });
  assert.is(stale.status, 200);
  assert.is(stale.body.length, IMAGE_BYTES);
});

test('CDN: HEAD answers the headers only; unknown paths 404, other methods 405', async () => {
  const h = await get(server.cdnHost, imagePath(), {}, 'HEAD');
  assert.is(h.status, 200);
  assert.is(h.headers['content-length'], String(IMAGE_BYTES));
  assert.is((await get(server.cdnHost, '/fw/9.9.9/app_update.bin')).status, 404);
  assert.is((await get(server.cdnHost, imagePath(), {}, 'DELETE')).status, 405);
});

test('keep-alive and pipelining: three ranges in one send, three answers on one connection', async () => {
  const modem = await modemFor(server);
  const s = await open(modem, server.cdnHost);
  await s.send(concatBytes(...[0, 1, 2].map((i) => requestBytes(server.cdnHost, imagePath(), { Range: `bytes=${i * 512}-${i * 512 + 511}` }))));
  const reader = new ResponseReader(s);
  for (let i = 0; i < 3; i++) {
    const r = await reader.read();
    assert.is(r.status, 206);
    assert.ok(bytesEqual(r.body, IMAGE.subarray(i * 512, i * 512 + 512)));
  }
  await s.close();
  assert.is(new Set(server.requests.map((r) => r.connection)).size, 1);
  assert.equal(server.requests.map((r) => [r.method, r.host, r.range, r.status, r.bytes]), [
    ['GET', 'cdn.fotakit.test', 'bytes=0-511', 206, 512],
    ['GET', 'cdn.fotakit.test', 'bytes=512-1023', 206, 512],
    ['GET', 'cdn.fotakit.test', 'bytes=1024-1535', 206, 512],
  ]);
});

test('record gate: a 1 KiB range fits one small record; a 4 KiB range fails with EMSGSIZE', async () => {
  const modem = await modemFor(server);
  const s = await open(modem, server.cdnHost);
  await s.send(requestBytes(server.cdnHost, imagePath(), { Range: 'bytes=0-1023' }));
  const r = await new ResponseReader(s).read();
  assert.is(r.status, 206);
  const small = s.info().maxRecordBytes;
  assert.ok(small > 1024 && small < 2303, `largest record ${small}`);
  await s.send(requestBytes(server.cdnHost, imagePath(), { Range: 'bytes=0-4095' }));
  const e = await rejectionOf(new ResponseReader(s).read());
  assert.is(e.code, 'EMSGSIZE');
  assert.ok((e.context.recordBytes as number) > 4096);
  await s.close();
});

test('fault recordPlaintextBytes: the whole file in 1 KiB records passes the gate', async () => {
  server.setFaults({ recordPlaintextBytes: 1024 });
  const modem = await modemFor(server);
  const s = await open(modem, server.cdnHost);
  await s.send(requestBytes(server.cdnHost, imagePath()));
  const r = await new ResponseReader(s).read();
  assert.ok(bytesEqual(r.body, IMAGE));
  // 1024 plaintext bytes + 29 bytes of AES-GCM framing.
  assert.is(s.info().maxRecordBytes, 1053);
  await s.close();
});

test('fault coalesceMs: pipelined small answers share one big record and trip the gate', async () => {
  server.setFaults({ coalesceMs: 30 });
  const modem = await modemFor(server);
  const s = await open(modem, server.cdnHost);
  await s.send(concatBytes(...[0, 1, 2].map((i) => requestBytes(server.cdnHost, imagePath(), { Range: `bytes=${i * 1024}-${i * 1024 + 1023}` }))));
  const e = await rejectionOf((async () => {
    const reader = new ResponseReader(s);
    for (let i = 0; i < 3; i++) await reader.read();
  })());
  assert.is(e.code, 'EMSGSIZE');
  await s.close();
});

test('fault status: 503 for the CDN only, for `count` requests, then normal again', async () => {
  server.setFaults({ status: 503, count: 1 });
  assert.is((await get(server.cdnHost, imagePath(), { Range: 'bytes=0-9' })).status, 503);
  assert.is((await get(server.cdnHost, imagePath(), { Range: 'bytes=0-9' })).status, 206);
  server.setFaults({ status: 500, target: 'api' });
  assert.is((await get(server.apiHost, ...checkPath('1.0.0'))).status, 500);
  assert.is((await get(server.cdnHost, imagePath(), { Range: 'bytes=0-9' })).status, 206);
  assert.is(server.requests[0]!.fault, 'status 503');
});

test('fault dropAfterBytes: the body stops at N bytes and the connection ends', async () => {
  server.setFaults({ dropAfterBytes: 100 });
  const r = await get(server.cdnHost, imagePath(), { Range: 'bytes=0-999' });
  assert.is(r.status, 206);
  assert.is(r.truncated, true);
  assert.ok(bytesEqual(r.body, IMAGE.subarray(0, 100)));
  assert.is(server.requests[0]!.bytes, 100);
  assert.is(server.requests[0]!.fault, 'drop');
});

test('fault ignoreRange: a range request gets 200 and the whole file', async () => {
  server.setFaults({ ignoreRange: true });
  const r = await get(server.cdnHost, imagePath(), { Range: 'bytes=0-99' });
  assert.is(r.status, 200);
  assert.is(r.body.length, IMAGE_BYTES);
  assert.is(r.headers['content-range'], undefined);
});

test('fault wrongContentRange: shifted by one, or missing', async () => {
  server.setFaults({ wrongContentRange: 'shifted' });
  const a = await get(server.cdnHost, imagePath(), { Range: 'bytes=0-99' });
  assert.is(a.status, 206);
  assert.is(a.headers['content-range'], `bytes 1-100/${IMAGE_BYTES}`);
  assert.ok(bytesEqual(a.body, IMAGE.subarray(0, 100)));
  server.setFaults({ wrongContentRange: 'missing' });
  const b = await get(server.cdnHost, imagePath(), { Range: 'bytes=0-99' });
  assert.is(b.status, 206);
  assert.is(b.headers['content-range'], undefined);
});

test('fault changeAfterBytes: the file changes mid-download, with a new ETag; If-Range then gets 200', async () => {
  server.setFaults({ changeAfterBytes: 100 });
  const first = await get(server.cdnHost, imagePath(), { Range: 'bytes=0-99' });
  const etag = first.headers['etag']!;
  const second = await get(server.cdnHost, imagePath(), { Range: 'bytes=100-199', 'If-Range': etag });
  assert.is(second.status, 200);
  assert.is.not(second.headers['etag'], etag);
  assert.is.not(second.headers['last-modified'], first.headers['last-modified']);
  assert.is(second.body[0], IMAGE[0]! ^ 0x5a);
});

test('fault stall: the body stops after N bytes (recv times out), or resumes after stallMs', async () => {
  server.setFaults({ stallAfterBytes: 10 });
  const modem = await modemFor(server);
  const s = await open(modem, server.cdnHost);
  await s.send(requestBytes(server.cdnHost, imagePath(), { Range: 'bytes=0-99' }));
  const e = await rejectionOf(new ResponseReader(s, 100).read());
  assert.is(e.code, 'ETIMEDOUT');
  await s.close();
  server.setFaults({ stallAfterBytes: 10, stallMs: 30 });
  const r = await get(server.cdnHost, imagePath(), { Range: 'bytes=0-99' });
  assert.ok(bytesEqual(r.body, IMAGE.subarray(0, 100)));
});

test('fault connectionClose: Connection: close and the server ends the connection', async () => {
  server.setFaults({ connectionClose: true });
  const modem = await modemFor(server);
  const s = await open(modem, server.cdnHost);
  await s.send(requestBytes(server.cdnHost, imagePath(), { Range: 'bytes=0-9' }));
  const r = await new ResponseReader(s).read();
  assert.is(r.headers['connection'], 'close');
  assert.is((await s.recv(10, 2000)).length, 0);
  await s.close();
});

test('fault redirect: the CDN sends image requests to the mirror host, which chains to a third root', async () => {
  server.setFaults({ redirect: 302 });
  const r = await get(server.cdnHost, imagePath(), { Range: 'bytes=0-9' });
  assert.is(r.status, 302);
  const location = `https://mirror.fotakit.test:${server.port}${imagePath()}`;
  assert.is(r.headers['location'], location);
  const modem = await modemFor(server, ANY_RECORD_BYTES);
  await modem.credentials.write(TAG_BALTIMORE, CREDENTIAL_TYPE.rootCa, server.pki.roots.baltimoreCyberTrust.pem);
  const s = await modem.connect({ host: server.mirrorHost, port: server.port, tls: { secTags: [TAG_AMAZON, TAG_G2, TAG_BALTIMORE], peerVerify: 'required' } });
  assert.is(s.info().validatedBy, TAG_BALTIMORE);
  await s.send(requestBytes(server.mirrorHost, new URL(location).pathname, { Range: 'bytes=0-9' }));
  const m = await new ResponseReader(s).read();
  assert.is(m.status, 206);
  assert.ok(bytesEqual(m.body, IMAGE.subarray(0, 10)));
  await s.close();
  assert.equal(server.requests.map((q) => [q.host, q.status, q.fault]), [
    ['cdn.fotakit.test', 302, 'redirect 302'],
    ['mirror.fotakit.test', 206, undefined],
  ]);
});

test('bad faults and releases are refused with USAGE', async () => {
  for (const bad of [{ recordPlaintextBytes: 100 }, { status: 200 }, { nope: 1 }, { dropAfterBytes: -1 }, { redirect: 300 }]) {
    try {
      server.setFaults(bad as never);
      assert.unreachable();
    } catch (e) {
      assert.is((e as FotaError).code, 'USAGE');
    }
  }
  await rejectionOf(startUpdateServer({ image: new Uint8Array(0), version: '1' }));
  await rejectionOf(startUpdateServer({ image: IMAGE, version: 'bad version' }));
});

test('close() ends stalled connections too', async () => {
  const other = await startUpdateServer({ image: IMAGE, version: VERSION, faults: { stallAfterBytes: 1 } });
  const modem = await modemFor(other);
  const s = await modem.connect({ host: other.cdnHost, port: other.port, tls: { secTags: [TAG_G2], peerVerify: 'required' } });
  await s.send(requestBytes(other.cdnHost, new URL(other.imageUrl).pathname));
  await s.recv(100, 2000);
  await other.close();
  await s.close();
});

test.run();

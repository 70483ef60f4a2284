/**
 * HTTP vectors: raw responses → what fotakit's streaming parser makes of them (status, headers,
 * framing, body, Content-Range) or the HttpError code; Content-Range values → parsed or the error; and
 * range plans (file size, head size observed on the first 206, TLS record limit) → the sequence of
 * ranges the downloader asks for so each response fits one record.
 * Spec: RFC 9112 (message framing), RFC 9110 14.4 (Content-Range), nrf91-fota.md (record limit).
 */
import { concatBytes, toHex, utf8Encode } from '../hal/bytes.ts';
import { FotaError } from '../hal/errors.ts';
import { MODEM_TLS_MAX_RECORD_BYTES } from '../hal/net.ts';
import { parseContentRange, type ContentRange } from '../transport/http/headers.ts';
import { HTTP_HEADER_MAX_COUNT, HTTP_LINE_MAX_BYTES, ResponseParser } from '../transport/http/response-parser.ts';
import { DOWNLOAD_RECORD_MARGIN_BYTES, DOWNLOAD_RECORD_OVERHEAD_BYTES, planRange, type ObservedHead, type RangePlan } from '../transport/download/planner.ts';
import { CHeaderWriter, cString } from './c-header.ts';
import { VECTORS_SCHEMA_VERSION, errorCode, type VectorCategory } from './category.ts';

/** Outcome name of a response or value that parsed. */
const HTTP_RESULT_OK = 'OK';

const CRLF = '\r\n';
function msg(...lines: string[]): string {
  return lines.join(CRLF);
}

/** Responses as the wire carries them; `close` = the connection closes after these bytes. */
const RESPONSES: ReadonlyArray<{ name: string; description: string; text: string; method?: string; close?: boolean }> = [
  { name: 'ok_content_length', description: '200 with Content-Length', text: msg('HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Type: application/octet-stream', '', 'hello') },
  { name: 'partial_content', description: '206 with Content-Range and a strong ETag', text: msg('HTTP/1.1 206 Partial Content', 'Content-Range: bytes 0-9/1000', 'Content-Length: 10', 'ETag: "v1.2.3"', '', '0123456789') },
  { name: 'partial_content_mid', description: '206 for a range in the middle of the file', text: msg('HTTP/1.1 206 Partial Content', 'Content-Length: 4', 'Content-Range: bytes 996-999/1000', '', 'wxyz') },
  { name: 'partial_content_bad_range', description: '206 whose Content-Range runs past the size (the head parses; the field does not)', text: msg('HTTP/1.1 206 Partial Content', 'Content-Length: 1', 'Content-Range: bytes 0-1000/1000', '', 'x') },
  { name: 'chunked', description: 'chunked body with an extension and a trailer field', text: msg('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', '4;ext=1', 'fota', '3', 'kit', '0', 'X-Trailer: 1', '', '') },
  { name: 'range_not_satisfiable', description: '416 with Content-Range bytes */size', text: msg('HTTP/1.1 416 Range Not Satisfiable', 'Content-Range: bytes */1000', 'Content-Length: 0', '', '') },
  { name: 'interim_continue', description: '100 Continue skipped before the final 200', text: msg('HTTP/1.1 100 Continue', '', 'HTTP/1.1 200 OK', 'Content-Length: 2', '', 'ok') },
  { name: 'close_framed', description: 'HTTP/1.0 body framed by the end of the connection', text: msg('HTTP/1.0 200 OK', 'Content-Type: text/plain', '', 'until close'), close: true },
  { name: 'no_content', description: '204: no body whatever the fields say', text: msg('HTTP/1.1 204 No Content', 'Connection: close', '', '') },
  { name: 'redirect', description: '302 with a Location on another host', text: msg('HTTP/1.1 302 Found', 'Location: https://cdn.fotakit.test/fw/app_update.bin', 'Content-Length: 0', '', '') },
  { name: 'head_request', description: 'answer to HEAD: Content-Length but no body', method: 'HEAD', text: msg('HTTP/1.1 200 OK', 'Content-Length: 123456', 'Accept-Ranges: bytes', '', '') },
  { name: 'duplicate_content_length', description: 'Content-Length given twice with the same value (allowed)', text: msg('HTTP/1.1 200 OK', 'Content-Length: 3', 'Content-Length: 3', '', 'abc') },
  { name: 'pipelined', description: 'two responses in one read: the parser stops at the end of the first', text: msg('HTTP/1.1 200 OK', 'Content-Length: 1', '', 'aHTTP/1.1 200 OK', 'Content-Length: 1', '', 'b') },
  // Errors.
  { name: 'bad_version', description: 'HTTP/2 status line', text: msg('HTTP/2 200 OK', 'Content-Length: 0', '', '') },
  { name: 'bad_status_code', description: 'two-digit status code', text: msg('HTTP/1.1 20 OK', '', '') },
  { name: 'bare_lf_status', description: 'status line ending in a bare LF', text: 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n' },
  { name: 'space_before_colon', description: 'field name followed by a space', text: msg('HTTP/1.1 200 OK', 'Content-Length : 5', '', 'hello') },
  { name: 'conflicting_content_length', description: 'Content-Length: 5, 6', text: msg('HTTP/1.1 200 OK', 'Content-Length: 5, 6', '', 'hello') },
  { name: 'negative_content_length', description: 'Content-Length: -1', text: msg('HTTP/1.1 200 OK', 'Content-Length: -1', '', '') },
  { name: 'gzip_transfer_encoding', description: 'Transfer-Encoding: gzip (not supported)', text: msg('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip', '', '') },
  { name: 'bad_chunk_size', description: 'chunk size that is not hex', text: msg('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', 'zz', '') },
  { name: 'chunk_longer_than_size', description: 'chunk data longer than its size', text: msg('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', '2', 'abc', '0', '', '') },
  { name: 'truncated_body', description: 'connection closed 3 bytes into a 10-byte body', text: msg('HTTP/1.1 200 OK', 'Content-Length: 10', '', 'abc'), close: true },
  { name: 'truncated_head', description: 'connection closed in the head', text: 'HTTP/1.1 200 OK\r\nContent-Len', close: true },
  { name: 'line_too_long', description: `a header line past ${HTTP_LINE_MAX_BYTES} bytes`, text: msg('HTTP/1.1 200 OK', `X-Long: ${'a'.repeat(HTTP_LINE_MAX_BYTES)}`, '', '') },
  {
    name: 'too_many_fields',
    description: `${HTTP_HEADER_MAX_COUNT + 1} header fields`,
    text: msg('HTTP/1.1 200 OK', ...Array.from({ length: HTTP_HEADER_MAX_COUNT + 1 }, (_, i) => `X-F${i}: ${i}`), '', ''),
  },
];

/** Content-Range field values → parsed or HTTP_BAD_CONTENT_RANGE. */
const CONTENT_RANGES: readonly string[] = [
  'bytes 0-1023/100000',
  'bytes 99999-99999/100000',
  'bytes 0-9/*',
  'bytes */100000',
  'BYTES 5-9/10',
  'bytes 10-5/100',
  'bytes 0-100/100',
  'bytes */*',
  'bytes 0-9',
  'items 0-9/10',
  'bytes -1-9/10',
  'bytes 0-99999999999999999/100000000000000000',
];

/** Range plan cases: file size, head bytes of the first 206 seen, modem record limit. */
const RANGE_PLAN_CASES: ReadonlyArray<{ name: string; fileSize: number; observedHeadBytes: number; recordLimitBytes: number }> = [
  { name: 'small_file', fileSize: 1000, observedHeadBytes: 250, recordLimitBytes: MODEM_TLS_MAX_RECORD_BYTES },
  { name: 'nrf91_limit', fileSize: 20000, observedHeadBytes: 262, recordLimitBytes: MODEM_TLS_MAX_RECORD_BYTES },
  { name: 'big_head', fileSize: 12000, observedHeadBytes: 700, recordLimitBytes: MODEM_TLS_MAX_RECORD_BYTES },
  { name: 'record_4k', fileSize: 30000, observedHeadBytes: 300, recordLimitBytes: 4096 },
  { name: 'digits_grow', fileSize: 1_000_500, observedHeadBytes: 240, recordLimitBytes: 16384 + DOWNLOAD_RECORD_OVERHEAD_BYTES },
  { name: 'limit_too_small', fileSize: 5000, observedHeadBytes: 250, recordLimitBytes: 1000 },
];
/** Most ranges listed per plan (the digits_grow case needs ~62). */
const RANGE_PLAN_MAX_RANGES = 200;

interface ParsedResponse {
  code: string;
  consumed?: number;
  head?: Record<string, unknown>;
  body?: Uint8Array;
}

function contentRangeJson(r: ContentRange): Record<string, unknown> {
  return r.unsatisfied ? { unsatisfied: true, first: null, last: null, size: r.size } : { unsatisfied: false, first: r.first, last: r.last, size: r.size ?? null };
}

function parseResponse(bytes: Uint8Array, method: string | undefined, close: boolean): ParsedResponse {
  try {
    const parser = new ResponseParser(method ? { method } : {});
    const { consumed, events } = parser.push(bytes);
    if (close && !parser.done) events.push(...parser.end());
    const body: Uint8Array[] = [];
    for (const e of events) if (e.type === 'data') body.push(e.bytes);
    const h = parser.response;
    if (!h) throw new FotaError('VECTORS_BAD_INPUT', 'vectors.http: a response vector produced no head');
    const cr = h.headers.get('content-range');
    let contentRange: unknown = null;
    if (cr !== undefined) {
      try {
        contentRange = contentRangeJson(parseContentRange(cr));
      } catch (e) {
        contentRange = { error: errorCode(e) };
      }
    }
    return {
      code: HTTP_RESULT_OK,
      consumed,
      body: concatBytes(...body),
      head: {
        version: h.version,
        status: h.status,
        reason: h.reason,
        headers: h.headers.entries.map(([n, v]) => [n, v]),
        head_bytes: h.headBytes,
        keep_alive: h.keepAlive,
        framing: h.framing,
        content_length: h.contentLength ?? null,
        content_range: contentRange,
        complete: parser.done,
      },
    };
  } catch (e) {
    return { code: errorCode(e) };
  }
}

function planSequence(c: (typeof RANGE_PLAN_CASES)[number]): { ranges: RangePlan[]; code: string } {
  const ranges: RangePlan[] = [];
  let observed: ObservedHead | undefined;
  let offset = 0;
  try {
    while (offset < c.fileSize) {
      if (ranges.length >= RANGE_PLAN_MAX_RANGES) throw new FotaError('VECTORS_BAD_INPUT', `vectors.http: plan ${c.name} needs more than ${RANGE_PLAN_MAX_RANGES} ranges`);
      const plan = planRange({ offset, size: c.fileSize, recordLimitBytes: c.recordLimitBytes, ...(observed ? { observed } : {}) });
      ranges.push(plan);
      if (!observed) observed = { headBytes: c.observedHeadBytes, first: plan.first, last: plan.last };
      offset = plan.last + 1;
    }
    return { ranges, code: HTTP_RESULT_OK };
  } catch (e) {
    return { ranges, code: errorCode(e) };
  }
}

export async function generateHttpVectors(): Promise<VectorCategory> {
  const responses = RESPONSES.map((r) => {
    const bytes = utf8Encode(r.text);
    return { r, bytes, p: parseResponse(bytes, r.method, r.close === true) };
  });
  const ranges = CONTENT_RANGES.map((value) => {
    try {
      return { value, code: HTTP_RESULT_OK, parsed: contentRangeJson(parseContentRange(value)) };
    } catch (e) {
      return { value, code: errorCode(e), parsed: null };
    }
  });
  const plans = RANGE_PLAN_CASES.map((c) => ({ c, ...planSequence(c) }));

  const json = {
    schema: VECTORS_SCHEMA_VERSION,
    category: 'http',
    responses: responses.map(({ r, bytes, p }) => ({
      name: r.name,
      description: r.description,
      method: r.method ?? 'GET',
      connection_closes: r.close === true,
      bytes_hex: toHex(bytes),
      expect: p.code === HTTP_RESULT_OK ? { code: p.code, consumed: p.consumed, ...p.head, body_hex: toHex(p.body!) } : { code: p.code },
    })),
    content_ranges: ranges.map((r) => ({ value: r.value, code: r.code, parsed: r.parsed })),
    range_plans: {
      record_overhead_bytes: DOWNLOAD_RECORD_OVERHEAD_BYTES,
      record_margin_bytes: DOWNLOAD_RECORD_MARGIN_BYTES,
      cases: plans.map(({ c, ranges: rs, code }) => ({
        name: c.name,
        file_size: c.fileSize,
        observed_head_bytes: c.observedHeadBytes,
        record_limit_bytes: c.recordLimitBytes,
        code,
        ranges: rs.map((x) => ({ first: x.first, last: x.last, length: x.length, predicted_head_bytes: x.predictedHeadBytes })),
      })),
    },
  };

  const w = new CHeaderWriter('FOTAKIT_VECTORS_HTTP_H', 'HTTP vectors: response parsing, Content-Range, range plans under the TLS record limit.');
  w.define('FOTAKIT_MODEM_TLS_MAX_RECORD_BYTES', MODEM_TLS_MAX_RECORD_BYTES);
  w.define('FOTAKIT_DOWNLOAD_RECORD_OVERHEAD_BYTES', DOWNLOAD_RECORD_OVERHEAD_BYTES);
  w.define('FOTAKIT_DOWNLOAD_RECORD_MARGIN_BYTES', DOWNLOAD_RECORD_MARGIN_BYTES);
  w.blank().raw(
    [
      'struct fotakit_http_response_vector {',
      '\tconst char *name;',
      '\tconst char *method;',
      '\tint connection_closes; /* the peer closes after these bytes */',
      '\tconst uint8_t *data;',
      '\tsize_t len;',
      '\tconst char *expect_code; /* "OK" or the HttpError code */',
      '\tint status; /* the rest: 0 / NULL unless expect_code is "OK" */',
      '\tsize_t consumed;',
      '\tsize_t head_bytes;',
      '\tconst char *framing; /* "none", "length", "chunked", "close" */',
      '\tlong long content_length; /* -1: none */',
      '\tint keep_alive;',
      '\tconst uint8_t *body;',
      '\tsize_t body_len;',
      '};',
      '',
      'struct fotakit_content_range_vector {',
      '\tconst char *value;',
      '\tconst char *expect_code;',
      '\tint unsatisfied;',
      '\tlong long first, last, size; /* -1: absent ("*") */',
      '};',
      '',
      'struct fotakit_range { uint32_t first, last, length, predicted_head_bytes; };',
      '',
      'struct fotakit_range_plan_vector {',
      '\tconst char *name;',
      '\tuint32_t file_size;',
      '\tuint32_t observed_head_bytes;',
      '\tuint32_t record_limit_bytes;',
      '\tconst char *expect_code; /* "OK", or the error after the listed ranges */',
      '\tconst struct fotakit_range *ranges;',
      '\tsize_t range_count;',
      '};',
    ].join('\n'),
    'fotakit_http_response_vector',
    'fotakit_content_range_vector',
    'fotakit_range',
    'fotakit_range_plan_vector',
  );
  responses.forEach(({ bytes, p }, i) => {
    w.bytes(`fotakit_http_response_${i}`, bytes);
    w.bytes(`fotakit_http_response_${i}_body`, p.body ?? new Uint8Array(0));
  });
  w.table(
    'fotakit_http_response_vector',
    'fotakit_http_response_vectors',
    responses.map(({ r, p }, i) => {
      const h = p.head;
      return [
        cString(r.name),
        cString(r.method ?? 'GET'),
        r.close ? '1' : '0',
        `fotakit_http_response_${i}`,
        `fotakit_http_response_${i}_len`,
        cString(p.code),
        String(h?.status ?? 0),
        String(p.consumed ?? 0),
        String(h?.head_bytes ?? 0),
        h ? cString(h.framing as string) : 'NULL',
        `${(h?.content_length as number | null | undefined) ?? -1}LL`,
        h?.keep_alive ? '1' : '0',
        `fotakit_http_response_${i}_body`,
        `fotakit_http_response_${i}_body_len`,
      ];
    }),
    'FOTAKIT_HTTP_RESPONSE_VECTOR_COUNT',
  );
  w.table(
    'fotakit_content_range_vector',
    'fotakit_content_range_vectors',
    ranges.map((r) => {
      const p = r.parsed as Record<string, unknown> | null;
      const num = (v: unknown) => (typeof v === 'number' ? `${v}LL` : '-1LL');
      return [cString(r.value), cString(r.code), p?.unsatisfied ? '1' : '0', num(p?.first), num(p?.last), num(p?.size)];
    }),
    'FOTAKIT_CONTENT_RANGE_VECTOR_COUNT',
  );
  plans.forEach(({ ranges: rs }, i) => {
    w.table('fotakit_range', `fotakit_range_plan_${i}_ranges`, rs.map((x) => [x.first, x.last, x.length, x.predictedHeadBytes].map((v) => `${v}U`)), `FOTAKIT_RANGE_PLAN_${i}_RANGE_COUNT`);
  });
  w.table(
    'fotakit_range_plan_vector',
    'fotakit_range_plan_vectors',
    plans.map(({ c, code, ranges: rs }, i) => [
      cString(c.name),
      `${c.fileSize}U`,
      `${c.observedHeadBytes}U`,
      `${c.recordLimitBytes}U`,
      cString(code),
      `fotakit_range_plan_${i}_ranges`,
      rs.length === 0 ? '0' : `FOTAKIT_RANGE_PLAN_${i}_RANGE_COUNT`,
    ]),
    'FOTAKIT_RANGE_PLAN_VECTOR_COUNT',
  );
  return { name: 'http', count: responses.length + ranges.length + plans.length, json, header: w.toString() };
}

/**
 * `fotakit download URL --ca PEM... -o OUT [--max-record-bytes 2303] [--window N] [--link lte-m] [--json]`:
 * the range downloader over the simulated nRF9160 modem (real TLS through the record gate, optional
 * link shaping) to any HTTPS host. Each root certificate from the --ca files goes under its own
 * sec_tag, as the modem stores them; names resolve through DNS unless --resolve maps them.
 * Human output: the CLI's progress bar on a terminal (src/cli/progress.ts), then a summary line.
 * `--json`: one summary line (bytes, requests, retries, maxRecordBytes, seconds, ...). Exit 0 when OUT holds the whole file; otherwise the status of the error's code
 * (src/cli/exit-codes.ts: 1 when the download failed or gave up, 2 on usage errors).
 * Nothing a user owns is lost: the bytes go to OUT.part with a resume record beside it (OUT.part.json:
 * URL, validator, size, offset), OUT is replaced only when the file is complete, and a rerun with the
 * same URL resumes from OUT.part when the server still has the same file (If-Range on its validator).
 */
import { lookup } from 'node:dns/promises';
import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { isIP } from 'node:net';
import { isFotaError, NetError, UsageError } from '../../hal/errors.ts';
import { CREDENTIAL_TYPE, MODEM_TLS_MAX_RECORD_BYTES, type Socket } from '../../hal/net.ts';
import { resolveLink, type LinkProfileName } from '../../hal/sim/link.ts';
import { createSimModem } from '../../hal/sim/modem.ts';
import { download } from '../../transport/download/downloader.ts';
import { DownloadError } from '../../transport/download/errors.ts';
import { DOWNLOAD_PIPELINE_DEPTH_DEFAULT, DOWNLOAD_PIPELINE_DEPTH_MAX } from '../../transport/download/policy.ts';
import { PIPELINE_OFF_REASON_TEXT } from '../../transport/download/pipeline-control.ts';
import type { DownloadSink } from '../../transport/download/sink.ts';
import { parseUrl } from '../../transport/http/url.ts';
import { readCandidates } from '../cert-files.ts';
import { EXIT_OK, helpText, parseCommand, parseInteger, reportError, stringList, stringValue, type CommandSpec } from '../args.ts';
import { checkOutputPath, JsonFileSettings, refuseSamePath } from '../files.ts';
import { parseResolve } from '../resolve.ts';
import { ProgressBar } from '../progress.ts';

/** sec_tag of the first --ca certificate; the next ones follow. */
export const DOWNLOAD_CLI_SEC_TAG_BASE = 4000;
/** Smallest --max-record-bytes that can carry a useful range. */
const DOWNLOAD_CLI_MIN_RECORD_BYTES = 1200;
/** TLS's own record ceiling (16 KiB plaintext + 2 KiB expansion + 5-byte header). */
const TLS_RECORD_CEILING_BYTES = 16384 + 2048 + 5;
const MS_PER_S = 1000;

export const SPEC: CommandSpec = {
  usage: 'fotakit download URL --ca PEM [--ca PEM...] -o OUT [--max-record-bytes N] [--window N] [--link P] [--resolve HOST=IP] [--json]',
  summary:
    'Downloads URL with HTTP range requests sized so every response fits one TLS record under the modem limit, ' +
    'over the simulated nRF9160 modem (real TLS, record gate, link shaping) to any host.',
  options: {
    ca: { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
    'max-record-bytes': { type: 'string' },
    window: { type: 'string' },
    link: { type: 'string' },
    resolve: { type: 'string', multiple: true },
    quiet: { type: 'boolean', short: 'q' },
  },
  help: {
    ca: 'root CA certificate(s), PEM (repeatable; each certificate gets its own sec_tag)',
    output: 'where the file goes (written as OUT.part until complete; a rerun resumes it)',
    'max-record-bytes': `the modem's TLS record limit in bytes, header included (default ${MODEM_TLS_MAX_RECORD_BYTES})`,
    window: `range requests in flight on one connection (default ${DOWNLOAD_PIPELINE_DEPTH_DEFAULT}, 1..${DOWNLOAD_PIPELINE_DEPTH_MAX})`,
    link: 'link shaping: none, lte-m, nb-iot (default none)',
    resolve: 'HOST=ADDRESS[:PORT]: use ADDRESS (and PORT for 443) for HOST instead of DNS (repeatable)',
    quiet: 'no progress line',
  },
  positionals: { min: 1, max: 1, names: 'URL' },
};

/** Suffix of the file the bytes go to until the download is complete. */
export const DOWNLOAD_PART_SUFFIX = '.part';
/** Suffix (after OUT.part) of the resume record beside it. */
const DOWNLOAD_RESUME_SUFFIX = '.json';

/** Writes in order to a file; reset truncates it. Opened on what an earlier run left, it reports that many bytes. */
class FileSink implements DownloadSink {
  private constructor(private readonly fh: FileHandle, private n: number) {}

  static async open(path: string): Promise<FileSink> {
    // What an earlier run left is kept (the downloader resumes it or resets it); otherwise a new file.
    const fh = await open(path, 'r+').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return open(path, 'w+');
      throw e;
    });
    return new FileSink(fh, (await fh.stat()).size);
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (offset !== this.n) throw new DownloadError('DOWNLOAD_SINK_OFFSET', `file.write: offset ${offset} but ${this.n} bytes written`);
    let done = 0;
    while (done < bytes.length) done += (await this.fh.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
    this.n += bytes.length;
  }

  async reset(): Promise<void> {
    await this.fh.truncate(0);
    this.n = 0;
  }

  async persistedBytes(): Promise<number> {
    return this.n;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** A host name that did not resolve: say how to map it. */
function withResolveHint(e: unknown, mapped: string[]): unknown {
  if (!isFotaError(e, 'EHOSTUNREACH')) return e;
  const host = typeof e.context.host === 'string' ? e.context.host : undefined;
  if (host === undefined || mapped.includes(host.toLowerCase())) return e;
  return new NetError('EHOSTUNREACH', `${e.message}: DNS does not know it; map it with --resolve ${host}=ADDRESS (e.g. --resolve ${host}=127.0.0.1)`, {
    ...e.context,
    hint: `--resolve ${host}=ADDRESS`,
  });
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommand(SPEC, argv);
  if (p.help) {
    console.log(helpText(SPEC));
    return EXIT_OK;
  }
  try {
    const url = p.positionals[0]!;
    const target = parseUrl(url);
    const out = stringValue(p, 'output');
    if (out === undefined) throw new UsageError('download: -o OUT is required');
    const caFiles = stringList(p, 'ca');
    if (target.scheme === 'https' && caFiles.length === 0) throw new UsageError('download: at least one --ca PEM is required for https');
    checkOutputPath('-o', out);
    refuseSamePath('-o', out, caFiles.map((path) => ({ flag: '--ca', path })));
    const maxRecord = parseInteger('max-record-bytes', stringValue(p, 'max-record-bytes') ?? String(MODEM_TLS_MAX_RECORD_BYTES), TLS_RECORD_CEILING_BYTES);
    if (maxRecord < DOWNLOAD_CLI_MIN_RECORD_BYTES) throw new UsageError(`--max-record-bytes: at least ${DOWNLOAD_CLI_MIN_RECORD_BYTES} bytes`);
    const depth = parseInteger('window', stringValue(p, 'window') ?? String(DOWNLOAD_PIPELINE_DEPTH_DEFAULT), DOWNLOAD_PIPELINE_DEPTH_MAX);
    if (depth < 1) throw new UsageError(`--window: 1..${DOWNLOAD_PIPELINE_DEPTH_MAX}`);
    const linkName = (stringValue(p, 'link') ?? 'none') as LinkProfileName;
    try {
      resolveLink(linkName);
    } catch (e) {
      throw new UsageError(`--link: ${(e as Error).message}`);
    }
    const candidates = readCandidates(caFiles, DOWNLOAD_CLI_SEC_TAG_BASE, 'ca');
    const hosts = parseResolve(stringList(p, 'resolve'));
    const modem = createSimModem({ hosts, link: linkName, maxRecordBytes: maxRecord });
    const secTags = candidates.map((c) => c.secTag);
    for (const c of candidates) await modem.credentials.write(c.secTag, CREDENTIAL_TYPE.rootCa, c.pem);
    const known = new Set(Object.keys(hosts));
    const connect = async (host: string, port: number, scheme: 'http' | 'https'): Promise<Socket> => {
      if (!known.has(host) && isIP(host) === 0) {
        const { address } = await lookup(host).catch(() => ({ address: '' }));
        if (address) {
          modem.setHosts({ [host]: address });
          known.add(host);
        }
      }
      return modem.connect({ host, port, tls: scheme === 'https' ? { secTags, peerVerify: 'required', hostname: host } : undefined });
    };
    const part = `${out}${DOWNLOAD_PART_SUFFIX}`;
    checkOutputPath('-o', part);
    const resume = new JsonFileSettings(`${part}${DOWNLOAD_RESUME_SUFFIX}`);
    const sink = await FileSink.open(part);
    let complete = false;
    const t0 = performance.now();
    // The bar ends with the download, a failed one too: no half-drawn bar before the error message.
    const bar = new ProgressBar({ json: p.json, quiet: p.values.quiet === true });
    try {
      const r = await download({
        url,
        sink,
        connect,
        clock: { now: () => performance.now(), sleep: (ms) => new Promise((res) => setTimeout(res, ms)) },
        settings: resume,
        resumeId: url,
        recordLimitBytes: maxRecord,
        pipelineDepth: depth,
        // Response deadlines scale with the link's rate (liveness.ts).
        linkBitsPerS: resolveLink(linkName).downlinkBitsPerS,
        userAgent: 'fotakit-download',
        onProgress: (pr) => bar.update(pr.bytes, pr.total, `requests ${pr.requests}  retries ${pr.retries}  range ${pr.rangeBytes}  max record ${pr.maxRecordBytes}`),
      }).finally(() => bar.stop());
      await sink.close();
      // Only a complete file, of exactly the announced size, becomes OUT.
      const got = (await stat(part)).size;
      if (got !== r.size) throw new DownloadError('DOWNLOAD_SINK_FAILED', `download: ${part} holds ${got} bytes, not ${r.size}`, { bytes: got, size: r.size });
      await rename(part, out);
      resume.remove();
      complete = true;
      const seconds = (performance.now() - t0) / MS_PER_S;
      const summary = {
        ok: true,
        url,
        output: out,
        bytes: r.size,
        resumedFrom: r.resumedFrom,
        requests: r.requests,
        retries: r.retries,
        restarts: r.restarts,
        connections: r.connections,
        emsgsize: r.emsgsize,
        // The largest record ACCEPTED; refused ones (EMSGSIZE) apart.
        maxRecordBytes: r.maxRecordBytes,
        refusedRecords: r.emsgsize,
        ...(r.refusedRecordBytes.length > 0 ? { largestRefusedRecordBytes: Math.max(...r.refusedRecordBytes) } : {}),
        maxHeadBytes: r.maxHeadBytes,
        pipelineDepth: r.pipelineDepth,
        pipeline: r.pipeline,
        link: linkName,
        seconds: Number(seconds.toFixed(3)),
        etag: r.etag,
      };
      if (p.json) console.log(JSON.stringify(summary));
      else {
        console.log(
          `downloaded ${r.size} bytes to ${out} in ${seconds.toFixed(2)} s: ${r.requests} requests, ${r.retries} retries, ` +
            `largest TLS record accepted ${r.maxRecordBytes} bytes (limit ${maxRecord})` +
            (r.emsgsize > 0 ? `, ${r.emsgsize} refused (largest ${Math.max(0, ...r.refusedRecordBytes)} bytes, EMSGSIZE)` : ''),
        );
        if (r.pipeline.offReason) console.log(`pipelining off at the end: ${PIPELINE_OFF_REASON_TEXT[r.pipeline.offReason]}`);
        else if (r.pipeline.requestsPerConnection !== undefined) console.log(`the server answers ${r.pipeline.requestsPerConnection} requests per connection: no more were sent on one`);
      }
      return EXIT_OK;
    } catch (e) {
      if (!complete && !p.json) console.error(`download: the bytes so far stay in ${part}; the same command resumes them`);
      throw withResolveHint(e, Object.keys(hosts));
    } finally {
      await sink.close().catch(() => undefined);
      await modem.closeAll();
    }
  } catch (e) {
    return reportError(e, p.json);
  }
}

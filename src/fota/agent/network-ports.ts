/**
 * The agent's network ports on fotakit's transport: the release check (Memfault-compatible) and the
 * range downloader, both over one HTTP client whose connect chooses the root CA per host by real
 * handshakes (CertSelector). The same wiring serves the simulated board and hardware in the loop.
 */
import type { Clock } from '../../hal/clock.ts';
import type { Log } from '../../hal/log.ts';
import type { Settings } from '../../hal/settings.ts';
import { HttpClient } from '../../transport/http/client.ts';
import { download } from '../../transport/download/downloader.ts';
import type { RangePolicy } from '../../transport/download/policy.ts';
import { parseUrl } from '../../transport/http/url.ts';
import type { CertSelector } from '../cert-select.ts';
import { checkForRelease, type DeviceIdentity, type ReleaseApiConfig } from '../update-check.ts';
import type { DownloadPort, ReleasePort } from './ports.ts';

/** Settings key of the downloader's resume record for the agent. */
export const AGENT_DOWNLOAD_STATE_KEY = 'fota/dl';

export interface RangeDownloadPortOptions {
  client: HttpClient;
  clock: Clock;
  settings: Settings;
  log?: Log;
  recordLimitBytes?: number;
  pipelineDepth?: number;
  policy?: RangePolicy;
  /** The link's downlink rate, so response deadlines scale with it (liveness.ts). */
  linkBitsPerS?: number;
}

export function rangeDownloadPort(o: RangeDownloadPortOptions): DownloadPort {
  return {
    async download(url, sink, onProgress) {
      const r = await download({
        url,
        sink,
        client: o.client,
        clock: o.clock,
        settings: o.settings,
        stateKey: AGENT_DOWNLOAD_STATE_KEY,
        ...(o.log ? { log: o.log } : {}),
        ...(o.recordLimitBytes !== undefined ? { recordLimitBytes: o.recordLimitBytes } : {}),
        ...(o.pipelineDepth !== undefined ? { pipelineDepth: o.pipelineDepth } : {}),
        ...(o.policy ? { policy: o.policy } : {}),
        ...(o.linkBitsPerS !== undefined ? { linkBitsPerS: o.linkBitsPerS } : {}),
        onProgress: (p) =>
          onProgress({ bytes: p.bytes, total: p.total ?? 0, requests: p.requests, retries: p.retries, rangeBytes: p.rangeBytes, headBytes: p.headBytes, maxRecordBytes: p.maxRecordBytes }),
      });
      return { bytes: r.bytesFetched, total: r.size, requests: r.requests, retries: r.retries, maxRecordBytes: r.maxRecordBytes };
    },
  };
}

export interface ReleasePortOptions {
  /** Makes a client for one check (the legacy SLM has one socket: the check's must close before the download). */
  newClient: () => HttpClient;
  api: ReleaseApiConfig;
  identity: Omit<DeviceIdentity, 'currentVersion'>;
}

export function releasePort(o: ReleasePortOptions): ReleasePort {
  return {
    check: (currentVersion) =>
      checkForRelease(
        async (url, headers) => {
          const client = o.newClient();
          try {
            const res = await client.request(url, { method: 'GET', headers: Object.entries(headers) });
            return { status: res.status, body: res.body };
          } finally {
            await client.close();
          }
        },
        o.api,
        { ...o.identity, currentVersion },
      ),
  };
}

/**
 * Proves a root CA for the download host before downloading (the agent's selecting-cert state); the
 * verified socket is kept for the download's first connection.
 */
export function selectCertFor(selector: CertSelector): (url: string) => Promise<void> {
  return async (url) => {
    const u = parseUrl(url);
    await selector.prove(u.host, u.port);
  };
}

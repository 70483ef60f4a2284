/**
 * Net HAL: the nRF9160 modem as the device sees it. Credentials live in the modem, addressed by
 * `sec_tag`; sockets are opened with one sec_tag or a list, peer verification and a host name, and the
 * modem does the TLS. Spec: docs/reference/nrf91-fota.md ("nRF9160 modem facts").
 *
 * Errors: NetError with EMSGSIZE (TLS record over the modem's limit), ECONNREFUSED, ECONNRESET,
 * ETIMEDOUT, EHOSTUNREACH, ENOMEM (all sockets in use), ENOTCONN; TlsError for handshakes with
 * CERT_UNKNOWN_CA, CERT_HOSTNAME_MISMATCH, CERT_EXPIRED, CERT_NOT_YET_VALID, TLS_HANDSHAKE_TIMEOUT, and the
 * modem's policy refusals CERT_WEAK_KEY, CERT_WEAK_SIGNATURE, TLS_VERSION_UNSUPPORTED.
 */

/** Largest TLS record (5-byte header + ciphertext) the nRF9160 modem receives. */
export const MODEM_TLS_MAX_RECORD_BYTES = 2303;
/** Sockets the modem offers at once. */
export const MODEM_MAX_SOCKETS = 8;
/** Largest server certificate chain the modem accepts. */
export const MODEM_MAX_CERT_CHAIN_BYTES = 4096;
/** The one TLS version the modem speaks (Nordic's modem library: "TLS 1.2 client"); older is TLS_VERSION_UNSUPPORTED. */
export const MODEM_TLS_VERSION = 'TLSv1.2';
/** Smallest RSA key accepted in a server's chain (fotakit's policy, docs/nrf9160-modem-tls.md); smaller is CERT_WEAK_KEY. */
export const MODEM_TLS_RSA_MIN_KEY_BITS = 2048;
/** EC curves accepted in a server's chain; any other curve (or key type) is CERT_WEAK_KEY. */
export const MODEM_TLS_EC_CURVES: readonly string[] = ['P-256', 'P-384'];
/** nRF socket receive timeout NCS's download client uses. */
export const MODEM_SOCKET_TIMEOUT_MS = 30_000;

/** Credential types, numbered as AT%CMNG numbers them. */
export const CREDENTIAL_TYPE = {
  rootCa: 0,
  clientCert: 1,
  privateKey: 2,
  psk: 3,
  pskIdentity: 4,
} as const;
export type CredentialType = (typeof CREDENTIAL_TYPE)[keyof typeof CREDENTIAL_TYPE];

export interface CredentialInfo {
  secTag: number;
  type: CredentialType;
  /** SHA-256 of the stored content as the modem reports it (hex, upper or lower case), when known. */
  sha256?: string;
}

/** The modem's credential store (AT%CMNG). */
export interface CredentialStore {
  list(): Promise<CredentialInfo[]>;
  /** Writes (or replaces) a credential; `content` is PEM text for certificates. */
  write(secTag: number, type: CredentialType, content: string): Promise<void>;
  delete(secTag: number, type: CredentialType): Promise<void>;
}

export type PeerVerify = 'none' | 'optional' | 'required';

export interface TlsOptions {
  /** CA sec_tags the modem may validate the peer with (one, or a list as the modem supports). */
  secTags: number[];
  /** TLS_PEER_VERIFY; `required` for anything real. */
  peerVerify: PeerVerify;
  /** TLS_HOSTNAME: the name checked against the certificate (and sent as SNI). Defaults to `host`. */
  hostname?: string;
  /** Handshake timeout. */
  handshakeTimeoutMs?: number;
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** TLS as the modem does it; omit for a plain TCP socket. */
  tls?: TlsOptions;
  connectTimeoutMs?: number;
}

export interface SocketInfo {
  /** The sec_tag whose root CA validated the peer, when the modem can tell (the simulated one can). */
  validatedBy?: number;
  /** Largest TLS record from the server accepted so far, header included (0 for plain TCP or unknown). */
  maxRecordBytes: number;
  /** The record the modem refused (EMSGSIZE), header included, when it refused one and can tell its size. */
  refusedRecordBytes?: number;
  /** False when this modem cannot see TLS records at all (the serial modem): record sizes are unknown. */
  recordSizesKnown?: boolean;
  /** Bytes received and sent on this socket, application data. */
  bytesReceived: number;
  bytesSent: number;
}

export interface Socket {
  /** Sends all of `bytes` (resolves when the modem took them). */
  send(bytes: Uint8Array): Promise<void>;
  /**
   * Receives up to `maxBytes`; resolves with at least one byte, or an empty array at end of stream.
   * Rejects with ETIMEDOUT after `timeoutMs` (default MODEM_SOCKET_TIMEOUT_MS) without data, and with
   * the socket's error (EMSGSIZE, ECONNRESET) once it failed.
   */
  recv(maxBytes: number, timeoutMs?: number): Promise<Uint8Array>;
  close(): Promise<void>;
  info(): SocketInfo;
}

export interface Modem {
  readonly credentials: CredentialStore;
  /** Opens a socket; with `tls` the handshake has completed (peer verified) when this resolves. */
  connect(options: ConnectOptions): Promise<Socket>;
}

/**
 * CRC-16/XMODEM (poly 0x1021, init 0, no reflection, no xorout), the checksum of SMP's serial
 * transport. Check value: "123456789" → 0x31c3. Table-driven, one table built on first use.
 */
const CRC16_XMODEM_POLY = 0x1021;
let table: Uint16Array | undefined;

function buildTable(): Uint16Array {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ CRC16_XMODEM_POLY) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
}

/** CRC of `bytes`, continuing from `crc` (0 to start). */
export function crc16Xmodem(bytes: Uint8Array, crc = 0): number {
  const t = (table ??= buildTable());
  let c = crc & 0xffff;
  for (let i = 0; i < bytes.length; i++) c = ((c << 8) & 0xffff) ^ t[((c >> 8) ^ bytes[i]!) & 0xff]!;
  return c;
}

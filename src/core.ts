/**
 * The portable core's public surface: everything here runs without Node (browser, other JS runtimes).
 * The build bundles this file for `platform: neutral` and fails on any Node builtin.
 */
export * from './hal/errors.ts';
export * from './hal/flash.ts';
export * from './hal/settings.ts';
export * from './hal/net.ts';
export * from './hal/clock.ts';
export * from './hal/system.ts';
export * from './hal/log.ts';
export * from './hal/crypto.ts';
export type * from './hal/board.ts';
export * from './hal/bytes.ts';
// MCUmgr SMP (codec, serial/BLE framing, client, server) as a namespace: its names (encodeHeader...)
// would collide with the MCUboot image toolkit's.
export * as smp from './transport/smp/index.ts';
// HTTP/1.1 client and the record-limit range downloader, as namespaces too (parseUrl, planRange...).
export * as http from './transport/http/index.ts';
export * as download from './transport/download/index.ts';
export { SmpSlotTarget, type SmpSlotOptions } from './fota/dfu/smp-slot.ts';

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
// The FOTA agent and what it is built from.
export * from './fota/agent/agent.ts';
export * from './fota/agent/transitions.ts';
export * from './fota/agent/policy.ts';
export type * from './fota/agent/ports.ts';
export * from './fota/agent/mcuboot-verifier.ts';
export * from './fota/agent/network-ports.ts';
export * from './fota/cert-select.ts';
export * from './fota/update-check.ts';
export * from './fota/device-runner.ts';
// The device side of MCUmgr's image group, answered from the MCUboot model (SMP servers on boards).
export * from './fota/mgmt/img-mgmt.ts';
export type * from './fota/run-log.ts';
export * from './fota/dfu/image-type.ts';
export type * from './fota/dfu/slot-target.ts';
export * from './fota/dfu/stream-writer.ts';
export * from './fota/dfu/flash-slot.ts';
// MCUboot images (parse, verify, sign) and boot model (trailer, swap table, bootloader), as a namespace.
export * as mcuboot from './fota/mcuboot/index.ts';
export { portableCrypto, createPortableCrypto } from './hal/portable/crypto.ts';
export { portableEncryption } from './hal/portable/crypto-enc.ts';
export { FlashSettings } from './hal/portable/flash-settings.ts';
export { MemorySettings } from './hal/portable/memory-settings.ts';

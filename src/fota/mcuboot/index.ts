/** The MCUboot image toolkit and boot model, as one export list (src/core.ts exposes it as `mcuboot`). */
export * from './constants.ts';
export * from './errors.ts';
export * from './header.ts';
export * from './tlv.ts';
export * from './version.ts';
export * from './keys.ts';
export * from './verdict.ts';
export * from './image.ts';
export * from './verify.ts';
export * from './stream-verifier.ts';
export * from './sign.ts';
export * from './trailer.ts';
export * from './swap-table.ts';
export * from './boot-requests.ts';
export * from './bootloader.ts';

/**
 * Error codes of the embedded-engine boundary (src/engine/): the device bundle, the engine process and the
 * HAL calls crossing between them. Thrown as FotaError on either side.
 */
export const ENGINE_ERROR_CODES = {
  ENGINE_UNAVAILABLE: 'the engine cannot be started here (binary or package missing)',
  ENGINE_BUNDLE: 'the device bundle could not be built or loaded',
  ENGINE_EXITED: 'the engine process ended before the device application did',
  ENGINE_WIRE: 'a message across the boundary that does not decode',
  ENGINE_PROTOCOL: 'a message across the boundary out of order or of the wrong shape',
  ENGINE_UNKNOWN_OP: 'a HAL call the other side does not know',
  ENGINE_BAD_HANDLE: 'a HAL call naming a socket or object that is not open',
  ENGINE_NO_BLE: 'a BLE call on a board without a companion link',
  ENGINE_GUEST_ERROR: 'the device application threw something that is not a FotaError',
  ENGINE_UNCAUGHT: 'the device application failed without a code',
} as const;

export type EngineErrorCode = keyof typeof ENGINE_ERROR_CODES;

declare module '../hal/errors.ts' {
  interface FotaErrorCodeRegistry extends Record<keyof typeof ENGINE_ERROR_CODES, true> {}
}

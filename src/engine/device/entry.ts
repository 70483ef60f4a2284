/**
 * The bundle's entry point inside the engine. The engine glue (src/engine/host/xs.ts,
 * src/engine/host/quickjs.ts) defines `__fotakitHost(frame: ArrayBuffer): ArrayBuffer` before this
 * runs; this defines `__fotakitDeliver(frame: ArrayBuffer)` for the glue to call with each delivery.
 */
import { install } from './main.ts';

interface EngineGlobals {
  __fotakitHost?: (frame: ArrayBuffer) => ArrayBuffer;
  __fotakitDeliver?: (frame: ArrayBuffer) => void;
}

const g = globalThis as unknown as EngineGlobals;

function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}

const host = g.__fotakitHost;
if (typeof host !== 'function') throw new Error('fotakit device bundle: the engine glue did not define __fotakitHost');
const port = install((frame) => new Uint8Array(host(exactBuffer(frame))));
g.__fotakitDeliver = (frame) => port.deliver(new Uint8Array(frame));

/**
 * The browser bundle (dist/fotakit.browser.js): the portable core plus browser transports.
 * An export list only; each transport lives in its own module.
 */
export * from './core.ts';
export { connectWebBluetoothSmp, type WebBluetooth, type WebBluetoothDevice, type WebBluetoothSmpOptions } from './transport/smp/web-bluetooth.ts';

/**
 * The browser bundle (dist/fotakit.browser.js): the portable core plus browser transports.
 * An export list only; each transport lives in its own module.
 */
export * from './core.ts';
export { connectWebBluetoothSmp, type WebBluetooth, type WebBluetoothDevice, type WebBluetoothSmpOptions } from './transport/smp/web-bluetooth.ts';
export { openWebSerialPort, type WebSerialPortLike } from './hal/serial/web-serial-port.ts';
export { AtChannel, type AtReply } from './transport/at/channel.ts';
export { AtError } from './transport/at/errors.ts';
export { PortError, type BytePort } from './hal/port.ts';
export { SlmModem, type SlmModemOptions } from './transport/at/slm-modem.ts';

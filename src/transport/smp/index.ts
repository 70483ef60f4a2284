/** The SMP transport's public surface (portable): codec, framings, transports, client, server. */
export * from './constants.ts';
export * from './errors.ts';
export * from './cbor.ts';
export * from './message.ts';
export * from './crc16.ts';
export * from './serial-framing.ts';
export * from './ble-framing.ts';
export * from './transport.ts';
export * from './sim-links.ts';
export * from './client.ts';
export * from './upload.ts';
export * from './server.ts';
export * from './os-mgmt.ts';
export * from './stat-mgmt.ts';
export * from './mgmt-handler.ts';
export * from './zcbor-encode.ts';
export * from './web-bluetooth.ts';

/** HTTP/1.1 client over the HAL Socket: the public surface of src/transport/http. */
export * from './errors.ts';
export * from './url.ts';
export * from './headers.ts';
export * from './request.ts';
export * from './response-parser.ts';
export * from './connection.ts';
export * from './client.ts';

/** The range downloader that keeps every response inside one modem TLS record: public surface. */
export * from './errors.ts';
export * from './planner.ts';
export * from './policy.ts';
export * from './baseline-policies.ts';
export * from './range-response.ts';
export * from './resume.ts';
export * from './sink.ts';
export * from './downloader.ts';

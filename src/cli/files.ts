/**
 * Files the user names on the command line: checked before any work starts, so bad input never loses
 * a user's file. An output path must be a file in an existing folder, must not be one of the inputs
 * (`getpub -k k.pem -o k.pem`), and replaces an existing file only when the command allows it; outputs
 * are written to a temporary file beside them and renamed into place only when complete.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { UsageError } from '../hal/errors.ts';
import type { Settings } from '../hal/settings.ts';
import { toHex, fromHex } from '../hal/bytes.ts';

/** The path as the file system knows it (symlinks followed), or its absolute form when it does not exist. */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return resolve(realpathSync(dirname(resolve(path))), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/**
 * Checks that `path` (given with `flag`) can be written as a file: not a folder, its folder exists.
 * With `overwrite: false` an existing file is refused too (`--force` to replace it).
 */
export function checkOutputPath(flag: string, path: string, options: { overwrite?: boolean; forceFlag?: string } = {}): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new UsageError(`${flag}: '${path}' is a folder; give a file name`, { path });
  if (st && options.overwrite === false) {
    throw new UsageError(`${flag}: '${path}' exists; ${options.forceFlag ?? '--force'} replaces it`, { path });
  }
  const folder = dirname(resolve(path));
  let dirSt;
  try {
    dirSt = statSync(folder);
  } catch {
    dirSt = undefined;
  }
  if (!dirSt) throw new UsageError(`${flag}: the folder '${dirname(path)}' does not exist`, { path });
  if (!dirSt.isDirectory()) throw new UsageError(`${flag}: '${dirname(path)}' is not a folder`, { path });
}

/** Refuses an output that is one of the inputs: writing it would destroy what is being read. */
export function refuseSamePath(outFlag: string, out: string, inputs: ReadonlyArray<{ flag: string; path: string }>): void {
  const o = canonical(out);
  for (const i of inputs) {
    if (canonical(i.path) === o) {
      throw new UsageError(`${outFlag}: '${out}' is also the input ${i.flag}; writing it would destroy the input`, { path: out, input: i.flag });
    }
  }
}

/** Writes `bytes` to `path` whole or not at all: a temporary file beside it, synced, then renamed over it. */
export function writeFileAtomic(flag: string, path: string, bytes: Uint8Array | string, mode?: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w', mode ?? 0o666);
    try {
      const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
      let done = 0;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UsageError(`${flag}: cannot write '${path}': ${(e as Error).message}`, { path });
  }
}

/**
 * Settings kept in a small JSON file (hex values), written whole at every change: the download's
 * resume record beside `OUT.part`, so a rerun with the same URL picks up where the last one stopped.
 */
export class JsonFileSettings implements Settings {
  private readonly map = new Map<string, string>();

  constructor(private readonly path: string) {
    if (!existsSync(path)) return;
    try {
      const obj = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') this.map.set(k, v);
    } catch {
      // A torn or foreign file is no resume record: start over.
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.map.get(key);
    return v === undefined ? undefined : fromHex(v);
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    this.map.set(key, toHex(value));
    this.save();
  }

  async delete(key: string): Promise<void> {
    this.map.delete(key);
    this.save();
  }

  async keys(prefix = ''): Promise<string[]> {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix));
  }

  /** Removes the file (the download it described is complete). */
  remove(): void {
    rmSync(this.path, { force: true });
  }

  private save(): void {
    writeFileAtomic('settings', this.path, JSON.stringify(Object.fromEntries(this.map)));
  }
}

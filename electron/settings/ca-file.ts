/**
 * Reads a CA file the user named (registry settings, registries.json, the UI,
 * `regdesk serve`, --ca-file). Only a regular file of bounded size is read, and
 * never with a blocking call: a named pipe would hang the read, `/dev/zero`
 * would never end, a directory is a mistake. Each gets a `usage` error naming
 * the file and what is wrong with it.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { RegistryError } from '../../shared/errors';

/** Far above any real CA bundle (the system bundle is about 200 KB). */
export const MAX_CA_FILE_BYTES = 1024 * 1024;

export interface CaFileUse {
  /** The registry the file is for, when there is one. */
  registry?: string;
  /** What to do about it, where the user named the file. */
  hint: string;
}

/** A name for what is at the path when it is not a regular file. */
function notRegular(stats: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

const OPEN_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  // Opening for reading fails so on a socket (or a device that is not there).
  ENXIO: 'it is a socket, not a regular file',
};

/** Reads at most `limit + 1` bytes: one more than allowed tells a file that grew (or lied about its size). */
async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(limit + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** The same error said for the registry whose CA file it is. */
export function caFileError(err: RegistryError, registry: string | undefined): RegistryError {
  return registry ? new RegistryError(err.code, `${registry}: ${err.message}`, { ...err.context, registry }, err.hint, { cause: err.cause }) : err;
}

export async function readCaFile(path: string, use: CaFileUse): Promise<Buffer> {
  const fail = (problem: string, cause?: unknown): RegistryError =>
    caFileError(new RegistryError('usage', `the CA file ${path.slice(0, 200)} cannot be used: ${problem}`, {}, use.hint, { cause }), use.registry);
  if (!path) throw fail('no path given');
  let handle: FileHandle;
  try {
    // Non-blocking: opening a named pipe for reading would otherwise wait for a writer.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw fail(OPEN_PROBLEMS[code] ?? `it cannot be opened (${code || 'unknown error'})`, err);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw fail(`it is ${notRegular(stats)}, not a regular file`);
    if (stats.size > MAX_CA_FILE_BYTES) throw fail(`it is ${stats.size} bytes, more than a CA file's limit of ${MAX_CA_FILE_BYTES} bytes`);
    const bytes = await readAtMost(handle, MAX_CA_FILE_BYTES);
    if (bytes.length > MAX_CA_FILE_BYTES) throw fail(`it is more than a CA file's limit of ${MAX_CA_FILE_BYTES} bytes`);
    if (bytes.length === 0) throw fail('it is empty');
    return bytes;
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    throw fail(`it cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`, err);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

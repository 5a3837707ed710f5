/**
 * A tar writer: entries to a stream with backpressure (an OCI layout archive,
 * an extracted filesystem), or small archives whole in memory (sample and test
 * layers). It writes exactly what it is told, hostile names included, since
 * tests need layers a careful tool would refuse; PAX records carry what ustar
 * cannot hold (long names and link targets, sizes of 8 GiB and more, large ids).
 */
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { RegistryError } from '../../../shared/errors';
import { BLOCK, encodeHeader, padding, type TarHeader } from './tar-header';

/**
 * Writes entries to a stream with backpressure. A body must have exactly the
 * size the header says, or the entry fails (and the archive with it).
 */
export class TarWriter {
  private written = 0;
  private finished = false;
  private failure: Error | undefined;

  constructor(private readonly out: Writable) {
    // Kept, not thrown from an event: the next write (or finish) reports it.
    out.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  get bytesWritten(): number {
    return this.written;
  }

  private check(): void {
    if (this.failure) throw this.failure;
    if (this.out.destroyed) throw new RegistryError('internal', 'the tar output was closed', {});
  }

  private async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.check();
    this.written += chunk.length;
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolveDrain) => {
        const done = (): void => {
          this.out.off('drain', done);
          this.out.off('close', done);
          this.out.off('error', done);
          resolveDrain();
        };
        this.out.once('drain', done);
        this.out.once('close', done);
        this.out.once('error', done);
      });
      this.check();
    }
  }

  async add(header: TarHeader, body?: Buffer | AsyncIterable<Uint8Array>): Promise<void> {
    if (this.finished) throw new RegistryError('internal', 'tar archive already finished', {});
    const size = header.type === 'file' ? header.size : 0;
    await this.write(encodeHeader({ ...header, size }));
    let count = 0;
    if (body !== undefined) {
      if (Buffer.isBuffer(body)) {
        count = body.length;
        if (count !== size) throw new RegistryError('internal', `tar entry ${header.name}: ${count} bytes for a ${size}-byte header`, {});
        await this.write(body);
      } else {
        for await (const piece of body) {
          const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
          count += chunk.length;
          if (count > size) throw new RegistryError('internal', `tar entry ${header.name} is longer than its ${size}-byte header`, {});
          await this.write(chunk);
        }
      }
    }
    if (count !== size) throw new RegistryError('internal', `tar entry ${header.name} has ${count} bytes, its header says ${size}`, {});
    await this.write(Buffer.alloc(padding(size)));
  }

  /** The end-of-archive blocks; resolves once the stream has flushed. */
  async finish(): Promise<void> {
    this.finished = true;
    await this.write(Buffer.alloc(BLOCK * 2));
    this.check();
    this.out.end();
    await finished(this.out);
    if (this.failure) throw this.failure;
  }
}

/** A small archive whole, in memory (sample and test layers); each body must have its header's size. */
export function tarBytes(entries: ReadonlyArray<{ header: TarHeader; body?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const { header, body } of entries) {
    const size = header.type === 'file' ? header.size : 0;
    if ((body?.length ?? 0) !== size) throw new RegistryError('internal', `tar entry ${header.name} has ${body?.length ?? 0} bytes, its header says ${size}`, {});
    parts.push(encodeHeader({ ...header, size }));
    if (body) parts.push(body, Buffer.alloc(padding(size)));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/**
 * Bounded reads of response bodies. Manifests, token answers and error bodies
 * are small by nature; a hostile or broken registry must not make us buffer
 * 200 MB, so every read has a cap and stops (and closes the stream) past it.
 */
import { RegistryError } from '../../../shared/errors';
import { toRegistryError } from './network-errors';
import type { RegistryResponse } from './types';

/** The largest manifest we read, as regclient and containerd do: real ones are a few KiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Error bodies: enough for any registry's JSON error, small enough to never matter. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Token server answers. */
export const MAX_TOKEN_BODY_BYTES = 1024 * 1024;
/** Image configs can hold long histories; still small. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
/** One page of a catalog or tag listing. */
export const MAX_LISTING_BYTES = 16 * 1024 * 1024;

export interface ReadContext {
  registry: string;
  repository?: string;
  /** What is being read, for the message ("manifest", "token response"). */
  what: string;
}

/** Stops reading a body and closes its request. undici reports the abort as an 'error' event: swallow it, it is ours. */
export function discard(res: RegistryResponse): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

export async function readBounded(res: RegistryResponse, limit: number, ctx: ReadContext): Promise<Buffer> {
  const where = { registry: ctx.registry, ...(ctx.repository ? { repository: ctx.repository } : {}) };
  const announced = Number(res.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) {
    discard(res);
    throw new RegistryError('protocol', `${ctx.registry}: ${ctx.what} too large (${announced} bytes, limit ${limit})`, where);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        discard(res);
        throw new RegistryError('protocol', `${ctx.registry}: ${ctx.what} too large (over ${limit} bytes)`, where);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw toRegistryError(err, ctx.registry, ctx.repository);
  }
  return Buffer.concat(chunks, size);
}

/** Parses JSON from a bounded read; bad JSON is a protocol error naming what was read. */
export async function readJson<T>(res: RegistryResponse, limit: number, ctx: ReadContext): Promise<T> {
  const bytes = await readBounded(res, limit, ctx);
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new RegistryError('protocol', `${ctx.registry}: ${ctx.what} is not valid JSON`, {
      registry: ctx.registry,
      ...(ctx.repository ? { repository: ctx.repository } : {}),
    });
  }
}

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { isRegistryError, RegistryError } from '../../shared/errors';
import { BlobVerifier, verifiedChunks, verifyBytes, verifyingStream } from '../../electron/registry/blob-verify';
import { digestOf } from '../../electron/registry/digest';

const data = Buffer.from('hello, blob');
const claim = { digest: digestOf(data), size: data.length };
const verifier = (c: { digest: string; size?: number } = claim): BlobVerifier => new BlobVerifier(c, (detail) => new RegistryError('digest_mismatch', `test blob ${detail}`, {}));

async function drain(input: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of input) void _;
}

describe('BlobVerifier', () => {
  it('passes the blob its descriptor names, and counts its bytes', () => {
    const v = verifier();
    v.update(data.subarray(0, 4));
    v.update(data.subarray(4));
    expect(() => v.end()).not.toThrow();
    expect(v.bytes).toBe(data.length);
  });

  it('fails as soon as more bytes than the size arrive, before they are passed on', async () => {
    const passed: Buffer[] = [];
    const chunks = verifiedChunks([data, Buffer.from('!')], verifier());
    const err = await (async () => {
      for await (const chunk of chunks) passed.push(chunk);
    })().catch((e: unknown) => e);
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
    expect(String(err)).toContain(`more than the ${data.length} bytes`);
    expect(Buffer.concat(passed)).toEqual(data);
  });

  it('fails a short blob and an altered one at the end', () => {
    expect(() => verifyBytes(data.subarray(1), verifier())).toThrow(/has 10 bytes, its descriptor says 11/);
    const altered = Buffer.from(data);
    altered[0] = 0x48;
    expect(() => verifyBytes(altered, verifier())).toThrow(/does not match its digest/);
  });

  it('checks only the digest when the size is not known', () => {
    expect(() => verifyBytes(data, verifier({ digest: claim.digest, size: -1 }))).not.toThrow();
    expect(() => verifyBytes(data.subarray(1), verifier({ digest: claim.digest }))).toThrow(/does not match its digest/);
  });

  it('the stream form fails the pipeline with the reader\'s error', async () => {
    await expect(pipeline(Readable.from([data]), verifyingStream(verifier()), async (s) => drain(s))).resolves.toBeUndefined();
    const err = await pipeline(Readable.from([data, data]), verifyingStream(verifier()), async (s) => drain(s)).catch((e: unknown) => e);
    expect(isRegistryError(err, 'digest_mismatch')).toBe(true);
  });
});

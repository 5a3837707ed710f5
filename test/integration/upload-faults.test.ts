/**
 * Faults on the upload side of a copy (issue #12, case 3), injected by fault
 * proxies in front of a real source and a real destination registry: resets
 * in the middle of a PUT, of a streamed PATCH and of a chunk; a source that
 * ignores Range when a chunked upload resumes; a blob HEAD that does not answer
 * 200; and one blob failing while others are in flight. Every case ends with
 * identical digests read back, or a typed error with no tag, no manifest and
 * no open upload session.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../../shared/errors';
import { RegistryClient } from '../../electron/registry/client';
import { copyImage, type ExecuteOptions } from '../../electron/registry/copy/copy';
import { buildImage, defaultLayers } from '../../electron/demo/images';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { pushImage, type PushedImage } from '../rig/fixtures';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { digestAt, openUploads, readBackBlobs } from '../helpers/uploads';
import { step } from '../helpers/step';

let source: RigRegistry;
let destination: RigRegistry;
let sourceProxy: FaultProxy;
let destinationProxy: FaultProxy;
let small: PushedImage;
let large: PushedImage;
let pair: PushedImage;

const platform = { os: 'linux', architecture: 'amd64' };
/** A chunk size no network read lines up with, so a resume lands inside a chunk of the source stream. */
const CHUNKED: ExecuteOptions = { chunkedAbove: 1024 * 1024, chunkSize: 256 * 1024 + 7 };

beforeAll(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  // A layer of 256 KiB (one PUT) and one of 3 MiB (streamed, or chunked with CHUNKED).
  small = await pushImage(source, 'up/small', 'v1', buildImage({ layers: defaultLayers(platform, 1, 256 * 1024) }));
  large = await pushImage(source, 'up/large', 'v1', buildImage({ layers: defaultLayers(platform, 1, 3 * 1024 * 1024) }));
  pair = await pushImage(source, 'up/pair', 'v1', buildImage({ layers: defaultLayers(platform, 2, 3 * 1024 * 1024) }));
  [sourceProxy, destinationProxy] = await Promise.all([startFaultProxy(source.url), startFaultProxy(destination.url)]);
});
afterAll(async () => {
  await Promise.all([sourceProxy.close(), destinationProxy.close()]);
  await Promise.all([source.stop(), destination.stop()]);
});
afterEach(() => {
  sourceProxy.clear();
  destinationProxy.clear();
});

const layerOf = (image: PushedImage, n = 1): string => image.blobDigests[n]!; // [0] is the config
const UPLOADS = /\/blobs\/uploads\//;

/** Copies `image` from the source proxy to `repository` at the destination proxy, tagged v1. */
async function copyVia(image: PushedImage, repository: string, options: ExecuteOptions = {}, client = new RegistryClient({ retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } })) {
  try {
    return await copyImage(client, {
      source: { registry: sourceProxy.host, repository: image.repo, reference: image.tag },
      destination: { registry: destinationProxy.host, repository, tag: 'v1' },
    }, options);
  } finally {
    await client.close();
  }
}

/**
 * Sessions left open at the destination: none, except at most one per request
 * that broke after part of its body reached distribution, which then refuses
 * that session's state (BLOB_UPLOAD_INVALID), DELETE included; its purge
 * removes them later. Every session that can be deleted was.
 */
async function expectNoSessionLeft(repository: string, brokenMidway: number): Promise<void> {
  expect((await openUploads(destination, repository)).length).toBeLessThanOrEqual(brokenMidway);
}

/** The copy arrived whole: tag → same digest, every blob read back verified. */
async function expectCopied(image: PushedImage, repository: string, brokenMidway = 0): Promise<void> {
  expect(await digestAt(destination, repository, 'v1')).toBe(image.digest);
  await readBackBlobs(destination, repository, image.blobDigests);
  await expectNoSessionLeft(repository, brokenMidway);
}

/** Nothing of a failed copy is visible: no tag, no manifest pushed. */
async function expectNothingWritten(image: PushedImage, repository: string, brokenMidway = 0): Promise<void> {
  expect(await digestAt(destination, repository, 'v1')).toBeUndefined();
  expect(await digestAt(destination, repository, image.digest)).toBeUndefined();
  expect(destinationProxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'))).toEqual([]);
  await expectNoSessionLeft(repository, brokenMidway);
}

const resets = (): number => destinationProxy.requests.filter((r) => r.fault === 'reset-request').length;
const sessionsOpened = (): number => destinationProxy.requests.filter((r) => r.method === 'POST' && UPLOADS.test(r.path)).length;

describe('a reset in the middle of an upload', () => {
  it('a small blob (one PUT): recovered (the PUT again, or a new session), identical digests', async () => {
    destinationProxy.add({ method: 'PUT', path: UPLOADS, action: { kind: 'reset-request', afterBytes: 64 * 1024 }, times: 1 });
    const { result } = await copyVia(small, 'reset/small');
    expect(result.digest).toBe(small.digest);
    expect(resets()).toBe(1);
    await expectCopied(small, 'reset/small', 1);
  });

  it('a streamed blob (one PATCH): a new session completes it, identical digests', async () => {
    destinationProxy.add({ method: 'PATCH', path: UPLOADS, action: { kind: 'reset-request', afterBytes: 1024 * 1024 }, times: 1 });
    const { result } = await copyVia(large, 'reset/streamed');
    expect(result.digest).toBe(large.digest);
    expect(resets()).toBe(1);
    expect(sessionsOpened()).toBe(3);
    await expectCopied(large, 'reset/streamed', 1);
  });

  it('a chunk cut before it reached the registry: resumed in the same session from the upload status, with a ranged GET of the source', async () => {
    // The first chunk goes through; the second is cut before its first byte is forwarded.
    destinationProxy.add({ method: 'PATCH', path: UPLOADS, action: { kind: 'reset-request', afterBytes: 1 }, times: 1, skip: 1 });
    const { result } = await copyVia(large, 'resume/chunked', { ...CHUNKED, blobAttempts: 1 });
    expect(result.digest).toBe(large.digest);
    expect(resets()).toBe(1);
    expect(sessionsOpened()).toBe(2); // config and layer: the layer was resumed, not started again
    expect(destinationProxy.requests.some((r) => r.method === 'GET' && UPLOADS.test(r.path))).toBe(true);
    expect(sourceProxy.requests.filter((r) => r.path.includes(layerOf(large)) && r.headers.range)).toHaveLength(1);
    await expectCopied(large, 'resume/chunked');
  });

  it('a chunk answered 416: resumed in the same session from the upload status', async () => {
    destinationProxy.add({ method: 'PATCH', path: UPLOADS, action: { kind: 'status', status: 416 }, times: 1, skip: 2 });
    const { result } = await copyVia(large, 'resume/416', { ...CHUNKED, blobAttempts: 1 });
    expect(result.digest).toBe(large.digest);
    expect(destinationProxy.requests.filter((r) => r.fault === 'status')).toHaveLength(1);
    expect(sessionsOpened()).toBe(2);
    await expectCopied(large, 'resume/416');
  });

  for (const [name, answer] of [
    ['ignores the Range (200)', { kind: 'ignore-range' }],
    ['answers a 206 that starts elsewhere (asked again from 0)', { kind: 'header', headers: { 'content-range': 'bytes 0-99/100' } }],
  ] as const) {
    it(`a source that ${name} on resume: the prefix it resends is skipped, same session, identical digests`, async () => {
      destinationProxy.add({ method: 'PATCH', path: UPLOADS, action: { kind: 'reset-request', afterBytes: 1 }, times: 1, skip: 1 });
      // The first GET has no Range; the resume's does, and meets the source's answer.
      sourceProxy.add({ method: 'GET', path: new RegExp(layerOf(large)), action: answer, times: 1, skip: 1 });
      const repository = `resume/${answer.kind}`;
      const { result } = await copyVia(large, repository, { ...CHUNKED, blobAttempts: 1 });
      expect(result.digest).toBe(large.digest);
      expect(sourceProxy.requests.filter((r) => r.fault === answer.kind && r.headers.range)).toHaveLength(1);
      expect(sessionsOpened()).toBe(2);
      await expectCopied(large, repository);
    });
  }

  it('a chunk cut after part of it reached the registry: distribution refuses the session, a new one completes it', async () => {
    destinationProxy.add({ method: 'PATCH', path: UPLOADS, action: { kind: 'reset-request', afterBytes: 100 * 1024 }, times: 1, skip: 1 });
    const { result } = await copyVia(large, 'reset/chunked', CHUNKED);
    expect(result.digest).toBe(large.digest);
    expect(resets()).toBe(1);
    expect(sessionsOpened()).toBe(3);
    await expectCopied(large, 'reset/chunked', 1);
  });

  const kinds = [
    { kind: 'small', image: () => small, method: 'PUT', options: {} },
    { kind: 'streamed', image: () => large, method: 'PATCH', options: {} },
    { kind: 'chunked', image: () => large, method: 'PATCH', options: CHUNKED },
  ] as const;
  for (const { kind, image, method, options } of kinds) {
    for (const [where, afterBytes] of [['before any byte arrives', 1], ['midway', 32 * 1024]] as const) {
      it(`a ${kind} blob reset ${where} on every attempt: a typed error, nothing tagged, no session left that can be deleted`, async () => {
        destinationProxy.add({ method, path: UPLOADS, action: { kind: 'reset-request', afterBytes } });
        const repository = `reset-always/${kind}-${afterBytes}`;
        const err = await step('copy', copyVia(image(), repository, options).catch((e: unknown) => e));
        expect(isRegistryError(err, 'network'), String(err)).toBe(true);
        await expectNothingWritten(image(), repository, afterBytes === 1 ? 0 : resets());
      });
    }
  }
});

describe('an upload Location that points elsewhere', () => {
  for (const [name, elsewhere] of [
    ['another host', () => sourceProxy.url],
    ['another scheme', () => destinationProxy.url.replace('http:', 'https:')],
  ] as const) {
    it(`${name}: refused, nothing is sent there, nothing tagged`, async () => {
      const before = sourceProxy.requests.length;
      destinationProxy.add({ method: 'POST', path: UPLOADS, action: { kind: 'header', headers: { location: `${elsewhere()}/v2/upload/elsewhere/abc` } } });
      const repository = `location/${name.replace(' ', '-')}`;
      const err = await copyVia(small, repository).catch((e: unknown) => e);
      expect(isRegistryError(err, 'protocol'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/upload Location points at another origin/);
      // The source saw only the copy's reads, never an upload; the destination no PATCH or PUT of a blob.
      expect(sourceProxy.requests.slice(before).every((r) => r.method === 'GET' || r.method === 'HEAD')).toBe(true);
      expect(destinationProxy.requests.filter((r) => r.method === 'PATCH' || (r.method === 'PUT' && UPLOADS.test(r.path)))).toEqual([]);
      // A refusal is final: no new session is asked for each blob refused.
      const posts = destinationProxy.requests.filter((r) => r.method === 'POST' && UPLOADS.test(r.path)).length;
      expect(posts).toBeLessThanOrEqual(small.blobDigests.length);
      expect(await digestAt(destination, repository, 'v1')).toBeUndefined();
    });
  }
});

describe('no manifest before every blob answers its HEAD', () => {
  for (const status of [404, 500]) {
    it(`a layer whose HEAD at the destination answers ${status}: no manifest is pushed`, async () => {
      destinationProxy.add({ method: 'HEAD', path: new RegExp(`/blobs/${layerOf(small)}$`), action: { kind: 'status', status }, skip: 1 });
      const repository = `head/${status}`;
      const err = await copyVia(small, repository).catch((e: unknown) => e);
      expect(isRegistryError(err), String(err)).toBe(true);
      // The layer was uploaded all the same: only its HEAD is wrong.
      expect(destinationProxy.requests.some((r) => r.method === 'PUT' && UPLOADS.test(r.path) && r.path.includes(layerOf(small).slice(7)))).toBe(true);
      await expectNothingWritten(small, repository);
    });
  }
});

describe('one blob fails while others are in flight', () => {
  it('the others are aborted at once and their sessions deleted: the copy fails with the first error', async () => {
    // Layer 1 is altered (a final error); layer 2 stalls after its first bytes, and the idle timeout is far away.
    sourceProxy.add({ method: 'GET', path: new RegExp(layerOf(pair, 1)), action: { kind: 'corrupt', atByte: 10 } });
    sourceProxy.add({ method: 'GET', path: new RegExp(layerOf(pair, 2)), action: { kind: 'stall', afterBytes: 256 * 1024 } });
    const client = new RegistryClient({ retry: { attempts: 1 }, timeouts: { idleBodyMs: 10 * 60_000 } });
    const err = await step('copy (a hang here: the stalled blob was not aborted)', copyVia(pair, 'first-failure/pair', { blobAttempts: 1 }, client).catch((e: unknown) => e));
    expect(isRegistryError(err, 'digest_mismatch'), String(err)).toBe(true);
    expect(sourceProxy.requests.filter((r) => r.fault === 'stall')).toHaveLength(1);
    // The stalled blob's session was opened, and is gone.
    expect(sessionsOpened()).toBe(3);
    await expectNothingWritten(pair, 'first-failure/pair');
  });
});

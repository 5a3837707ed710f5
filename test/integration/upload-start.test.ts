/**
 * The upload-start POST opens a session at the registry even when its answer
 * is lost on the way back. The transport must not send it again on its own
 * (each blind retry would leave one more session nobody knows about); the copy
 * engine, which knows what it started, opens a new session deliberately.
 * A real registry behind the fault proxy, which forwards the POST and then
 * drops the connection instead of the answer.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allBlobs, buildImage } from '../../electron/demo/images';
import { RegistryClient } from '../../electron/registry/client';
import { copyImage } from '../../electron/registry/copy/copy';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { rejectionOf } from '../helpers/errors';
import { digestAt, openUploads, readBackBlobs } from '../helpers/uploads';

let source: RigRegistry;
let destination: RigRegistry;
let proxy: FaultProxy;
let client: RegistryClient;
const image = buildImage();

beforeAll(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  await new RigPusher(source).push('app/one', image, ['1.0']);
  proxy = await startFaultProxy(destination.url);
  client = new RegistryClient({ retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 20 } });
});
afterAll(async () => {
  await client?.close();
  await proxy?.close();
  await Promise.all([source?.stop(), destination?.stop()]);
});
beforeEach(() => proxy.clear());

const posts = (repository: string): number => proxy.requests.filter((r) => r.method === 'POST' && r.path.startsWith(`/v2/${repository}/blobs/uploads/`)).length;

describe('a lost answer to the upload-start POST', () => {
  it('is not retried by the transport: one POST, one session at the registry, a typed network error', async () => {
    proxy.add({ method: 'POST', path: /\/blobs\/uploads\/$/, action: { kind: 'lose-response' }, times: 1 });
    const err = await rejectionOf(client.startUpload({ registry: proxy.host, repository: 'lost/answer' }));
    expect(err.code).toBe('network');
    expect(posts('lost/answer')).toBe(1);
    // The registry did open it: exactly the one session whose Location never arrived, not one per retry.
    expect(await openUploads(destination, 'lost/answer')).toHaveLength(1);
  });

  it('a copy recovers by starting a new session itself: identical digests, and no session beyond the lost one', async () => {
    proxy.add({ method: 'POST', path: /\/blobs\/uploads\/$/, action: { kind: 'lose-response' }, times: 1 });
    const { result } = await copyImage(client, {
      source: { registry: source.host, repository: 'app/one', reference: '1.0' },
      destination: { registry: proxy.host, repository: 'lost/copy', tag: '1.0' },
    });
    expect(result.digest).toBe(image.digest);
    expect(await digestAt(destination, 'lost/copy', '1.0')).toBe(image.digest);
    await readBackBlobs(destination, 'lost/copy', allBlobs(image).map((b) => b.digest));
    expect(posts('lost/copy')).toBe(allBlobs(image).length + 1);
    expect(await openUploads(destination, 'lost/copy')).toHaveLength(1);
  });

  it('a 503 (the registry did nothing) is still retried by the transport', async () => {
    proxy.add({ method: 'POST', path: /\/blobs\/uploads\/$/, action: { kind: 'status', status: 503 }, times: 1 });
    const started = await client.startUpload({ registry: proxy.host, repository: 'lost/busy' });
    expect(started.mounted).toBe(false);
    expect(posts('lost/busy')).toBe(2);
    expect(await openUploads(destination, 'lost/busy')).toHaveLength(1);
  });
});

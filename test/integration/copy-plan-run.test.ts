/**
 * Start runs the plan the user reviewed (`copy.plan` answers a plan id, `copy.start`
 * with it runs that plan) over the built `regdesk serve`, against a real registry
 * behind the fault proxy, which records every request:
 * - the source manifests are not read again, only the two tags are looked at;
 * - a source tag that moved since is reported, and the reviewed image is copied;
 * - a destination tag that moved since is a conflict: nothing is written;
 * - blobs another copy sent since the plan are not sent again, and a platform
 *   the plan found at the destination but deleted since is pushed after all;
 * - a plan runs once, for the copy it was made for.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlannedCopy } from '../../shared/copy';
import { buildImage, buildMultiPlatform } from '../../electron/demo/images';
import { RegistryClient } from '../../electron/registry/client';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { startServe, type Serve } from '../helpers/cli';
import { openEvents, type EventStream } from '../helpers/events';
import { digestAt } from '../helpers/uploads';

let registry: RigRegistry;
let proxy: FaultProxy;
let serve: Serve;
let events: EventStream;
let pusher: RigPusher;

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RigPusher(registry);
  proxy = await startFaultProxy(registry.url);
  serve = await startServe(['--registry', proxy.host]);
  events = await openEvents(serve);
});
afterAll(async () => {
  events?.close();
  await serve?.stop();
  await proxy?.close();
  await registry?.stop();
});
beforeEach(() => {
  proxy.requests.length = 0;
});

const copyOf = (repository: string, reference: string, to: { repository: string; tag: string }) => ({
  source: { registry: proxy.host, repository, reference },
  destination: { registry: proxy.host, repository: to.repository, tag: to.tag },
});

async function plan(request: ReturnType<typeof copyOf>): Promise<PlannedCopy> {
  const answer = await serve.rpc('copy.plan', request);
  expect(answer.error).toBeUndefined();
  return answer.result as PlannedCopy;
}

async function start(request: ReturnType<typeof copyOf>, planId?: string) {
  const answer = await serve.rpc('copy.start', { ...request, ...(planId ? { planId } : {}) });
  expect(answer.error).toBeUndefined();
  return events.jobEnded(answer.result.id as string);
}

const requestsTo = (method: string, path: RegExp) => proxy.requests.filter((r) => r.method === method && path.test(r.path));

describe('a reviewed plan is run, not planned again', () => {
  it('reads no source manifest again: only the source and destination tags are looked at', async () => {
    const image = buildImage();
    await pusher.push('run/source', image, ['1.0']);
    const request = copyOf('run/source', '1.0', { repository: 'run/copy', tag: '1.0' });
    const planned = await plan(request);
    expect(planned.planId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(planned.expiresAt)).toBeGreaterThan(Date.now());

    proxy.requests.length = 0;
    const job = await start(request, planned.planId);
    expect(job).toMatchObject({ state: 'done', result: { digest: planned.digest } });
    expect(job.changedSincePlan).toBeUndefined();
    expect(requestsTo('GET', /^\/v2\/run\/source\/manifests\//)).toEqual([]);
    expect(requestsTo('HEAD', /^\/v2\/run\/source\/manifests\//).map((r) => r.path)).toEqual(['/v2/run/source/manifests/1.0']);
    expect(requestsTo('HEAD', /^\/v2\/run\/copy\/manifests\/1\.0$/)).toHaveLength(1);
    expect(await digestAt(registry, 'run/copy', '1.0')).toBe(image.digest);

    // Without a plan id, Start plans on its own: the source manifest is read again.
    proxy.requests.length = 0;
    const again = await start(copyOf('run/source', '1.0', { repository: 'run/copy', tag: '1.0-again' }));
    expect(again.state).toBe('done');
    expect(requestsTo('GET', /^\/v2\/run\/source\/manifests\//).length).toBeGreaterThan(0);
  });

  it('copies the reviewed image when the source tag moved since, and says so', async () => {
    const reviewed = buildImage();
    const later = buildImage();
    await pusher.push('moved/source', reviewed, ['stable']);
    const request = copyOf('moved/source', 'stable', { repository: 'moved/copy', tag: 'stable' });
    const planned = await plan(request);
    await pusher.push('moved/source', later, ['stable']);

    const job = await start(request, planned.planId);
    expect(job.state).toBe('done');
    expect(await digestAt(registry, 'moved/copy', 'stable')).toBe(reviewed.digest);
    expect(job.changedSincePlan).toHaveLength(1);
    expect(job.changedSincePlan![0]).toContain(`moved/source:stable moved to ${later.digest.slice(0, 19)}`);
    expect(job.changedSincePlan![0]).toContain(`the copy took the image you reviewed (${reviewed.digest.slice(0, 19)}`);
  });

  it('refuses, writing nothing, when the destination tag names another image than the review showed', async () => {
    const source = buildImage();
    const shown = buildImage();
    const unseen = buildImage();
    await pusher.push('conflict/source', source, ['1.0']);
    await pusher.push('conflict/copy', shown, ['1.0']);
    const replacing = copyOf('conflict/source', '1.0', { repository: 'conflict/copy', tag: '1.0' });
    const planned = await plan(replacing);
    expect(planned.replaces).toEqual({ tag: '1.0', digest: shown.digest });
    // Someone pushes over the tag between the review and Start.
    await pusher.push('conflict/copy', unseen, ['1.0']);

    proxy.requests.length = 0;
    const job = await start(replacing, planned.planId);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'conflict', hint: 'Plan the copy again to see what it would replace.' });
    expect(job.error!.message).toBe(`${proxy.host}/conflict/copy:1.0 now names ${unseen.digest.slice(0, 19)} (it named ${shown.digest.slice(0, 19)} when the copy was planned); nothing was written`);
    expect(await digestAt(registry, 'conflict/copy', '1.0')).toBe(unseen.digest);
    expect(proxy.requests.filter((r) => r.method !== 'HEAD' && r.method !== 'GET')).toEqual([]);

    // A tag that did not exist at the review but does now is the same conflict.
    const fresh = copyOf('conflict/source', '1.0', { repository: 'conflict/copy', tag: 'new' });
    const freshPlan = await plan(fresh);
    expect(freshPlan.replaces).toBeUndefined();
    await pusher.push('conflict/copy', unseen, ['new']);
    const refused = await start(fresh, freshPlan.planId);
    expect(refused.error?.message).toContain(`(it did not exist when the copy was planned)`);
    expect(await digestAt(registry, 'conflict/copy', 'new')).toBe(unseen.digest);
  });

  it('does not send again the blobs another copy sent after the plan', async () => {
    const image = buildImage();
    await pusher.push('shared/source', image, ['a', 'b']);
    const first = copyOf('shared/source', 'a', { repository: 'shared/copy', tag: 'a' });
    const second = copyOf('shared/source', 'b', { repository: 'shared/copy', tag: 'b' });
    const plans = [await plan(first), await plan(second)];
    expect(plans[1]!.blobs.every((b) => b.action !== 'exists')).toBe(true);

    proxy.requests.length = 0;
    // The first has ended before the second starts: nothing queues them, the plan's age tells.
    expect((await start(first, plans[0]!.planId)).state).toBe('done');
    const later = await start(second, plans[1]!.planId);
    expect(later).toMatchObject({ state: 'done', result: { skipped: image.blobs.length, bytesTransferred: 0 } });
    expect(requestsTo('POST', /^\/v2\/shared\/copy\/blobs\/uploads\//)).toHaveLength(image.blobs.length);
  });

  it('pushes a platform the plan found at the destination but that was deleted before Start', async () => {
    const multi = buildMultiPlatform();
    await pusher.push('gone/source', multi, ['1.0']);
    const child = multi.children[0]!;
    // One platform is at the destination already (by digest, as an earlier copy would leave it).
    await pusher.push('gone/copy', child, []);
    const request = copyOf('gone/source', '1.0', { repository: 'gone/copy', tag: '1.0' });
    const planned = await plan(request);
    expect(planned.manifests.find((m) => m.digest === child.digest)?.exists).toBe(true);
    const client = new RegistryClient({ cache: false });
    try {
      await client.deleteManifest({ registry: registry.host, repository: 'gone/copy', reference: child.digest });
    } finally {
      await client.close();
    }
    expect(await digestAt(registry, 'gone/copy', child.digest)).toBeUndefined();

    const job = await start(request, planned.planId);
    expect(job.state).toBe('done');
    expect(await digestAt(registry, 'gone/copy', '1.0')).toBe(multi.digest);
    expect(await digestAt(registry, 'gone/copy', child.digest)).toBe(child.digest);
  });

  it('runs a plan once, for the copy it was made for; an unknown or used plan id is a typed error', async () => {
    const image = buildImage();
    await pusher.push('once/source', image, ['1.0']);
    const request = copyOf('once/source', '1.0', { repository: 'once/copy', tag: '1.0' });
    const planned = await plan(request);

    const other = await serve.rpc('copy.start', { ...copyOf('once/source', '1.0', { repository: 'once/copy', tag: 'other' }), planId: planned.planId });
    expect(other.error).toMatchObject({ code: 'usage', part: 'plan', message: 'this copy plan was made for another copy (source, destination or platforms differ)' });

    expect((await start(request, planned.planId)).state).toBe('done');
    for (const planId of [planned.planId, randomUUID()]) {
      const answer = await serve.rpc('copy.start', { ...request, planId });
      expect(answer.error).toMatchObject({ code: 'not_found', part: 'plan', hint: 'Plan the copy again (review it, then Start).' });
    }
    expect((await serve.rpc('copy.start', { ...request, planId: 'not-an-id' })).error).toMatchObject({ code: 'usage', message: expect.stringContaining('planId') });
  });
});

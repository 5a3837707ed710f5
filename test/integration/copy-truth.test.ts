/**
 * Copies never surprise, engine side, against real registries: a copy onto
 * itself is refused (plan and job) before any request, a plan says which image
 * a moved tag leaves, tags of one image copied at once upload each blob once
 * (counted in the fault proxy's request log), and a watch's baseline is the
 * state when it was set (versions already there are not news).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CopyJobView } from '../../shared/contract';
import { isRegistryError } from '../../shared/errors';
import { buildImage } from '../../electron/demo/images';
import { createCopyJobs } from '../../electron/ipc/copy-jobs';
import { RegistryClient } from '../../electron/registry/client';
import { planCopy } from '../../electron/registry/copy/plan';
import { openSettings } from '../../electron/settings/settings-file';
import { createUpdateService } from '../../electron/update-service';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';

const rig = inject('rig');
const multi = rig.fixtures.multi;

let destination: RigRegistry;
let proxy: FaultProxy;
const client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });

beforeAll(async () => {
  destination = await startRegistry();
  proxy = await startFaultProxy(destination.url);
});
afterAll(async () => {
  await client.close();
  await proxy?.close();
  await destination?.stop();
});

async function refusal(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected a refusal');
}

describe('a copy onto itself', () => {
  it('is refused by the plan and by the job, with the reason, and asks the registry nothing', async () => {
    const before = proxy.requests.length;
    const source = { registry: proxy.host, repository: 'self/app', reference: '1.0' };
    for (const destination of [{ registry: proxy.host, repository: 'self/app', tag: '1.0' }, { registry: proxy.host, repository: 'self/app' }]) {
      const planned = await refusal(() => planCopy(client, { source, destination }));
      expect(isRegistryError(planned, 'usage')).toBe(true);
      expect((planned as Error).message).toBe(`${proxy.host}/self/app${destination.tag ? ':1.0' : ''} is the source itself: a copy onto itself changes nothing`);
      const jobs = createCopyJobs(client, () => undefined);
      const started = await refusal(() => jobs.start({ source, destination }, { source, destination }));
      expect(isRegistryError(started, 'usage')).toBe(true);
      expect(jobs.list()).toEqual([]);
    }
    expect(proxy.requests.length).toBe(before);
  });
});

describe('a plan that moves a tag', () => {
  it('names the image the tag holds now, and says nothing when the tag already holds the same image', async () => {
    const other = buildImage();
    await new RigPusher(destination).push('moved/app', other, ['1.0']);
    const source = { registry: rig.registry.host, repository: multi.repo, reference: multi.tag };
    const plan = await planCopy(client, { source, destination: { registry: destination.host, repository: 'moved/app', tag: '1.0' } });
    expect(plan.summary.replaces).toEqual({ tag: '1.0', digest: other.digest });
    const fresh = await planCopy(client, { source, destination: { registry: destination.host, repository: 'moved/app', tag: '2.0' } });
    expect(fresh.summary.replaces).toBeUndefined();
  });
});

describe('tags of one image copied at once', () => {
  it('upload each blob once: the later copies find them present', async () => {
    const image = buildImage();
    await new RigPusher(destination).push('dedupe/source', image, ['a', 'b', 'c']);
    proxy.requests.length = 0;
    const events: CopyJobView[] = [];
    const jobs = createCopyJobs(client, (job) => events.push(job));
    const ids = ['a', 'b', 'c'].map((tag) => {
      const request = { source: { registry: proxy.host, repository: 'dedupe/source', reference: tag }, destination: { registry: proxy.host, repository: 'dedupe/copy', tag } };
      return jobs.start(request, request);
    });
    const done = await Promise.all(ids.map((id) => jobs.settled(id)));
    expect(done.map((j) => j.state)).toEqual(['done', 'done', 'done']);
    const uploads = proxy.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v2/dedupe/copy/blobs/uploads/'));
    // Config and two layers: three blobs, each crossing (here: mounted) once for the three tags.
    expect(uploads.length).toBe(image.blobs.length);
    expect(done.slice(1).map((j) => j.result?.skipped)).toEqual([image.blobs.length, image.blobs.length]);
    // The second and third said they waited for the first, and every view carries a rising version.
    expect(events.some((e) => e.id === ids[1] && e.waitingFor === ids[0])).toBe(true);
    for (const id of ids) {
      const versions = events.filter((e) => e.id === id).map((e) => e.version);
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
    }
  });
});

describe('a watch set on a tag', () => {
  it('takes the versions already there as its baseline: a check right after reports nothing', async () => {
    const pusher = new RigPusher(destination);
    await pusher.push('watched/app', buildImage(), ['1.0']);
    await pusher.push('watched/app', buildImage(), ['1.1']);
    const settings = openSettings({ dir: join(mkdtempSync(join(tmpdir(), 'regdesk-copy-truth-')), 'config') });
    const updates = createUpdateService({ client, settings });
    const added = await updates.add(`${destination.host}/watched/app:1.0`, undefined, 'both');
    const [checked] = await updates.checkNow();
    expect(checked!.id).toBe(added.id);
    expect(checked!.update).toBeNull();
    await pusher.push('watched/app', buildImage(), ['1.2']);
    const [after] = await updates.checkNow();
    expect(after!.update?.newerVersions).toEqual(['1.2']);
  });
});

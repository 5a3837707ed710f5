/** Sync between real registries: only missing tags, pattern filtering, the CLI. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../../shared/errors';
import { RegistryClient } from '../../electron/registry/client';
import { syncRepository } from '../../electron/registry/copy/sync';
import { buildImage } from '../../electron/demo/images';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli } from '../helpers/cli';

let source: RigRegistry;
let destination: RigRegistry;
const client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });

beforeAll(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  const pusher = new RigPusher(source);
  await pusher.push('team/app', buildImage(), ['v1.0', 'v1.1']);
  await pusher.push('team/app', buildImage(), ['v2.0', 'latest']);
});
afterAll(async () => {
  await client.close();
  await Promise.all([source.stop(), destination.stop()]);
});

describe('sync', () => {
  it('copies the matching tags the destination lacks, and only those', async () => {
    const result = await syncRepository(client, {
      source: { registry: source.host, repository: 'team/app' },
      destination: { registry: destination.host, repository: 'mirror/app' },
      tags: 'v1\\..*',
    });
    expect(result.matched.sort()).toEqual(['v1.0', 'v1.1']);
    expect(result.copied.map((c) => c.destination.split(':').pop())).toEqual(['v1.0', 'v1.1']);
    expect(result.present).toEqual([]);
    const again = await syncRepository(client, {
      source: { registry: source.host, repository: 'team/app' },
      destination: { registry: destination.host, repository: 'mirror/app' },
    });
    expect(again.present).toEqual(['v1.0', 'v1.1']);
    expect(again.copied.map((c) => c.destination.split(':').pop())).toEqual(['latest', 'v2.0']);
    expect((await client.tags({ registry: destination.host, repository: 'mirror/app' }, { fresh: true })).sort()).toEqual(['latest', 'v1.0', 'v1.1', 'v2.0']);
  });

  it('refuses an invalid pattern before doing anything', async () => {
    const err = await syncRepository(client, {
      source: { registry: source.host, repository: 'team/app' },
      destination: { registry: destination.host, repository: 'mirror/bad' },
      tags: '(',
    }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'usage')).toBe(true);
  });

  it('regdesk sync prints what it did', async () => {
    const res = await cli(['sync', `${source.host}/team/app`, `${destination.host}/cli/app`, '--tags', 'v2.*', '--json']);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.copied).toHaveLength(1);
    expect(out.copied[0].destination).toBe(`${destination.host}/cli/app:v2.0`);
  });
});

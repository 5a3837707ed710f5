/**
 * Work shared by concurrent callers (one token fetch for every request that
 * needs the same token; one update-check run for every "check now") survives
 * one caller's cancel: the cancelled caller stops at once, the others get the
 * result. Only when every caller has gone is the shared request given up.
 * Real registry and token server; a gate holds the shared request in flight
 * until the test has lined the callers up.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildImage } from '../../electron/demo/images';
import type { RegistryClient } from '../../electron/registry/client';
import { openSettings } from '../../electron/settings/settings-file';
import { createUpdateService } from '../../electron/update-service';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { DEFAULT_TOKEN_POLICY, TOKEN_SERVICE } from '../rig/token-server';
import { clientFor } from '../helpers/engine';
import { rejectionOf } from '../helpers/errors';
import { startGate, type Gate } from '../helpers/gate';

const admin = { username: 'admin', password: DEFAULT_TOKEN_POLICY.users.admin!.password };
const image = buildImage();

/** Lets every pending promise callback run, so callers started just before have joined what they join. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('one token fetch shared by concurrent requests', () => {
  let registry: RigRegistry;
  let proxy: FaultProxy;
  let gate: Gate;
  let client: RegistryClient;
  const repo = () => ({ registry: proxy.host, repository: 'team/app' });

  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: 'token' } });
    await new RigPusher(registry).push('team/app', image, ['v1']);
    proxy = await startFaultProxy(registry.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await registry?.stop();
  });
  beforeEach(async () => {
    // The registry's challenges send clients to the real token server through the gate.
    gate = await startGate(registry.tokenServer!.url, /^\/token/);
    proxy.clear();
    proxy.add({ path: /^\/v2\//, action: { kind: 'header', headers: { 'www-authenticate': `Bearer realm="${gate.url}/token",service="${TOKEN_SERVICE}"` } } });
    client = clientFor({ host: proxy.host }, admin);
  });
  afterEach(async () => {
    await client.close();
    await gate.close();
  });

  it('the first caller cancelling stops that caller at once; the one that joined still gets the token and its answer', async () => {
    const first = new AbortController();
    const cancelled = client.tags(repo(), { signal: first.signal, fresh: true });
    await gate.held(1);
    const joined = client.tags(repo(), { fresh: true });
    await settle();
    expect(client.transport.auth.tokenRequests()).toBe(1);

    first.abort();
    expect((await rejectionOf(cancelled)).code).toBe('cancelled');
    gate.release();
    expect(await joined).toEqual(['v1']);
    expect(gate.requests.filter((r) => r.startsWith('GET /token'))).toHaveLength(1);
    expect(gate.abandonedCount()).toBe(0);
  });

  it('when every caller has cancelled, the token request is given up, and the next caller starts a fresh one (and succeeds, though no request ever settled the scheme)', async () => {
    const a = new AbortController();
    const b = new AbortController();
    const first = client.tags(repo(), { signal: a.signal, fresh: true });
    await gate.held(1);
    const second = client.tags(repo(), { signal: b.signal, fresh: true });
    await settle();
    a.abort();
    expect((await rejectionOf(first)).code).toBe('cancelled');
    expect(gate.abandonedCount()).toBe(0);
    b.abort();
    expect((await rejectionOf(second)).code).toBe('cancelled');
    await gate.abandoned(1);

    gate.release();
    // The next request tries https first (the cancelled one settled nothing); its realm, given over http, is still fine.
    expect(await client.tags(repo(), { fresh: true })).toEqual(['v1']);
    expect(gate.requests.filter((r) => r.startsWith('GET /token'))).toHaveLength(2);
  });
});

describe('one update-check run shared by every "check now"', () => {
  let registry: RigRegistry;
  let gate: Gate;

  beforeAll(async () => {
    registry = await startRegistry();
    await new RigPusher(registry).push('watch/app', image, ['v1']);
    gate = await startGate(registry.url, /\/manifests\//);
  });
  afterAll(async () => {
    await gate?.close();
    await registry?.stop();
  });

  it('the caller that started the run cancels; a caller that joined it still gets the results', async () => {
    const client = clientFor({ host: gate.host });
    const settings = openSettings({ dir: mkdtempSync(join(tmpdir(), 'regdesk-shared-cancel-')) });
    settings.update((s) => {
      s.watched.push({ id: 'w1', image: `${gate.host}/watch/app:v1`, rule: 'digest', addedAt: new Date().toISOString(), ignored: [] });
    });
    const updates = createUpdateService({ client, settings });
    try {
      const first = new AbortController();
      const cancelled = updates.checkNow(first.signal);
      await gate.held(1);
      const joined = updates.checkNow();
      await settle();
      first.abort();
      expect((await rejectionOf(cancelled)).code).toBe('cancelled');
      gate.release();
      const [view] = await joined;
      expect(view).toMatchObject({ id: 'w1', error: null, digest: image.digest });
      expect(view!.lastCheckAt).not.toBeNull();
      expect(gate.abandonedCount()).toBe(0);
    } finally {
      updates.stop();
      await client.close();
    }
  });

  it('a watch edited while a run is under way keeps the edit: the run\'s result, for what it watched before, is not written', async () => {
    const held = await startGate(registry.url, /\/manifests\//);
    const client = clientFor({ host: held.host });
    const settings = openSettings({ dir: mkdtempSync(join(tmpdir(), 'regdesk-shared-cancel-')) });
    settings.update((s) => {
      s.watched.push({ id: 'w2', image: `${held.host}/watch/app:v1`, rule: 'digest', addedAt: new Date().toISOString(), ignored: [] });
    });
    const updates = createUpdateService({ client, settings });
    try {
      const run = updates.checkNow();
      await held.held(1);
      // What watch.update writes when the platform changes: the new platform and its own baseline.
      const baseline = `sha256:${'a'.repeat(64)}`;
      settings.update((s) => {
        const w = s.watched.find((x) => x.id === 'w2')!;
        w.platform = 'linux/arm64';
        w.digest = baseline;
      });
      held.release();
      await run;
      const [after] = settings.get().watched;
      expect(after).toMatchObject({ platform: 'linux/arm64', digest: baseline });
      expect(after!.lastCheck).toBeUndefined();
    } finally {
      updates.stop();
      await client.close();
      await held.close();
    }
  });
});

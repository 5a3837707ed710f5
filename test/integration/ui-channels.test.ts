/**
 * The channels behind the UI's watch settings and registry editing
 * (watch.update, registries.update), through `dispatch` as Electron and serve
 * call it (validation included), against the rig's real registry.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Channel, ResponseOf } from '../../shared/contract';
import type { WireError } from '../../shared/errors';
import { createDiscovery } from '../../electron/credentials/discovery';
import { sessionStore } from '../../electron/credentials/session-store';
import type { SecretStore } from '../../electron/credentials/keychain';
import { createHandlers, dispatch, type Handlers } from '../../electron/ipc/handlers';
import { RegistryClient } from '../../electron/registry/client';
import { openSettings } from '../../electron/settings/settings-file';
import type { SettingsFile } from '../../electron/settings/settings-file';

const rig = inject('rig');
const multi = rig.fixtures.multi;
const host = rig.registry.host;

/** These channels never touch the keychain. */
const emptyStore: SecretStore = { get: async () => null, set: async () => undefined, delete: async () => false, list: async () => [] };

const client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10 } });
let handlers: Handlers;
let settings: SettingsFile;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'regdesk-ui-channels-'));
  settings = openSettings({ dir: join(dir, 'config') });
  handlers = createHandlers({
    client,
    settings,
    store: emptyStore,
    session: sessionStore(),
    discovery: createDiscovery({ env: {}, home: dir }),
    sessionRegistries: [{ host, insecure: true, skipVerify: false }],
    emit: () => undefined,
  });
});
afterAll(() => client.close());

async function ok<C extends Channel>(channel: C, payload: unknown): Promise<ResponseOf<C>> {
  const envelope = await dispatch(handlers, channel, payload, new AbortController().signal);
  if (!envelope.ok) throw new Error(`${channel} failed: ${envelope.error.message}`);
  return envelope.result as ResponseOf<C>;
}

async function refused(channel: Channel, payload: unknown): Promise<WireError> {
  const envelope = await dispatch(handlers, channel, payload, new AbortController().signal);
  if (envelope.ok) throw new Error(`${channel} succeeded; expected an error`);
  return envelope.error;
}

describe('watch.update', () => {
  const arm64 = multi.children.find((c) => c.platform?.architecture === 'arm64')!;

  it('a platform takes that platform’s digest as the baseline, a rule change keeps it, and the whole index takes the index’s again', async () => {
    const added = await ok('watch.add', { image: `${host}/${multi.repo}:${multi.tag}`, rule: 'digest' });
    expect([added.platform, added.rule, added.digest]).toEqual([null, 'digest', multi.digest]);
    await ok('updates.check', {});

    const moved = await ok('watch.update', { id: added.id, platform: 'linux/arm64/v8' });
    expect([moved.platform, moved.rule, moved.digest]).toEqual(['linux/arm64/v8', 'digest', arm64.digest]);
    // The last result compared the index: it no longer applies.
    expect(moved.lastCheckAt).toBeNull();

    const ruled = await ok('watch.update', { id: added.id, rule: 'both' });
    expect([ruled.platform, ruled.rule, ruled.digest]).toEqual(['linux/arm64/v8', 'both', arm64.digest]);
    const checked = (await ok('updates.check', {})).find((w) => w.id === added.id)!;
    expect([checked.update, checked.error]).toEqual([null, null]);

    const back = await ok('watch.update', { id: added.id, platform: null });
    expect([back.platform, back.rule, back.digest]).toEqual([null, 'both', multi.digest]);
    expect(settings.get().watched.find((w) => w.id === added.id)).toMatchObject({ rule: 'both', digest: multi.digest });
    expect(settings.get().watched.find((w) => w.id === added.id)!.platform).toBeUndefined();
  });

  it('refuses a platform the image does not have, naming the ones it has, and changes nothing', async () => {
    const added = await ok('watch.add', { image: `${host}/${multi.repo}:${multi.tag}`, rule: 'digest' });
    const before = JSON.stringify(settings.get().watched);
    const error = await refused('watch.update', { id: added.id, platform: 'linux/s390x' });
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('linux/arm64/v8');
    expect(JSON.stringify(settings.get().watched)).toBe(before);
  });

  it('refuses an unknown watch, a malformed platform and an unknown rule with typed errors', async () => {
    expect((await refused('watch.update', { id: 'no-such-watch', rule: 'digest' })).code).toBe('not_found');
    const added = await ok('watch.add', { image: `${host}/${multi.repo}:${multi.tag}` });
    const bad = await refused('watch.update', { id: added.id, platform: 'linux' });
    expect([bad.code, bad.part]).toEqual(['invalid_reference', 'platform']);
    const rule = await refused('watch.update', { id: added.id, rule: 'sometimes' });
    expect([rule.code, rule.message]).toEqual(['usage', expect.stringContaining('rule')]);
  });
});

describe('registries.update', () => {
  it('renames a registry, clears the name back to the host, and sets plain HTTP; a session registry is saved once edited', async () => {
    expect(settings.get().registries.some((r) => r.host === host)).toBe(false);
    const renamed = await ok('registries.update', { host, name: '  Rig registry ' });
    expect([renamed.host, renamed.name, renamed.insecure]).toEqual([host, 'Rig registry', true]);
    expect(settings.get().registries.find((r) => r.host === host)).toMatchObject({ name: 'Rig registry', insecure: true });
    expect((await ok('registries.list', {})).filter((r) => r.host === host).map((r) => r.name)).toEqual(['Rig registry']);

    const plain = await ok('registries.update', { host, insecure: false });
    expect([plain.name, plain.insecure]).toEqual(['Rig registry', false]);

    const cleared = await ok('registries.update', { host, name: '' });
    expect(cleared.name).toBe(host);
    expect(settings.get().registries.find((r) => r.host === host)!.name).toBeUndefined();
  });

  it('removing a session registry (serve --registry) takes it out of the list for the session; adding it back brings it back', async () => {
    const listed = async () => (await ok('registries.list', {})).some((r) => r.host === host);
    expect(await listed()).toBe(true);
    expect(await ok('registries.remove', { host })).toEqual({ removed: true });
    expect(await listed()).toBe(false);
    expect(settings.get().registries.some((r) => r.host === host)).toBe(false);
    expect(await ok('registries.remove', { host })).toEqual({ removed: false });
    await ok('registries.add', { host, insecure: true });
    expect(await listed()).toBe(true);
  });

  it('refuses a registry that is not in the list, and adds nothing', async () => {
    const before = settings.get().registries.length;
    const error = await refused('registries.update', { host: 'registry.invalid:5000', name: 'x' });
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('registry.invalid:5000');
    expect(settings.get().registries.length).toBe(before);
  });
});

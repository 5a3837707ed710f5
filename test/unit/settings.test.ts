/**
 * The settings file (through the real `conf` store, in a temporary folder) and
 * registries.json: defaults, validated updates that persist, corrupt or invalid
 * files moved aside with a notice (never a throw), migration of version 0, and
 * the per-registry transport settings (mirrors, insecure, CA files).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings, migrate, SETTINGS_VERSION } from '../../electron/settings/schema';
import { openSettings, settingsDir } from '../../electron/settings/settings-file';
import { hostConfigFrom, loadCaFiles, loadRegistryConfig, REGISTRY_CONFIG_NAME, type HostConfigSources } from '../../electron/settings/registry-config';
import { errorOf } from '../helpers/errors';
import { liveHostConfig } from '../../electron/settings/live-host-config';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'regdesk-settings-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const settingsPath = (): string => join(dir, 'settings.json');
const onDisk = (): any => JSON.parse(readFileSync(settingsPath(), 'utf8'));
const backups = (): string[] => readdirSync(dir).filter((f) => /^settings\.corrupt-.*\.json$/.test(f));
const fixedNow = () => new Date('2025-03-04T05:06:07.089Z');

describe('openSettings', () => {
  it('no file: the defaults (Docker Hub, concurrency 4, notifications on), no notice, and nothing written', () => {
    const settings = openSettings({ dir });
    expect(settings.notice).toBeUndefined();
    expect(settings.path).toBe(settingsPath());
    const value = settings.get();
    expect(value).toEqual(defaultSettings());
    expect(value.version).toBe(SETTINGS_VERSION);
    expect(value.registries).toEqual([{ host: 'registry-1.docker.io', name: 'Docker Hub', insecure: false, skipVerify: false }]);
    expect(value.copy.concurrency).toBe(4);
    expect(value.notifications.enabled).toBe(true);
    expect(value.updates.intervalMinutes).toBe(360);
    expect(existsSync(settingsPath())).toBe(false);
    expect(backups()).toEqual([]);
  });

  it('a valid, complete file is read but not rewritten (a read-only command must not overwrite what the app saved)', () => {
    const text = `${JSON.stringify(defaultSettings(), null, 2)}\n`;
    writeFileSync(settingsPath(), text);
    const settings = openSettings({ dir });
    expect(settings.get()).toEqual(defaultSettings());
    expect(readFileSync(settingsPath(), 'utf8')).toBe(text);
    settings.update((d) => void (d.copy.concurrency = 5));
    expect(readFileSync(settingsPath(), 'utf8')).not.toBe(text);
    expect(onDisk().copy.concurrency).toBe(5);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a valid file that lacks defaults is completed in memory, and written complete with the next update', () => {
    const text = JSON.stringify({ version: 1, copy: { concurrency: 3 } });
    writeFileSync(settingsPath(), text);
    const settings = openSettings({ dir });
    expect(settings.get()).toEqual({ ...defaultSettings(), copy: { concurrency: 3 } });
    expect(readFileSync(settingsPath(), 'utf8')).toBe(text);
    settings.update(() => undefined);
    expect(onDisk()).toEqual({ ...defaultSettings(), copy: { concurrency: 3 } });
  });

  it('creates a settings folder that does not exist yet', () => {
    const nested = join(dir, 'a', 'b');
    const settings = openSettings({ dir: nested });
    settings.update((d) => void (d.copy.concurrency = 7));
    expect(JSON.parse(readFileSync(join(nested, 'settings.json'), 'utf8')).copy.concurrency).toBe(7);
  });

  it('update() validates, persists, and a new open reads it back', () => {
    const settings = openSettings({ dir });
    const result = settings.update((d) => {
      d.copy.concurrency = 12;
      d.registries.push({ host: 'registry.lan:5000', insecure: true, skipVerify: false, caFile: '/etc/ca.pem' });
      d.proxy = 'http://proxy.lan:3128';
      d.notifications.enabled = false;
    });
    expect(result.copy.concurrency).toBe(12);
    expect(settings.get()).toEqual(result);
    expect(onDisk()).toEqual(result);
    const again = openSettings({ dir });
    expect(again.notice).toBeUndefined();
    expect(again.get()).toEqual(result);
    expect(again.get().registries.map((r) => r.host)).toEqual(['registry-1.docker.io', 'registry.lan:5000']);
  });

  it('update() fills defaults of what it adds', () => {
    const settings = openSettings({ dir });
    const result = settings.update((d) => {
      d.registries.push({ host: 'plain.lan' } as never);
    });
    expect(result.registries[1]).toEqual({ host: 'plain.lan', insecure: false, skipVerify: false });
  });

  it('an invalid update throws and changes nothing, in memory or on disk', () => {
    const settings = openSettings({ dir });
    settings.update((d) => void (d.copy.concurrency = 8));
    const before = readFileSync(settingsPath(), 'utf8');
    expect(() => settings.update((d) => void (d.copy.concurrency = 999))).toThrow();
    expect(() => settings.update((d) => void (d.updates.intervalMinutes = 1))).toThrow();
    expect(() => settings.update((d) => void ((d as any).version = 2))).toThrow();
    expect(settings.get().copy.concurrency).toBe(8);
    expect(readFileSync(settingsPath(), 'utf8')).toBe(before);
  });

  it('get() and update() hand out copies', () => {
    const settings = openSettings({ dir });
    settings.get().registries.length = 0;
    const updated = settings.update(() => undefined);
    updated.copy.concurrency = 31;
    expect(settings.get().registries).toHaveLength(1);
    expect(settings.get().copy.concurrency).toBe(4);
  });

  it('a corrupt JSON file is moved aside as settings.corrupt-*.json, defaults are used, and the notice says so', () => {
    const corrupt = '{"version": 1, "copy": {"concurrency": 8'; // cut off mid-write
    writeFileSync(settingsPath(), corrupt);
    const settings = openSettings({ dir, now: fixedNow });
    const backup = join(dir, 'settings.corrupt-2025-03-04T05-06-07-089Z.json');
    expect(backups()).toEqual(['settings.corrupt-2025-03-04T05-06-07-089Z.json']);
    expect(readFileSync(backup, 'utf8')).toBe(corrupt);
    expect(settings.get()).toEqual(defaultSettings());
    expect(settings.notice).toMatch(/reset to defaults/);
    expect(settings.notice).toMatch(/not valid JSON/);
    expect(settings.notice).toContain(backup);
    expect(existsSync(settingsPath())).toBe(false);
    // Usable afterwards; the next open is clean.
    settings.update((d) => void (d.copy.concurrency = 2));
    const again = openSettings({ dir });
    expect(again.notice).toBeUndefined();
    expect(again.get().copy.concurrency).toBe(2);
  });

  it('with the real clock, the backup name is a timestamp without colons', () => {
    writeFileSync(settingsPath(), 'not json');
    const settings = openSettings({ dir });
    const [backup] = backups();
    expect(backup).toMatch(/^settings\.corrupt-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.json$/);
    expect(settings.notice).toContain(backup);
  });

  it.each([
    ['copy.concurrency out of range', { version: 1, copy: { concurrency: 999 } }, /copy\.concurrency/],
    ['a registry without a host', { version: 1, registries: [{ name: 'x' }] }, /registries\.0\.host/],
    ['a newer version', { version: 2 }, /version/],
    ['a JSON array', [1, 2, 3], /not a JSON object/],
    ['JSON null', null, /not a JSON object/],
    ['a JSON string', 'hello', /not a JSON object/],
  ])('an invalid document (%s) is moved aside too, with a notice naming the problem', (_name, doc, problem) => {
    const text = JSON.stringify(doc);
    writeFileSync(settingsPath(), text);
    let settings: ReturnType<typeof openSettings> | undefined;
    expect(() => (settings = openSettings({ dir, now: fixedNow }))).not.toThrow();
    expect(settings!.get()).toEqual(defaultSettings());
    expect(settings!.notice).toMatch(/reset to defaults/);
    expect(settings!.notice).toMatch(problem);
    expect(backups()).toHaveLength(1);
    expect(readFileSync(join(dir, backups()[0]!), 'utf8')).toBe(text);
    expect(existsSync(settingsPath())).toBe(false);
  });

  it('an empty file is reset the same way', () => {
    writeFileSync(settingsPath(), '');
    const settings = openSettings({ dir, now: fixedNow });
    expect(settings.notice).toMatch(/reset to defaults/);
    expect(backups()).toHaveLength(1);
  });

  it('a version-0 document is migrated in memory (registries map → array), keeps the rest, and is written as version 1 with the next update', () => {
    const text = JSON.stringify({
      registries: { 'registry.lan:5000': { insecure: true }, 'ghcr.io': {} },
      copy: { concurrency: 9 },
    });
    writeFileSync(settingsPath(), text);
    const settings = openSettings({ dir });
    expect(settings.notice).toBeUndefined();
    expect(backups()).toEqual([]);
    const value = settings.get();
    expect(value.version).toBe(1);
    expect(value.registries).toEqual([
      { host: 'registry.lan:5000', insecure: true, skipVerify: false },
      { host: 'ghcr.io', insecure: false, skipVerify: false },
    ]);
    expect(value.copy.concurrency).toBe(9);
    expect(readFileSync(settingsPath(), 'utf8')).toBe(text);
    expect(openSettings({ dir }).get()).toEqual(value);
    settings.update(() => undefined);
    expect(onDisk()).toEqual(value);
  });

  it('an explicit version 0 with no registries migrates to an empty list', () => {
    writeFileSync(settingsPath(), JSON.stringify({ version: 0 }));
    const settings = openSettings({ dir });
    expect(settings.notice).toBeUndefined();
    expect(settings.get().registries).toEqual([]);
  });

  it('migrate() leaves current documents alone', () => {
    const current = { version: 1, registries: [{ host: 'a' }] };
    expect(migrate(current)).toEqual(current);
  });
});

describe('settingsDir', () => {
  it('REGDESK_CONFIG_DIR, else the platform folder', () => {
    expect(settingsDir({ REGDESK_CONFIG_DIR: '/cfg', HOME: '/h' }, 'linux')).toBe('/cfg');
    expect(settingsDir({ HOME: '/h' }, 'linux')).toBe('/h/.config/regdesk');
    expect(settingsDir({ HOME: '/h', XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/regdesk');
    expect(settingsDir({ HOME: '/h' }, 'darwin')).toBe('/h/Library/Application Support/regdesk');
    expect(settingsDir({ HOME: '/h', APPDATA: '/appdata' }, 'win32')).toBe(join('/appdata', 'regdesk'));
  });
});

/** The lookup the transport gets: every CA file named read first, as the live settings do. */
async function loaded(sources: HostConfigSources): Promise<ReturnType<typeof hostConfigFrom>> {
  return hostConfigFrom(sources, await loadCaFiles(sources));
}

describe('registries.json and hostConfigFrom', () => {
  const writeConfig = (value: unknown): void => writeFileSync(join(dir, REGISTRY_CONFIG_NAME), typeof value === 'string' ? value : JSON.stringify(value));

  it('no file: empty, no problem', () => {
    expect(loadRegistryConfig(dir)).toEqual({ file: { mirrors: {}, insecure: [], ca: {} } });
  });

  it('a valid file is read', () => {
    writeConfig({ mirrors: { 'docker.io': ['https://mirror.internal:5000'] }, insecure: ['registry.lan:5000'], ca: { 'registry.corp': '/etc/ssl/corp.pem' } });
    expect(loadRegistryConfig(dir)).toEqual({ file: { mirrors: { 'docker.io': ['https://mirror.internal:5000'] }, insecure: ['registry.lan:5000'], ca: { 'registry.corp': '/etc/ssl/corp.pem' } } });
  });

  it.each([
    ['not JSON', '{"mirrors": ', /registries\.json ignored: not valid JSON/],
    ['insecure of the wrong type', { insecure: 'registry.lan' }, /registries\.json ignored/],
    ['mirrors not a list', { mirrors: { 'docker.io': 'https://m' } }, /registries\.json ignored/],
  ])('a bad file (%s) sets problem and is ignored', (_name, value, problem) => {
    writeConfig(value);
    const loaded = loadRegistryConfig(dir);
    expect(loaded.problem).toMatch(problem);
    expect(loaded.file).toEqual({ mirrors: {}, insecure: [], ca: {} });
    expect(hostConfigFrom({ file: loaded.file })('registry.lan')).toBeUndefined();
  });

  it('mirrors, insecure registries and CA files per registry, with Docker Hub alias keys', async () => {
    const caA = join(dir, 'a.pem');
    const caB = join(dir, 'b.pem');
    writeFileSync(caA, 'PEM-A');
    writeFileSync(caB, 'PEM-B');
    writeConfig({
      mirrors: { 'https://index.docker.io/v1/': ['https://mirror.internal:5000'], 'ghcr.io': ['ghcr-mirror.lan'] },
      insecure: ['http://Registry.LAN:5000'],
      ca: { 'registry.corp': caA, 'docker.io': caB },
    });
    const { file, problem } = loadRegistryConfig(dir);
    expect(problem).toBeUndefined();
    const hostConfig = await loaded({ file });
    for (const hub of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/']) {
      const config = hostConfig(hub);
      expect(config?.mirrors, hub).toEqual(['https://mirror.internal:5000']);
      expect(config?.ca?.toString(), hub).toBe('PEM-B');
      expect(config?.insecure).toBeUndefined();
    }
    expect(hostConfig('ghcr.io')).toEqual({ mirrors: ['ghcr-mirror.lan'] });
    expect(hostConfig('registry.lan:5000')).toEqual({ insecure: true });
    expect(hostConfig('registry.lan')).toBeUndefined();
    expect(hostConfig('registry.corp:443')?.ca?.toString()).toBe('PEM-A');
    expect(hostConfig('quay.io')).toBeUndefined();
  });

  it('settings entries, run flags and the file combine; CLI CA > settings CA > file CA; each CA file read once', async () => {
    const pem = (name: string): string => {
      const path = join(dir, `${name}.pem`);
      writeFileSync(path, `PEM-${name}`);
      return path;
    };
    const sources: HostConfigSources = {
      registries: [
        { host: 'both.lan', insecure: false, skipVerify: true, caFile: pem('settings') },
        { host: 'insecure.lan:5000', insecure: true, skipVerify: false },
        { host: 'again.lan', insecure: false, skipVerify: false, caFile: pem('settings') },
      ],
      file: { mirrors: {}, insecure: ['file-insecure.lan'], ca: { 'both.lan': pem('file'), 'fileonly.lan': pem('fileonly') } },
      insecure: ['cli-insecure.lan'],
      caFiles: { 'cli.lan': pem('cli'), 'both.lan': pem('cli-both') },
    };
    const cas = await loadCaFiles(sources);
    // Each file named once in the map, however many registries name it.
    expect([...cas.keys()].map((p) => p.slice(dir.length + 1)).sort()).toEqual(['cli-both.pem', 'cli.pem', 'file.pem', 'fileonly.pem', 'settings.pem']);
    const hostConfig = hostConfigFrom(sources, cas);
    expect(hostConfig('both.lan')).toEqual({ skipVerify: true, ca: Buffer.from('PEM-cli-both') });
    expect(hostConfig('fileonly.lan')).toEqual({ ca: Buffer.from('PEM-fileonly') });
    expect(hostConfig('cli.lan')).toEqual({ ca: Buffer.from('PEM-cli') });
    expect(hostConfig('again.lan')).toEqual({ ca: Buffer.from('PEM-settings') });
    expect(hostConfig('insecure.lan:5000')).toEqual({ insecure: true });
    expect(hostConfig('file-insecure.lan')).toEqual({ insecure: true });
    expect(hostConfig('cli-insecure.lan')).toEqual({ insecure: true });

    const withoutCli = await loaded({ registries: [{ host: 'both.lan', insecure: false, skipVerify: false, caFile: join(dir, 'settings.pem') }], file: { mirrors: {}, insecure: [], ca: { 'both.lan': join(dir, 'file.pem') } } });
    expect(withoutCli('both.lan')?.ca?.toString()).toBe('PEM-settings');
    expect(existsSync(join(dir, 'settings.pem'))).toBe(true);
  });

  it('a CA file that cannot be used fails that registry only, with a usage error naming the file and the registry', async () => {
    const good = join(dir, 'good.pem');
    writeFileSync(good, 'PEM-good');
    const missing = join(dir, 'missing.pem');
    const hostConfig = await loaded({ file: { mirrors: {}, insecure: [], ca: { 'bad.lan': missing, 'good.lan': good } } });
    expect(hostConfig('good.lan')?.ca?.toString()).toBe('PEM-good');
    expect(errorOf(() => hostConfig('bad.lan'))).toMatchObject({ code: 'usage', message: `bad.lan: the CA file ${missing} cannot be used: no such file`, context: { registry: 'bad.lan' }, hint: expect.stringMatching(/registries\.json/) });
  });

  it('the live lookup: CA files read asynchronously on every rebuild, in place once ready() resolves', async () => {
    const ca = (name: string): string => {
      const path = join(dir, `${name}.pem`);
      writeFileSync(path, `PEM-${name}`);
      return path;
    };
    let registries = [{ host: 'corp.lan', insecure: false, skipVerify: false, caFile: ca('first') }];
    const live = liveHostConfig({ settings: { get: () => ({ ...defaultSettings(), registries }) }, dir });
    await live.hostConfig.ready!();
    expect(live.hostConfig('corp.lan')?.ca?.toString()).toBe('PEM-first');
    registries = [{ host: 'corp.lan', insecure: false, skipVerify: false, caFile: ca('second') }];
    const rebuilt = live.refresh();
    expect(live.hostConfig.ready!()).toBe(rebuilt);
    await rebuilt;
    expect(live.hostConfig('corp.lan')?.ca?.toString()).toBe('PEM-second');
    registries = [{ host: 'corp.lan', insecure: false, skipVerify: false, caFile: '/dev/zero' }];
    await live.refresh();
    expect(errorOf(() => live.hostConfig('corp.lan')).message).toBe('corp.lan: the CA file /dev/zero cannot be used: it is a device, not a regular file');
    expect(live.hostConfig('other.lan')).toBeUndefined();
  });

  it('registries.json does not disturb the settings file beside it', () => {
    mkdirSync(dir, { recursive: true });
    writeConfig('garbage');
    const settings = openSettings({ dir });
    expect(settings.notice).toBeUndefined();
    expect(loadRegistryConfig(dir).problem).toBeDefined();
  });
});

/**
 * Credential discovery against real files, real environment maps and real
 * `docker-credential-*` helper programs (shell scripts put first on PATH):
 * every source, the order in which they are tried, the reported origin, and
 * broken files that must be skipped without hiding the other sources.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containersAuthPaths, createDiscovery, DEFAULT_KUBERNETES_SECRET, dockerConfigPath, type DiscoveryOptions } from '../../electron/credentials/discovery';
import { entryCredential, findAuthEntry, helperFor, readAuthFile, runCredentialHelper } from '../../electron/credentials/auth-files';
import { decodeCredential, encodeCredential, keytarStore, type SecretStore } from '../../electron/credentials/keychain';
import { DOCKER_HUB_CONFIG_KEY, envHostKey } from '../../electron/credentials/registry-keys';
import { canonicalRegistry, DOCKER_HUB_HOST as DOCKER_HUB } from '../../shared/names';
import { importCredentials } from '../../electron/credentials/login';
import type { RegistryError } from '../../shared/errors';

const REG = '127.0.0.1:5000';
const REG_ENV = 'REGISTRY_127_0_0_1_5000';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A fresh folder tree per test: HOME, DOCKER_CONFIG, XDG_RUNTIME_DIR, a bin folder for helpers. */
interface Tree {
  root: string;
  home: string;
  dockerDir: string;
  runtime: string;
  bin: string;
  /** Where the Kubernetes secret would be mounted (absent unless a test writes it). */
  k8s: string;
  /** The helper scripts log every server URL they are asked about here. */
  helperLog: string;
  env: NodeJS.ProcessEnv;
}

let t: Tree;

beforeEach(() => {
  const root = mkdtempSync(join(tmpdir(), 'regdesk-discovery-'));
  const home = join(root, 'home');
  const dockerDir = join(root, 'docker');
  const runtime = join(root, 'run');
  const bin = join(root, 'bin');
  for (const d of [home, dockerDir, runtime, bin]) mkdirSync(d, { recursive: true });
  t = {
    root,
    home,
    dockerDir,
    runtime,
    bin,
    k8s: join(root, 'k8s', '.dockerconfigjson'),
    helperLog: join(root, 'helper.log'),
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: home, DOCKER_CONFIG: dockerDir, XDG_RUNTIME_DIR: runtime },
  };
});

afterEach(() => {
  rmSync(t.root, { recursive: true, force: true });
});

function writeJson(path: string, value: unknown): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}

const dockerConfig = (value: unknown): string => writeJson(join(t.dockerDir, 'config.json'), value);
const authsFor = (registryKey: string, user: string, password: string) => ({ auths: { [registryKey]: { auth: b64(`${user}:${password}`) } } });

/**
 * A real `docker-credential-<name>` program: reads the server URL on standard
 * input (no newline, as Docker sends it), logs it, and answers from `answers`
 * like the real helpers do (JSON, or "credentials not found" and exit 1).
 */
function writeHelper(name: string, answers: Record<string, { Username: string; Secret: string }>): void {
  const cases = Object.entries(answers)
    .map(([url, a]) => `  '${url}') printf '%s' '${JSON.stringify({ ServerURL: url, ...a })}' ;;`)
    .join('\n');
  const script = `#!/bin/sh
[ "$1" = get ] || { echo "unsupported $1" >&2; exit 2; }
url=$(cat)
printf '%s %s\\n' '${name}' "$url" >> '${t.helperLog}'
case "$url" in
${cases}
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`;
  const path = join(t.bin, `docker-credential-${name}`);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
}

const helperCalls = (): string[] => {
  try {
    return readFileSync(t.helperLog, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** A keychain backend kept in memory: the SecretStore interface exists so backends can be swapped. */
function memoryStore(initial: Record<string, string> = {}): SecretStore & { items: Map<string, string> } {
  const items = new Map(Object.entries(initial));
  return {
    items,
    get: async (account) => items.get(account) ?? null,
    set: async (account, secret) => void items.set(account, secret),
    delete: async (account) => items.delete(account),
    list: async () => [...items].map(([account, secret]) => ({ account, secret })),
  };
}

function discovery(extra: Partial<DiscoveryOptions> = {}) {
  return createDiscovery({ env: t.env, home: t.home, kubernetesSecretPath: t.k8s, ...extra });
}

describe('registry keys', () => {
  it('the host part of REGISTRY_<HOST>_*', () => {
    expect(envHostKey('127.0.0.1:5000')).toBe('127_0_0_1_5000');
    expect(envHostKey('ghcr.io')).toBe('GHCR_IO');
    expect(envHostKey('localhost:5000')).toBe('LOCALHOST_5000');
    expect(envHostKey('my-registry.corp:8443')).toBe('MY__REGISTRY_CORP_8443');
    expect(envHostKey('xn--caf-dma.fr')).toBe('XN____CAF__DMA_FR');
    expect(envHostKey('registry.corp.com')).toBe('REGISTRY_CORP_COM');
    expect(envHostKey('registry-corp.com')).toBe('REGISTRY__CORP_COM');
  });

  it.each(['[::1]:5000', '[fe80::1]', 'bad host', 'a..b', '-a.b', 'a-.b', 'a.b:0', '1.2.3:4', ''])('%s has no REGISTRY_<HOST>_* key (not a host a key can name unambiguously)', (host) => {
    expect(envHostKey(host)).toBeUndefined();
  });

  /**
   * Every host of up to 7 characters from letters, digits, `.`, `-` and `:` that the
   * reference parser accepts: no two get the same key. Short names are enough to meet
   * every way two could meet (`a.a`/`a-a`, `a:1`/`a.1`, `1.1.1.1`/`1.1.1:1`).
   */
  it('no two registry hosts share a key (exhaustive over short hosts)', () => {
    const alphabet = ['a', '1', '.', '-', ':'];
    const byKey = new Map<string, string>();
    let hosts = 0;
    let layer = [''];
    for (let length = 1; length <= 7; length++) {
      layer = layer.flatMap((prefix) => alphabet.map((c) => prefix + c));
      for (const host of layer) {
        const key = envHostKey(host);
        if (key === undefined) continue;
        hosts++;
        const other = byKey.get(key);
        if (other !== undefined && other !== canonicalRegistry(host)) expect.fail(`${other} and ${host} share the key ${key}`);
        byKey.set(key, canonicalRegistry(host));
      }
    }
    expect(byKey.has('1_1_1_1')).toBe(true);
    expect(byKey.get('A_1')).toBe('a:1');
    expect(hosts).toBeGreaterThan(1000);
  });
});

describe('file locations', () => {
  it('Docker config: $DOCKER_CONFIG/config.json, else ~/.docker/config.json', () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: '/d' }, '/h')).toBe('/d/config.json');
    expect(dockerConfigPath({}, '/h')).toBe('/h/.docker/config.json');
  });

  it('containers auth.json: $REGISTRY_AUTH_FILE alone, else the runtime file then the config file', () => {
    expect(containersAuthPaths({ REGISTRY_AUTH_FILE: '/a.json', XDG_RUNTIME_DIR: '/run/u' }, '/h')).toEqual(['/a.json']);
    expect(containersAuthPaths({ XDG_RUNTIME_DIR: '/run/u' }, '/h')).toEqual(['/run/u/containers/auth.json', '/h/.config/containers/auth.json']);
    expect(containersAuthPaths({ XDG_CONFIG_HOME: '/x' }, '/h')).toEqual(['/x/containers/auth.json']);
  });

  it('the default Kubernetes secret path', () => {
    expect(DEFAULT_KUBERNETES_SECRET).toBe('/var/run/secrets/registry/.dockerconfigjson');
  });
});

describe('each source on its own', () => {
  it('nothing anywhere: undefined', async () => {
    expect(await discovery().discover(REG)).toBeUndefined();
    expect(await discovery().source(REG)).toBeUndefined();
  });

  it('explicit credentials', async () => {
    const found = await discovery({ explicit: (r) => (r === REG ? { username: 'cli', password: 'cli-pw' } : undefined) }).discover(`http://${REG}`);
    expect(found).toEqual({ credential: { username: 'cli', password: 'cli-pw' }, origin: 'explicit' });
  });

  it('the keychain (regdesk\'s own JSON item, under the canonical host)', async () => {
    const store = memoryStore({ [REG]: encodeCredential({ username: 'kc', password: 'kc-pw' }) });
    expect(await discovery({ store }).discover(REG)).toEqual({ credential: { username: 'kc', password: 'kc-pw' }, origin: 'keychain' });
    const hub = memoryStore({ [DOCKER_HUB]: encodeCredential({ refreshToken: 'kc-refresh' }) });
    expect(await discovery({ store: hub }).discover('docker.io')).toEqual({ credential: { refreshToken: 'kc-refresh' }, origin: 'keychain' });
  });

  it('REGISTRY_<HOST>_USERNAME / _PASSWORD', async () => {
    t.env[`${REG_ENV}_USERNAME`] = 'envuser';
    t.env[`${REG_ENV}_PASSWORD`] = 'env-pw';
    t.env.REGISTRY_GHCR_IO_USERNAME = 'gh';
    t.env.REGISTRY_GHCR_IO_PASSWORD = 'gh-pw';
    const d = discovery();
    expect(await d.discover(REG)).toEqual({ credential: { username: 'envuser', password: 'env-pw' }, origin: 'env-registry', detail: `${REG_ENV}_PASSWORD` });
    expect(await d.discover('https://ghcr.io')).toMatchObject({ credential: { username: 'gh', password: 'gh-pw' }, origin: 'env-registry' });
    expect(await d.discover('quay.io')).toBeUndefined();
  });

  it('REGISTRY_<HOST>_* for one host never reaches a look-alike host (`-` is written `__`)', async () => {
    t.env.REGISTRY_REGISTRY_CORP_COM_USERNAME = 'dotted';
    t.env.REGISTRY_REGISTRY_CORP_COM_PASSWORD = 'dotted-pw';
    const d = discovery();
    expect(await d.discover('registry.corp.com')).toMatchObject({ credential: { password: 'dotted-pw' }, detail: 'REGISTRY_REGISTRY_CORP_COM_PASSWORD' });
    expect(await d.discover('registry-corp.com')).toBeUndefined();
    expect(await d.discover('registry.corp-com')).toBeUndefined();
    t.env.REGISTRY_REGISTRY__CORP_COM_USERNAME = 'hyphen';
    t.env.REGISTRY_REGISTRY__CORP_COM_PASSWORD = 'hyphen-pw';
    expect(await discovery().discover('registry-corp.com')).toMatchObject({ credential: { password: 'hyphen-pw' }, detail: 'REGISTRY_REGISTRY__CORP_COM_PASSWORD' });
    expect(await discovery().discover('registry.corp.com')).toMatchObject({ credential: { password: 'dotted-pw' } });
  });

  it('a registry on a port and the same name with a numeric label never share variables', async () => {
    t.env.REGISTRY_LOCALHOST_5000_USERNAME = 'lh';
    t.env.REGISTRY_LOCALHOST_5000_PASSWORD = 'lh-pw';
    expect(await discovery().discover('localhost:5000')).toMatchObject({ credential: { password: 'lh-pw' } });
    expect(await discovery().discover('localhost.5000')).toBeUndefined();
  });

  it('half a REGISTRY_<HOST>_* pair is ignored and hides nothing after it', async () => {
    dockerConfig(authsFor(REG, 'dc', 'dc-pw'));
    t.env[`${REG_ENV}_PASSWORD`] = 'lonely-pw';
    expect(await discovery().discover(REG)).toMatchObject({ origin: 'docker-config', credential: { username: 'dc', password: 'dc-pw' } });
    delete t.env[`${REG_ENV}_PASSWORD`];
    t.env[`${REG_ENV}_USERNAME`] = 'lonely-user';
    expect(await discovery().discover(REG)).toMatchObject({ origin: 'docker-config', credential: { username: 'dc', password: 'dc-pw' } });
  });

  it('Docker Hub: REGISTRY_REGISTRY__1_DOCKER_IO_* or REGISTRY_DOCKER_IO_*, the first winning, for every name of Docker Hub', async () => {
    t.env.REGISTRY_DOCKER_IO_USERNAME = 'short';
    t.env.REGISTRY_DOCKER_IO_PASSWORD = 'short-pw';
    for (const name of ['docker.io', 'index.docker.io', DOCKER_HUB, 'https://index.docker.io/v1/']) {
      expect(await discovery().discover(name), name).toEqual({ credential: { username: 'short', password: 'short-pw' }, origin: 'env-registry', detail: 'REGISTRY_DOCKER_IO_PASSWORD' });
    }
    // The old spelling (before `-` became `__`) names a host under docker.io, not Docker Hub's API host.
    t.env.REGISTRY_REGISTRY_1_DOCKER_IO_USERNAME = 'old';
    t.env.REGISTRY_REGISTRY_1_DOCKER_IO_PASSWORD = 'old-pw';
    expect(await discovery().discover('docker.io')).toMatchObject({ detail: 'REGISTRY_DOCKER_IO_PASSWORD' });
    t.env.REGISTRY_REGISTRY__1_DOCKER_IO_USERNAME = 'api';
    t.env.REGISTRY_REGISTRY__1_DOCKER_IO_PASSWORD = 'api-pw';
    expect(await discovery().discover('docker.io')).toMatchObject({ credential: { username: 'api', password: 'api-pw' }, detail: 'REGISTRY_REGISTRY__1_DOCKER_IO_PASSWORD' });
    expect(await discovery().discover(REG)).toBeUndefined();
  });

  it('DOCKER_USERNAME / DOCKER_PASSWORD: Docker Hub only, and only when both are set', async () => {
    t.env.DOCKER_USERNAME = 'du';
    expect(await discovery().discover('docker.io')).toBeUndefined();
    t.env.DOCKER_PASSWORD = 'dp';
    for (const name of ['docker.io', 'index.docker.io', DOCKER_HUB, 'https://index.docker.io/v1/']) {
      expect(await discovery().discover(name), name).toEqual({ credential: { username: 'du', password: 'dp' }, origin: 'env-docker', detail: 'DOCKER_PASSWORD' });
    }
    // Any other registry never sees them, whatever it is called.
    for (const name of [REG, 'ghcr.io', 'docker.io.evil.example', 'localhost:5000']) expect(await discovery().discover(name), name).toBeUndefined();
  });

  it('Docker config.json: base64 auth (a password may hold colons)', async () => {
    const path = dockerConfig(authsFor(`http://${REG}`, 'dc', 'p:a:ss'));
    expect(await discovery().discover(REG)).toEqual({ credential: { username: 'dc', password: 'p:a:ss' }, origin: 'docker-config', detail: path });
  });

  it('Docker config.json: explicit username and password fields', async () => {
    dockerConfig({ auths: { [REG]: { username: 'fu', password: 'fp' } } });
    expect((await discovery().discover(REG))?.credential).toEqual({ username: 'fu', password: 'fp' });
  });

  it('Docker config.json under ~/.docker when DOCKER_CONFIG is not set', async () => {
    delete t.env.DOCKER_CONFIG;
    const path = writeJson(join(t.home, '.docker', 'config.json'), authsFor(REG, 'hd', 'hd-pw'));
    expect(await discovery().discover(REG)).toEqual({ credential: { username: 'hd', password: 'hd-pw' }, origin: 'docker-config', detail: path });
  });

  it('Docker config.json: identitytoken becomes a refresh token', async () => {
    dockerConfig({ auths: { [REG]: { identitytoken: 'id-token-1' } } });
    expect(await discovery().discover(REG)).toMatchObject({ credential: { refreshToken: 'id-token-1' }, origin: 'docker-config' });
    expect((await discovery().discover(REG))?.credential.password).toBeUndefined();
  });

  it('an auths entry without a secret is no credential (Docker writes empty ones next to credsStore)', async () => {
    dockerConfig({ auths: { [REG]: {}, 'ghcr.io': { auth: b64('nocolon') }, 'quay.io': { auth: b64('user:') } } });
    const d = discovery();
    expect(await d.discover(REG)).toBeUndefined();
    expect(await d.discover('ghcr.io')).toBeUndefined();
    expect(await d.discover('quay.io')).toBeUndefined();
  });

  describe('Docker Hub: every key spelling matches every way of naming it', () => {
    const keys = ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'];
    const asked = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/'];
    it.each(keys)('config key %s', async (key) => {
      dockerConfig(authsFor(key, 'hubuser', 'hub-pw'));
      const d = discovery();
      for (const name of asked) {
        expect(await d.discover(name), `${key} asked as ${name}`).toMatchObject({ credential: { username: 'hubuser', password: 'hub-pw' }, origin: 'docker-config' });
      }
      expect(await d.discover('ghcr.io')).toBeUndefined();
    });
  });

  it('credHelpers: runs docker-credential-<name> with the host on stdin', async () => {
    writeHelper('rdtest', { [REG]: { Username: 'helper-user', Secret: 'helper-pw' } });
    dockerConfig({ credHelpers: { [REG]: 'rdtest' } });
    expect(await discovery().discover(REG)).toEqual({ credential: { username: 'helper-user', password: 'helper-pw' }, origin: 'docker-helper', detail: 'docker-credential-rdtest' });
    expect(helperCalls()).toEqual([`rdtest ${REG}`]);
  });

  it('credHelpers for Docker Hub: the helper is asked for https://index.docker.io/v1/', async () => {
    writeHelper('hub', { [DOCKER_HUB_CONFIG_KEY]: { Username: 'hub-helper', Secret: 'hub-helper-pw' } });
    dockerConfig({ credHelpers: { 'docker.io': 'hub' } });
    expect(await discovery().discover('index.docker.io')).toMatchObject({ credential: { username: 'hub-helper', password: 'hub-helper-pw' }, origin: 'docker-helper' });
    expect(helperCalls()).toEqual([`hub ${DOCKER_HUB_CONFIG_KEY}`]);
  });

  it('a helper answering with user name <token> gives a refresh token', async () => {
    writeHelper('tok', { [REG]: { Username: '<token>', Secret: 'helper-identity-token' } });
    dockerConfig({ credHelpers: { [REG]: 'tok' } });
    expect(await discovery().discover(REG)).toEqual({ credential: { refreshToken: 'helper-identity-token' }, origin: 'docker-helper', detail: 'docker-credential-tok' });
  });

  it('credsStore applies to every registry; an empty answer falls back to the inline auths entry', async () => {
    writeHelper('store', { [REG]: { Username: 'store-user', Secret: 'store-pw' } });
    const path = dockerConfig({ credsStore: 'store', auths: { 'ghcr.io': { auth: b64('inline:inline-pw') } } });
    const d = discovery();
    expect(await d.discover(REG)).toMatchObject({ credential: { username: 'store-user', password: 'store-pw' }, origin: 'docker-helper', detail: 'docker-credential-store' });
    expect(await d.discover('ghcr.io')).toEqual({ credential: { username: 'inline', password: 'inline-pw' }, origin: 'docker-config', detail: path });
    expect(await d.discover('quay.io')).toBeUndefined();
    expect(helperCalls()).toEqual([`store ${REG}`, 'store ghcr.io', 'store quay.io']);
  });

  it('credHelpers wins over credsStore for its registry', async () => {
    writeHelper('store', { [REG]: { Username: 'store-user', Secret: 'store-pw' }, 'ghcr.io': { Username: 'store-gh', Secret: 'store-gh-pw' } });
    writeHelper('special', { [REG]: { Username: 'special-user', Secret: 'special-pw' } });
    dockerConfig({ credsStore: 'store', credHelpers: { [`https://${REG}`]: 'special' } });
    const d = discovery();
    expect((await d.discover(REG))?.credential).toEqual({ username: 'special-user', password: 'special-pw' });
    expect((await d.discover('ghcr.io'))?.credential).toEqual({ username: 'store-gh', password: 'store-gh-pw' });
  });

  it('a helper that is not installed, exits non-zero, or prints garbage is skipped', async () => {
    dockerConfig({ credHelpers: { [REG]: 'not-installed-anywhere' }, auths: { [REG]: { auth: b64('fallback:fallback-pw') } } });
    expect(await discovery().discover(REG)).toMatchObject({ credential: { username: 'fallback', password: 'fallback-pw' }, origin: 'docker-config' });

    const garbage = join(t.bin, 'docker-credential-garbage');
    writeFileSync(garbage, '#!/bin/sh\ncat >/dev/null\necho "this is not json"\n');
    chmodSync(garbage, 0o755);
    dockerConfig({ credHelpers: { [REG]: 'garbage' } });
    expect(await discovery().discover(REG)).toBeUndefined();
    expect(await runCredentialHelper('garbage', REG, t.env)).toBeUndefined();
  });

  it('a helper name that is not a plain program name is never run', async () => {
    const evil = join(t.root, 'evil-ran');
    writeFileSync(join(t.bin, 'docker-credential-x'), `#!/bin/sh\ntouch '${evil}'\n`);
    chmodSync(join(t.bin, 'docker-credential-x'), 0o755);
    for (const name of ['x y', 'x;touch', '../bin/docker-credential-x', '']) {
      expect(await runCredentialHelper(name, REG, t.env)).toBeUndefined();
    }
    expect(() => readFileSync(evil)).toThrow();
  });

  it('containers auth.json from $REGISTRY_AUTH_FILE (and then only that file)', async () => {
    const path = writeJson(join(t.root, 'custom-auth.json'), authsFor(REG, 'raf', 'raf-pw'));
    writeJson(join(t.runtime, 'containers', 'auth.json'), authsFor('ghcr.io', 'rt', 'rt-pw'));
    t.env.REGISTRY_AUTH_FILE = path;
    const d = discovery();
    expect(await d.discover(REG)).toEqual({ credential: { username: 'raf', password: 'raf-pw' }, origin: 'containers-auth', detail: path });
    expect(await d.discover('ghcr.io')).toBeUndefined();
  });

  it('containers auth.json in $XDG_RUNTIME_DIR/containers before ~/.config/containers', async () => {
    const runtimeFile = writeJson(join(t.runtime, 'containers', 'auth.json'), authsFor(REG, 'rt', 'rt-pw'));
    const configFile = writeJson(join(t.home, '.config', 'containers', 'auth.json'), { auths: { [REG]: { auth: b64('cfg:cfg-pw') }, 'ghcr.io': { auth: b64('cfg-gh:cfg-gh-pw') } } });
    const d = discovery();
    expect(await d.discover(REG)).toEqual({ credential: { username: 'rt', password: 'rt-pw' }, origin: 'containers-auth', detail: runtimeFile });
    expect(await d.discover('ghcr.io')).toEqual({ credential: { username: 'cfg-gh', password: 'cfg-gh-pw' }, origin: 'containers-auth', detail: configFile });
  });

  it('containers auth.json under $XDG_CONFIG_HOME when it is set', async () => {
    t.env.XDG_CONFIG_HOME = join(t.root, 'xdg');
    const path = writeJson(join(t.root, 'xdg', 'containers', 'auth.json'), authsFor(REG, 'xdg', 'xdg-pw'));
    expect(await discovery().discover(REG)).toEqual({ credential: { username: 'xdg', password: 'xdg-pw' }, origin: 'containers-auth', detail: path });
  });

  it('a Kubernetes .dockerconfigjson at the overridden path', async () => {
    writeJson(t.k8s, { auths: { [`https://${REG}`]: { username: 'k8s', password: 'k8s-pw' } } });
    expect(await discovery().discover(REG)).toEqual({ credential: { username: 'k8s', password: 'k8s-pw' }, origin: 'kubernetes-secret', detail: t.k8s });
    expect(await discovery({ kubernetesSecretPath: join(t.root, 'elsewhere') }).discover(REG)).toBeUndefined();
  });
});

describe('precedence: first hit wins', () => {
  /**
   * Every source holds a different password for the registry; each step removes the winner.
   * DOCKER_* take part for Docker Hub only; for any other registry they are set but never win.
   */
  it.each([
    { registry: REG, envKey: REG_ENV, configKey: REG, helperUrl: REG, dockerEnv: false },
    { registry: DOCKER_HUB, envKey: 'REGISTRY_REGISTRY__1_DOCKER_IO', configKey: DOCKER_HUB_CONFIG_KEY, helperUrl: DOCKER_HUB_CONFIG_KEY, dockerEnv: true },
  ])('$registry: explicit > keychain > REGISTRY_<HOST>_* > DOCKER_* (Docker Hub) > docker helper > docker config > containers (runtime, config) > kubernetes', async (c) => {
    writeHelper('ladder', { [c.helperUrl]: { Username: 'u', Secret: 'pw-docker-helper' } });
    const dockerFile = join(t.dockerDir, 'config.json');
    const runtimeFile = join(t.runtime, 'containers', 'auth.json');
    const configFile = join(t.home, '.config', 'containers', 'auth.json');
    writeJson(dockerFile, { credHelpers: { [c.configKey]: 'ladder' }, auths: { [c.configKey]: { auth: b64('u:pw-docker-config') } } });
    writeJson(runtimeFile, authsFor(c.configKey, 'u', 'pw-containers-runtime'));
    writeJson(configFile, authsFor(c.configKey, 'u', 'pw-containers-config'));
    writeJson(t.k8s, authsFor(c.configKey, 'u', 'pw-kubernetes'));
    let explicit: { username: string; password: string } | undefined = { username: 'u', password: 'pw-explicit' };
    const store = memoryStore({ [c.registry]: encodeCredential({ username: 'u', password: 'pw-keychain' }) });
    t.env[`${c.envKey}_USERNAME`] = 'u';
    t.env[`${c.envKey}_PASSWORD`] = 'pw-env-registry';
    t.env.DOCKER_USERNAME = 'u';
    t.env.DOCKER_PASSWORD = 'pw-env-docker';

    const ladder: Array<[string, string, () => void]> = [
      ['explicit', 'pw-explicit', () => (explicit = undefined)],
      ['keychain', 'pw-keychain', () => store.items.clear()],
      ['env-registry', 'pw-env-registry', () => delete t.env[`${c.envKey}_PASSWORD`]],
      ...(c.dockerEnv ? [['env-docker', 'pw-env-docker', () => delete t.env.DOCKER_PASSWORD] as [string, string, () => void]] : []),
      ['docker-helper', 'pw-docker-helper', () => rmSync(join(t.bin, 'docker-credential-ladder'))],
      ['docker-config', 'pw-docker-config', () => rmSync(dockerFile)],
      ['containers-auth', 'pw-containers-runtime', () => rmSync(runtimeFile)],
      ['containers-auth', 'pw-containers-config', () => rmSync(configFile)],
      ['kubernetes-secret', 'pw-kubernetes', () => rmSync(t.k8s)],
    ];
    const seen: string[] = [];
    for (const [origin, password, removeIt] of ladder) {
      // A new discovery each time: a real one remembers what it found.
      const found = await discovery({ store, explicit: () => explicit }).discover(c.registry);
      expect(found, `expected ${origin}`).toMatchObject({ origin, credential: { password } });
      expect(found?.detail ?? '').not.toContain(password);
      seen.push(`${found!.origin}:${found!.credential.password}`);
      removeIt();
    }
    expect(seen).toHaveLength(c.dockerEnv ? 9 : 8);
    expect(await discovery({ store, explicit: () => explicit }).discover(c.registry)).toBeUndefined();
  });

  it('a keychain item that cannot be decoded, or holds half a credential, is skipped', async () => {
    t.env[`${REG_ENV}_USERNAME`] = 'eu';
    t.env[`${REG_ENV}_PASSWORD`] = 'ep';
    for (const secret of ['not json', '{"v":1,"username":"only-a-name"}', '{"v":1,"password":"only-a-password"}', '[]']) {
      const store = memoryStore({ [REG]: secret });
      expect((await discovery({ store }).discover(REG))?.origin, secret).toBe('env-registry');
    }
  });

  it('a password without a user name, in a file or from a helper, hides nothing after it', async () => {
    writeHelper('halfway', { [REG]: { Username: '', Secret: 'helper-pw-no-user' } });
    dockerConfig({ credHelpers: { [REG]: 'halfway' }, auths: { [REG]: { password: 'inline-pw-no-user' } } });
    writeJson(join(t.runtime, 'containers', 'auth.json'), authsFor(REG, 'podman', 'podman-pw'));
    expect(await discovery().discover(REG)).toMatchObject({ origin: 'containers-auth', credential: { username: 'podman', password: 'podman-pw' } });
  });

  it('an unreachable keychain (keytar with no D-Bus) is reported once and the other sources still answer', async () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/regdesk-unit-test-bus';
    try {
      const store = keytarStore('regdesk-unit-test');
      const failure = await store.get(REG).then(() => undefined, (err: RegistryError) => err);
      expect(failure?.code).toBe('keychain');
      expect(failure?.message).toMatch(/keychain is not available/);
      expect(failure?.hint).toMatch(/Secret Service|gnome-keyring|D-Bus/);

      const reports: RegistryError[] = [];
      t.env[`${REG_ENV}_USERNAME`] = 'envuser';
      t.env[`${REG_ENV}_PASSWORD`] = 'env-pw';
      dockerConfig(authsFor('ghcr.io', 'gh', 'gh-pw'));
      const d = discovery({ store, onKeychainError: (err) => reports.push(err) });
      expect(await d.discover(REG)).toMatchObject({ origin: 'env-registry', credential: { password: 'env-pw' } });
      expect(await d.discover('ghcr.io')).toMatchObject({ origin: 'docker-config', credential: { password: 'gh-pw' } });
      expect(await d.discover('quay.io')).toBeUndefined();
      expect(reports.map((r) => r.code)).toEqual(['keychain']);
    } finally {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });
});

describe('broken files are skipped', () => {
  it.each([
    ['truncated JSON', '{"auths": {"127.0.0.1:5000": {"auth": "'],
    ['not JSON at all', 'hello'],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['auths of the wrong type', '{"auths": "nope", "credHelpers": 7}'],
  ])('Docker config.json as %s: containers auth.json still answers', async (_name, text) => {
    dockerConfig(text);
    const path = writeJson(join(t.runtime, 'containers', 'auth.json'), authsFor(REG, 'podman', 'podman-pw'));
    expect(await discovery().discover(REG)).toEqual({ credential: { username: 'podman', password: 'podman-pw' }, origin: 'containers-auth', detail: path });
  });

  it('a broken runtime auth.json does not hide ~/.config/containers/auth.json, nor a broken one the Kubernetes secret', async () => {
    writeJson(join(t.runtime, 'containers', 'auth.json'), '{broken');
    const configFile = writeJson(join(t.home, '.config', 'containers', 'auth.json'), authsFor(REG, 'cfg', 'cfg-pw'));
    expect(await discovery().discover(REG)).toMatchObject({ origin: 'containers-auth', detail: configFile });
    writeJson(configFile, '');
    writeJson(t.k8s, authsFor(REG, 'k8s', 'k8s-pw'));
    expect(await discovery().discover(REG)).toMatchObject({ origin: 'kubernetes-secret', credential: { password: 'k8s-pw' } });
  });

  it('readAuthFile: missing and broken files are undefined, good ones parsed', async () => {
    expect(await readAuthFile(join(t.root, 'missing.json'))).toBeUndefined();
    expect(await readAuthFile(writeJson(join(t.root, 'bad.json'), '{'))).toBeUndefined();
    expect(await readAuthFile(writeJson(join(t.root, 'good.json'), { credsStore: 'x' }))).toEqual({ credsStore: 'x' });
  });
});

describe('auth-file helpers', () => {
  it('entryCredential', () => {
    expect(entryCredential(undefined)).toBeUndefined();
    expect(entryCredential({ auth: b64('a:b') })).toEqual({ username: 'a', password: 'b' });
    expect(entryCredential({ auth: b64('a:b'), username: 'override' })).toEqual({ username: 'override', password: 'b' });
    expect(entryCredential({ identitytoken: 'tok' })).toEqual({ refreshToken: 'tok' });
    expect(entryCredential({ auth: b64(':nouser') })).toBeUndefined();
  });

  it('findAuthEntry and helperFor match every spelling of a key', () => {
    const file = { auths: { 'https://Registry.LAN:5000/v2/': { auth: b64('a:b') } }, credHelpers: { 'http://registry.lan:5000': 'h' }, credsStore: 's' };
    expect(findAuthEntry(file, 'registry.lan:5000')).toEqual({ auth: b64('a:b') });
    expect(findAuthEntry(file, 'ghcr.io')).toBeUndefined();
    expect(helperFor(file, 'registry.lan:5000')).toBe('h');
    expect(helperFor(file, 'ghcr.io')).toBe('s');
    expect(helperFor({}, 'ghcr.io')).toBeUndefined();
  });

  it('encodeCredential / decodeCredential round-trip', () => {
    for (const c of [{ username: 'u', password: 'p' }, { refreshToken: 'r' }, { username: 'u', password: 'p', refreshToken: 'r' }]) {
      expect(decodeCredential(encodeCredential(c))).toEqual(c);
    }
    expect(JSON.parse(encodeCredential({ username: 'u', password: 'p' }))).toEqual({ v: 1, username: 'u', password: 'p' });
  });
});

describe('remembering', () => {
  it('source() reads files once per registry until forget()', async () => {
    const d = discovery();
    expect(await d.source(REG)).toBeUndefined();
    dockerConfig(authsFor(REG, 'later', 'later-pw'));
    expect(await d.source(`http://${REG}`)).toBeUndefined();
    d.forget(`https://${REG}/`);
    expect(await d.source(REG)).toEqual({ username: 'later', password: 'later-pw' });
    dockerConfig(authsFor(REG, 'changed', 'changed-pw'));
    expect(await d.source(REG)).toEqual({ username: 'later', password: 'later-pw' });
    d.forget();
    expect(await d.source(REG)).toEqual({ username: 'changed', password: 'changed-pw' });
  });

  it('a helper runs once however many requests ask', async () => {
    writeHelper('once', { [REG]: { Username: 'o', Secret: 'o-pw' } });
    dockerConfig({ credHelpers: { [REG]: 'once' } });
    const d = discovery();
    await Promise.all(Array.from({ length: 5 }, () => d.source(REG)));
    expect(await d.source(REG)).toEqual({ username: 'o', password: 'o-pw' });
    expect(helperCalls()).toEqual([`once ${REG}`]);
  });
});

describe('importCredentials (into a keychain backend)', () => {
  it('copies Docker config (inline and helper) and containers auth, first file wins, Docker Hub under its canonical key', async () => {
    writeHelper('imp', { [REG]: { Username: 'helper-user', Secret: 'helper-pw' } });
    const dockerFile = dockerConfig({
      auths: { 'https://index.docker.io/v1/': { auth: b64('hub:hub-pw') }, 'ghcr.io': { identitytoken: 'gh-token' } },
      credHelpers: { [REG]: 'imp' },
    });
    const runtimeFile = writeJson(join(t.runtime, 'containers', 'auth.json'), { auths: { 'ghcr.io': { auth: b64('podman:podman-gh') }, 'quay.io': { auth: b64('q:q-pw') } } });
    const store = memoryStore();
    const dry = await importCredentials({ store, env: t.env, home: t.home, dryRun: true });
    expect(store.items.size).toBe(0);
    const imported = await importCredentials({ store, env: t.env, home: t.home });
    expect(imported).toEqual(dry);
    expect(new Map(imported.map((i) => [i.registry, i]))).toEqual(new Map([
      [DOCKER_HUB, { registry: DOCKER_HUB, username: 'hub', from: dockerFile }],
      ['ghcr.io', { registry: 'ghcr.io', from: dockerFile }],
      [REG, { registry: REG, username: 'helper-user', from: dockerFile }],
      ['quay.io', { registry: 'quay.io', username: 'q', from: runtimeFile }],
    ]));
    const stored = Object.fromEntries([...store.items].map(([k, v]) => [k, decodeCredential(v)]));
    expect(stored).toEqual({
      [DOCKER_HUB]: { username: 'hub', password: 'hub-pw' },
      'ghcr.io': { refreshToken: 'gh-token' },
      [REG]: { username: 'helper-user', password: 'helper-pw' },
      'quay.io': { username: 'q', password: 'q-pw' },
    });
    // What was imported is what discovery then finds, from the keychain.
    expect(await createDiscovery({ store, env: {}, home: join(t.root, 'empty'), kubernetesSecretPath: t.k8s }).discover('docker.io')).toMatchObject({ origin: 'keychain', credential: { password: 'hub-pw' } });
  });
});

/**
 * Credential discovery end to end: the built CLI, with no keychain (cliEnv's
 * D-Bus address leads nowhere), finds credentials for real basic-auth and
 * bearer-token registries in every other source: the environment, Docker's
 * config.json (inline, identity tokens, real credential-helper programs) and
 * containers' auth.json; first hit wins; broken files are skipped. And without
 * D-Bus, login and logout fail with a clear keychain error.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { request } from 'undici';
import { envHostKey } from '../../electron/credentials/registry-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushStandardFixtures } from '../rig/fixtures';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { DEFAULT_TOKEN_POLICY } from '../rig/token-server';
import { cli, cliEnv, type CliResult } from '../helpers/cli';

const BASIC_USER = 'tester';
const BASIC_PW = DEFAULT_BASIC_USERS.tester;
const TOKEN_PW = DEFAULT_TOKEN_POLICY.users.reader!.password;
const REPO = 'fixtures/multi';

let basic: RigRegistry;
let token: RigRegistry;

beforeAll(async () => {
  [basic, token] = await Promise.all([
    startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } }),
    startRegistry({ auth: { kind: 'token' } }),
  ]);
  await Promise.all([pushStandardFixtures(basic), pushStandardFixtures(token)]);
});
afterAll(async () => {
  await Promise.all([basic?.stop(), token?.stop()]);
});

/** The HOST part of REGISTRY_<HOST>_*: every rig registry is a loopback `ip:port`, which has one. */
const envKey = (host: string): string => envHostKey(host)!;
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const auths = (key: string, user: string, password: string) => ({ auths: { [key]: { auth: b64(`${user}:${password}`) } } });

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value), { mode: 0o600 });
}

/** A real `docker-credential-<name>` on a bin folder put first on PATH; answers one server URL. */
function installHelper(env: NodeJS.ProcessEnv, name: string, serverUrl: string, username: string, secret: string): void {
  const bin = join(env.HOME!, 'bin');
  mkdirSync(bin, { recursive: true });
  const path = join(bin, `docker-credential-${name}`);
  writeFileSync(path, `#!/bin/sh
[ "$1" = get ] || exit 2
url=$(cat)
echo "$url" >> '${join(env.HOME!, `helper-${name}.log`)}'
if [ "$url" = '${serverUrl}' ]; then printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$url" '${username}' '${secret}'; exit 0; fi
echo 'credentials not found in native keychain'; exit 1
`);
  chmodSync(path, 0o755);
  env.PATH = `${bin}:${env.PATH}`;
}

const tags = (registry: RigRegistry, env: NodeJS.ProcessEnv, ...more: string[]): Promise<CliResult> => cli(['tags', `${registry.host}/${REPO}`, ...more], { env });

function expectRead(res: CliResult): void {
  expect(res.code, res.stderr).toBe(0);
  expect(res.stdout).toBe('1.0\n');
}

describe('without a D-Bus session', () => {
  it('login fails with a keychain error that says what to do (exit 1), after checking the password', async () => {
    const env = cliEnv();
    const login = await cli(['login', basic.host, '-u', BASIC_USER, '--password-stdin'], { env, stdin: `${BASIC_PW}\n` });
    expect(login.code).toBe(1);
    expect(login.stdout).toBe('');
    expect(login.stderr).toMatch(/^regdesk: the OS keychain is not available/m);
    expect(login.stderr).toMatch(/^hint: .*(Secret Service|gnome-keyring).*D-Bus/m);
    expect(login.stderr).toMatch(/environment still work/);
    const json = await cli(['login', basic.host, '-u', BASIC_USER, '--password-stdin', '--json'], { env, stdin: BASIC_PW });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'keychain', message: expect.stringMatching(/keychain/), hint: expect.stringMatching(/D-Bus/) });
    // The password is checked first: a wrong one is an authentication failure, not a keychain one.
    const wrong = await cli(['login', basic.host, '-u', BASIC_USER, '--password-stdin'], { env, stdin: 'wrong-pw' });
    expect(wrong.code).toBe(4);
    for (const out of [login, json, wrong]) expect(out.stdout + out.stderr).not.toContain(BASIC_PW);
  });

  it('logout and login --import fail the same way', async () => {
    const env = cliEnv();
    const logout = await cli(['logout', basic.host], { env });
    expect(logout.code).toBe(1);
    expect(logout.stderr).toMatch(/keychain is not available/);
    writeJson(join(env.DOCKER_CONFIG!, 'config.json'), auths(basic.host, BASIC_USER, BASIC_PW));
    const imported = await cli(['login', '--import'], { env });
    expect(imported.code).toBe(1);
    expect(imported.stderr).toMatch(/keychain is not available/);
    expect(imported.stdout + imported.stderr).not.toContain(BASIC_PW);
  });

  it('reads still work from the environment; --verbose says the keychain was skipped, and never shows the password', async () => {
    const env = cliEnv({ [`REGISTRY_${envKey(basic.host)}_USERNAME`]: BASIC_USER, [`REGISTRY_${envKey(basic.host)}_PASSWORD`]: BASIC_PW });
    expectRead(await tags(basic, env));
    const verbose = await tags(basic, env, '--verbose');
    expectRead(verbose);
    expect(verbose.stderr.match(/keychain is not available.*using the other credential sources/g)).toHaveLength(1);
    expect(verbose.stderr).toMatch(/^> /m);
    for (const needle of [BASIC_PW, b64(`${BASIC_USER}:${BASIC_PW}`)]) expect(verbose.stdout + verbose.stderr).not.toContain(needle);
    // Without --verbose the skipped keychain is not worth a word.
    expect((await tags(basic, env)).stderr).toBe('');
  });
});

describe('each source, through the CLI, on a basic-auth registry', () => {
  it('with no credentials anywhere, the read is refused (exit 4)', async () => {
    const res = await tags(basic, cliEnv());
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/authentication required/);
  });

  const sources: Array<[string, (env: NodeJS.ProcessEnv) => void]> = [
    ['REGISTRY_<HOST>_USERNAME / _PASSWORD', (env) => {
      env[`REGISTRY_${envKey(basic.host)}_USERNAME`] = BASIC_USER;
      env[`REGISTRY_${envKey(basic.host)}_PASSWORD`] = BASIC_PW;
    }],
    ['$DOCKER_CONFIG/config.json auths (base64 auth, http:// key)', (env) => writeJson(join(env.DOCKER_CONFIG!, 'config.json'), auths(`http://${basic.host}`, BASIC_USER, BASIC_PW))],
    ['~/.docker/config.json when DOCKER_CONFIG is unset', (env) => {
      delete env.DOCKER_CONFIG;
      writeJson(join(env.HOME!, '.docker', 'config.json'), auths(basic.host, BASIC_USER, BASIC_PW));
    }],
    ['config.json credHelpers (a real helper program)', (env) => {
      installHelper(env, 'rdbasic', basic.host, BASIC_USER, BASIC_PW);
      writeJson(join(env.DOCKER_CONFIG!, 'config.json'), { credHelpers: { [basic.host]: 'rdbasic' } });
    }],
    ['config.json credsStore (a real helper program)', (env) => {
      installHelper(env, 'rdstore', basic.host, BASIC_USER, BASIC_PW);
      writeJson(join(env.DOCKER_CONFIG!, 'config.json'), { credsStore: 'rdstore', auths: { [basic.host]: {} } });
    }],
    ['$REGISTRY_AUTH_FILE', (env) => {
      env.REGISTRY_AUTH_FILE = join(env.HOME!, 'my-auth.json');
      writeJson(env.REGISTRY_AUTH_FILE, auths(basic.host, BASIC_USER, BASIC_PW));
    }],
    ['$XDG_RUNTIME_DIR/containers/auth.json', (env) => writeJson(join(env.XDG_RUNTIME_DIR!, 'containers', 'auth.json'), auths(basic.host, BASIC_USER, BASIC_PW))],
    ['~/.config/containers/auth.json', (env) => {
      delete env.XDG_CONFIG_HOME;
      writeJson(join(env.HOME!, '.config', 'containers', 'auth.json'), auths(basic.host, BASIC_USER, BASIC_PW));
    }],
  ];

  it.each(sources)('%s', async (_name, setUp) => {
    const env = cliEnv();
    setUp(env);
    expectRead(await tags(basic, env));
  });

  it('DOCKER_USERNAME / DOCKER_PASSWORD mean Docker Hub: this registry is never sent them (exit 4, asked to sign in)', async () => {
    const res = await tags(basic, cliEnv({ DOCKER_USERNAME: BASIC_USER, DOCKER_PASSWORD: BASIC_PW }));
    expect(res.code).toBe(4);
    // "required", not "rejected": the request went out without credentials.
    expect(res.stderr).toMatch(/authentication required/);
    expect(res.stdout + res.stderr).not.toContain(BASIC_PW);
  });

  it('a REGISTRY_<HOST>_PASSWORD without its _USERNAME is ignored: the next source (Docker config.json) answers', async () => {
    const env = cliEnv({ [`REGISTRY_${envKey(basic.host)}_PASSWORD`]: 'lonely-wrong' });
    writeJson(join(env.DOCKER_CONFIG!, 'config.json'), auths(basic.host, BASIC_USER, BASIC_PW));
    expectRead(await tags(basic, env));
  });

  it('a credential helper is asked with the registry host on stdin', async () => {
    const env = cliEnv();
    installHelper(env, 'rdlog', basic.host, BASIC_USER, BASIC_PW);
    writeJson(join(env.DOCKER_CONFIG!, 'config.json'), { credHelpers: { [basic.host]: 'rdlog' } });
    expectRead(await tags(basic, env));
    expect(readFileSync(join(env.HOME!, 'helper-rdlog.log'), 'utf8')).toBe(`${basic.host}\n`);
  });
});

describe('precedence through the CLI (a wrong password in the winning source shows which one won)', () => {
  const key = () => envKey(basic.host);

  it('REGISTRY_<HOST>_* win; DOCKER_* set beside them change nothing for a registry that is not Docker Hub', async () => {
    const right = cliEnv({ [`REGISTRY_${key()}_USERNAME`]: BASIC_USER, [`REGISTRY_${key()}_PASSWORD`]: BASIC_PW, DOCKER_USERNAME: BASIC_USER, DOCKER_PASSWORD: 'docker-wrong' });
    expectRead(await tags(basic, right));
    const wrong = cliEnv({ [`REGISTRY_${key()}_USERNAME`]: BASIC_USER, [`REGISTRY_${key()}_PASSWORD`]: 'registry-wrong', DOCKER_USERNAME: BASIC_USER, DOCKER_PASSWORD: BASIC_PW });
    expect((await tags(basic, wrong)).code).toBe(4);
  });

  it('the environment before Docker config.json', async () => {
    const env = cliEnv({ [`REGISTRY_${key()}_USERNAME`]: BASIC_USER, [`REGISTRY_${key()}_PASSWORD`]: 'env-wrong' });
    writeJson(join(env.DOCKER_CONFIG!, 'config.json'), auths(basic.host, BASIC_USER, BASIC_PW));
    const res = await tags(basic, env);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/credentials were rejected/);
  });

  it('a credential helper before the inline auths entry; Docker config.json before containers auth.json', async () => {
    const env = cliEnv();
    installHelper(env, 'rdfirst', basic.host, BASIC_USER, BASIC_PW);
    writeJson(join(env.DOCKER_CONFIG!, 'config.json'), { credHelpers: { [basic.host]: 'rdfirst' }, ...auths(basic.host, BASIC_USER, 'inline-wrong') });
    writeJson(join(env.XDG_RUNTIME_DIR!, 'containers', 'auth.json'), auths(basic.host, BASIC_USER, 'podman-wrong'));
    expectRead(await tags(basic, env));
    writeJson(join(env.DOCKER_CONFIG!, 'config.json'), auths(basic.host, BASIC_USER, 'inline-wrong'));
    expect((await tags(basic, env)).code).toBe(4);
  });

  it('$XDG_RUNTIME_DIR/containers/auth.json before ~/.config/containers/auth.json; $REGISTRY_AUTH_FILE replaces both', async () => {
    const env = cliEnv();
    writeJson(join(env.XDG_RUNTIME_DIR!, 'containers', 'auth.json'), auths(basic.host, BASIC_USER, 'runtime-wrong'));
    writeJson(join(env.XDG_CONFIG_HOME!, 'containers', 'auth.json'), auths(basic.host, BASIC_USER, BASIC_PW));
    expect((await tags(basic, env)).code).toBe(4);
    env.REGISTRY_AUTH_FILE = join(env.HOME!, 'right.json');
    writeJson(env.REGISTRY_AUTH_FILE, auths(basic.host, BASIC_USER, BASIC_PW));
    expectRead(await tags(basic, env));
  });

  it('explicit -u/--password-stdin before everything else', async () => {
    const env = cliEnv({ [`REGISTRY_${key()}_USERNAME`]: BASIC_USER, [`REGISTRY_${key()}_PASSWORD`]: 'env-wrong' });
    const res = await cli(['tags', `${basic.host}/${REPO}`, '-u', BASIC_USER, '--password-stdin'], { env, stdin: `${BASIC_PW}\n` });
    expectRead(res);
  });
});

describe('broken files are skipped', () => {
  it.each([
    ['truncated', '{"auths": {'],
    ['not JSON', 'auths = nope'],
    ['a JSON array', '[]'],
  ])('Docker config.json %s: containers auth.json still answers, with no crash', async (_name, text) => {
    const env = cliEnv();
    writeJson(join(env.DOCKER_CONFIG!, 'config.json'), text);
    writeJson(join(env.XDG_RUNTIME_DIR!, 'containers', 'auth.json'), auths(basic.host, BASIC_USER, BASIC_PW));
    const res = await tags(basic, env);
    expectRead(res);
    expect(res.stderr).toBe('');
  });

  it('a broken runtime auth.json does not hide ~/.config/containers/auth.json', async () => {
    const env = cliEnv();
    writeJson(join(env.XDG_RUNTIME_DIR!, 'containers', 'auth.json'), '{{{');
    writeJson(join(env.XDG_CONFIG_HOME!, 'containers', 'auth.json'), auths(basic.host, BASIC_USER, BASIC_PW));
    expectRead(await tags(basic, env));
  });
});

describe('a bearer-token registry', () => {
  /** A real refresh token from the rig's token server (what `docker login` keeps as identitytoken). */
  async function refreshToken(): Promise<string> {
    const server = token.tokenServer!;
    const res = await request(server.realm, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', service: server.service, client_id: 'regdesk-test', access_type: 'offline', username: 'reader', password: TOKEN_PW }).toString(),
    });
    const body = (await res.body.json()) as { refresh_token?: string };
    expect(body.refresh_token).toBeTruthy();
    return body.refresh_token!;
  }
  const grantsSince = (before: number): string[] => token.tokenServer!.requests().slice(before).map((r) => `${r.method} ${r.grantType} ${r.account}`);

  it('anonymous reads of a private repository are refused', async () => {
    expect((await tags(token, cliEnv())).code).toBe(4);
  });

  it('the environment: the user and password go to the token server', async () => {
    const before = token.tokenServer!.requests().length;
    expectRead(await tags(token, cliEnv({ [`REGISTRY_${envKey(token.host)}_USERNAME`]: 'reader', [`REGISTRY_${envKey(token.host)}_PASSWORD`]: TOKEN_PW })));
    expect(grantsSince(before).some((g) => g.endsWith(' reader') && !g.includes('refresh_token'))).toBe(true);
  });

  it('config.json identitytoken is used as a refresh token', async () => {
    const env = cliEnv();
    writeJson(join(env.DOCKER_CONFIG!, 'config.json'), { auths: { [token.host]: { auth: b64('reader:'), identitytoken: await refreshToken() } } });
    const before = token.tokenServer!.requests().length;
    expectRead(await tags(token, env));
    expect(grantsSince(before)).toContain('POST refresh_token reader');
  });

  it('a credential helper answering with user <token> gives a refresh token', async () => {
    const env = cliEnv();
    installHelper(env, 'rdtoken', token.host, '<token>', await refreshToken());
    writeJson(join(env.DOCKER_CONFIG!, 'config.json'), { credHelpers: { [token.host]: 'rdtoken' } });
    const before = token.tokenServer!.requests().length;
    expectRead(await tags(token, env));
    expect(grantsSince(before)).toContain('POST refresh_token reader');
  });

  it('a wrong identity token is refused (exit 4) and never printed', async () => {
    const env = cliEnv();
    writeJson(join(env.DOCKER_CONFIG!, 'config.json'), { auths: { [token.host]: { identitytoken: 'not-a-real-refresh-token-6c1d' } } });
    const res = await tags(token, env, '--verbose');
    expect(res.code).toBe(4);
    expect(res.stdout + res.stderr).not.toContain('not-a-real-refresh-token-6c1d');
  });
});

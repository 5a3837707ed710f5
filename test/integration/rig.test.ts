/**
 * Smoke tests of the rig itself: each part really runs and behaves like the
 * real thing (the registries are real processes; these tests prove the setup).
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pushStandardFixtures, type StandardFixtures } from '../rig/fixtures';
import { buildImage } from '../../electron/demo/images';
import { startKeyring } from '../rig/keyring';
import { WATCHDOG_SCRIPT } from '../rig/process';
import { RigPusher } from '../rig/push';
import { DEFAULT_BASIC_USERS, startRegistry, type RigRegistry } from '../rig/registry';
import { DEFAULT_TOKEN_POLICY } from '../rig/token-server';

const run = promisify(execFile);
const rig = inject('rig');

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const res = await request(url, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Follows `Link: <…>; rel="next"` the plain way, independent of the engine's parser. */
async function listAll(first: string, key: 'repositories' | 'tags'): Promise<string[]> {
  const out: string[] = [];
  let url: string | undefined = first;
  while (url) {
    const { status, body, headers } = await getJson(url);
    expect(status).toBe(200);
    out.push(...body[key]);
    const link = headers.link as string | undefined;
    url = link ? new URL(/<([^>]+)>/.exec(link)![1]!, url).toString() : undefined;
  }
  return out;
}

const basicHeader = (user: string, password: string): string => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

describe('shared anonymous registry', () => {
  it('holds more than one catalog page of repositories (1,050+), nested paths included', async () => {
    const all = await listAll(`${rig.registry.url}/v2/_catalog?n=300`, 'repositories');
    const { body } = await getJson(`${rig.registry.url}/v2/_catalog?n=1000`);
    expect(body.repositories).toHaveLength(1000); // distribution's page cap: pagination is needed
    for (const name of rig.manyRepos.names) expect(all).toContain(name);
    expect(rig.manyRepos.names.length).toBeGreaterThanOrEqual(1050);
    expect(all).toContain('a/b/c');
    expect(all).toContain('fixtures/multi');
  });

  it('holds a repository with 1,200 tags', async () => {
    const tags = await listAll(`${rig.registry.url}/v2/${rig.manyTags.repo}/tags/list?n=500`, 'tags');
    expect(tags.length).toBe(1200);
    expect([...tags].sort()).toEqual([...rig.manyTags.tags].sort());
  });

  it('serves the OCI index with four entries, one an attestation, byte for byte', async () => {
    const { multi } = rig.fixtures;
    const res = await request(`${rig.registry.url}/v2/${multi.repo}/manifests/${multi.tag}`, {
      headers: { accept: 'application/vnd.oci.image.index.v1+json' },
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.oci.image.index.v1+json');
    expect(res.headers['docker-content-digest']).toBe(multi.digest);
    expect(bytes.toString('base64')).toBe(multi.manifestBase64);
    const index = JSON.parse(bytes.toString());
    expect(index.manifests.map((m: any) => `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? '/' + m.platform.variant : ''}`)).toEqual([
      'linux/amd64',
      'linux/arm64/v8',
      'linux/arm/v7',
      'unknown/unknown',
    ]);
  });

  it('serves the Docker schema2 image so that skopeo, an independent client, reads the same bytes', async () => {
    const { schema2 } = rig.fixtures;
    const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${rig.registry.host}/${schema2.repo}:${schema2.tag}`]);
    expect(Buffer.from(stdout).toString('base64')).toBe(schema2.manifestBase64);
    expect(JSON.parse(stdout).mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
  });
});

describe('htpasswd basic-auth registry', () => {
  let registry: RigRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: 'basic', users: DEFAULT_BASIC_USERS } });
  });
  afterAll(() => registry.stop());

  it('challenges anonymous and wrong credentials, accepts the right ones', async () => {
    const anonymous = await getJson(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(String(anonymous.headers['www-authenticate'])).toMatch(/^Basic realm="regdesk-rig"/);
    expect((await getJson(`${registry.url}/v2/`, { authorization: basicHeader('tester', 'wrong') })).status).toBe(401);
    expect((await getJson(`${registry.url}/v2/`, { authorization: basicHeader('tester', DEFAULT_BASIC_USERS.tester) })).status).toBe(200);
  });

  it('takes pushes from the rig', async () => {
    const image = buildImage();
    await new RigPusher(registry).push('team/app', image, ['v1']);
    const res = await getJson(`${registry.url}/v2/team/app/tags/list`, { authorization: basicHeader('tester', DEFAULT_BASIC_USERS.tester) });
    expect(res.body).toEqual({ name: 'team/app', tags: ['v1'] });
  });
});

describe('bearer-token registry with the rig token server', () => {
  let registry: RigRegistry;
  let fixtures: StandardFixtures;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: 'token' } });
    fixtures = await pushStandardFixtures(registry);
  });
  afterAll(() => registry.stop());

  const token = async (query: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> =>
    getJson(`${registry.tokenServer!.realm}?service=${registry.tokenServer!.service}&${query}`, headers);

  it('challenges with a Bearer realm, service and scope', async () => {
    const res = await getJson(`${registry.url}/v2/${fixtures.multi.repo}/manifests/${fixtures.multi.tag}`);
    expect(res.status).toBe(401);
    const challenge = String(res.headers['www-authenticate']);
    expect(challenge).toContain(`Bearer realm="${registry.tokenServer!.realm}"`);
    expect(challenge).toContain(`service="${registry.tokenServer!.service}"`);
    expect(challenge).toContain(`scope="repository:${fixtures.multi.repo}:pull"`);
  });

  it('lets anonymous pull public/* and nothing else', async () => {
    const pub = await token(`scope=repository:${fixtures.publicImage.repo}:pull`);
    const pulled = await getJson(`${registry.url}/v2/${fixtures.publicImage.repo}/tags/list`, { authorization: `Bearer ${pub.body.token}` });
    expect(pulled.status).toBe(200);

    const denied = await token(`scope=repository:${fixtures.multi.repo}:pull`);
    expect(denied.status).toBe(200); // the token is issued, without the access asked for
    const refused = await getJson(`${registry.url}/v2/${fixtures.multi.repo}/tags/list`, { authorization: `Bearer ${denied.body.token}` });
    expect(refused.status).toBe(401);
    expect(String(refused.headers['www-authenticate'])).toContain('error="insufficient_scope"');
  });

  it('refuses a scope the user lacks: team may push team/*, not other/*', async () => {
    const auth = { authorization: basicHeader('team', DEFAULT_TOKEN_POLICY.users.team!.password) };
    const ok = await token('scope=repository:team/app:pull,push', auth);
    const start = await request(`${registry.url}/v2/team/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${ok.body.token}` } });
    await start.body.dump();
    expect(start.statusCode).toBe(202);

    const trimmed = await token('scope=repository:other/app:pull,push', auth);
    const refused = await request(`${registry.url}/v2/other/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${trimmed.body.token}` } });
    await refused.body.dump();
    expect(refused.statusCode).toBe(401);
    const record = registry.tokenServer!.requests().at(-1)!;
    expect(record).toMatchObject({ account: 'team', requested: ['repository:other/app:pull,push'], granted: ['repository:other/app:pull'] });
  });

  it('rejects a wrong password', async () => {
    const res = await token('scope=repository:team/app:pull', { authorization: basicHeader('team', 'not-the-password') });
    expect(res.status).toBe(401);
    expect(res.body.token).toBeUndefined();
  });

  it('supports the POST password and refresh_token grants', async () => {
    const post = async (form: Record<string, string>): Promise<{ status: number; body: any }> => {
      const res = await request(registry.tokenServer!.realm, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ service: registry.tokenServer!.service, client_id: 'regdesk-test', ...form }).toString(),
      });
      return { status: res.statusCode, body: await res.body.json() };
    };
    const first = await post({ grant_type: 'password', username: 'reader', password: DEFAULT_TOKEN_POLICY.users.reader!.password, access_type: 'offline', scope: `repository:${fixtures.multi.repo}:pull` });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toMatch(/^[0-9a-f]{48}$/);
    expect(first.body.expires_in).toBe(300);

    const refreshed = await post({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, scope: `repository:${fixtures.schema2.repo}:pull` });
    expect(refreshed.status).toBe(200);
    const res = await getJson(`${registry.url}/v2/${fixtures.schema2.repo}/tags/list`, { authorization: `Bearer ${refreshed.body.access_token}` });
    expect(res.body).toEqual({ name: fixtures.schema2.repo, tags: ['1.0'] });

    expect((await post({ grant_type: 'refresh_token', refresh_token: 'forged', scope: 'repository:x:pull' })).status).toBe(401);
    expect((await post({ grant_type: 'password', username: 'reader', password: 'wrong' })).status).toBe(401);
  });
});

describe('TLS registry with a CA made at test time', () => {
  let registry: RigRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true });
  });
  afterAll(() => registry.stop());

  it('is trusted through its CA, and refused without it', async () => {
    expect(registry.url).toMatch(/^https:/);
    const trusted = await request(`${registry.url}/v2/`, { dispatcher: registry.dispatcher });
    await trusted.body.dump();
    expect(trusted.statusCode).toBe(200);
    const error = await request(`${registry.url}/v2/`).then(
      () => undefined,
      (err: Error & { code?: string }) => err,
    );
    expect(error?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });
});

describe('process hygiene', () => {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('stop() ends the registry process and frees its port', async () => {
    const registry = await startRegistry();
    const config = join(dirname(registry.storageDir), 'config.yml');
    const pids = async (): Promise<string> => run('pgrep', ['-f', `^docker-registry serve ${config}`]).then((r) => r.stdout.trim(), () => '');
    expect(await pids()).toMatch(/^\d+$/);
    await registry.stop();
    await expect(request(`${registry.url}/v2/`)).rejects.toThrow();
    expect(await pids()).toBe('');
  });

  it('the watchdog kills a service whose parent died without cleaning up', async () => {
    const parent = spawn('sleep', ['60']);
    const watched = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'rig-watchdog', 'sleep', '60'], { env: { ...process.env, RIG_PARENT_PID: String(parent.pid) } });
    // The watchdog's child, once it has started it (however long a busy machine takes).
    let service = 0;
    while (!service) {
      const { stdout } = await run('pgrep', ['-P', String(watched.pid), 'sleep']).catch(() => ({ stdout: '' }));
      service = Number(stdout.trim().split('\n')[0]) || 0;
      if (!service) await new Promise((r) => setTimeout(r, 50));
    }
    expect(alive(service)).toBe(true);
    parent.kill('SIGKILL');
    // The watchdog looks every half second: wait for it to act (the test's timeout bounds a watchdog that never does).
    while (alive(service)) await new Promise((r) => setTimeout(r, 100));
    expect(alive(service)).toBe(false);
  });
});

describe('keyring session', () => {
  /**
   * Live (non-zombie) keyring and bus daemons of one session: those whose environment has
   * its HOME. Other test files start keyrings meanwhile, so counting the machine's would race.
   */
  const daemonsOf = async (home: string): Promise<number[]> => {
    const { stdout } = await run('ps', ['-eo', 'pid=,stat=,comm=']);
    const pids = stdout.split('\n').filter((l) => /gnome-keyring|dbus-daemon/.test(l) && !/\sZ/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
    const ours = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/environ`, 'utf8').then((env) => env.split('\0').includes(`HOME=${home}`), () => false)));
    return pids.filter((_, i) => ours[i]);
  };

  it('stores a secret through keytar in one process and reads it in another, then ends its daemons', async () => {
    const session = await startKeyring();
    expect(await daemonsOf(session.home)).not.toEqual([]);
    const node = (code: string): Promise<{ stdout: string }> => run(process.execPath, ['--input-type=module', '-e', code], { env: session.env, cwd: process.cwd() });
    try {
      await node(`import k from 'keytar'; await k.setPassword('regdesk-rig-test', 'registry.example', 'keyring-canary-5f1e');`);
      const { stdout } = await node(`import k from 'keytar'; console.log(await k.getPassword('regdesk-rig-test', 'registry.example'));`);
      expect(stdout.trim()).toBe('keyring-canary-5f1e');
    } finally {
      await session.stop();
    }
    // They end once their bus is gone: wait for that (the test's timeout bounds daemons left running).
    while ((await daemonsOf(session.home)).length > 0) await new Promise((r) => setTimeout(r, 100));
  });
});

/**
 * Each dialect's own quirks, through the built CLI: what regdesk says and
 * does where the registry differs (Docker Hub's pull quota, GHCR's wait in a
 * 429 body and DENIED for a missing repository, ECR's missing repository on
 * push). The common browse/check/copy tests are in dialects.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildMultiPlatform, type RigManifest } from '../rig/images';
import { startDialectProxy, type DialectProxy } from '../rig/dialects';
import { dockerHub } from '../rig/dialects/docker-hub';
import { ecr } from '../rig/dialects/ecr';
import { ghcr } from '../rig/dialects/ghcr';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { cli } from '../helpers/cli';

let backend: RigRegistry;
let image: RigManifest;
let multi: RigManifest;
const proxies: Record<'hub' | 'ghcr' | 'ecr', DialectProxy> = {} as never;

beforeAll(async () => {
  backend = await startRegistry();
  image = buildImage();
  multi = buildMultiPlatform('oci');
  await new RigPusher(backend).push('source/multi', multi, ['1.0']);
  proxies.hub = await startDialectProxy(backend, dockerHub);
  proxies.ghcr = await startDialectProxy(backend, ghcr);
  proxies.ecr = await startDialectProxy(backend, ecr);
  for (const proxy of Object.values(proxies)) await proxy.seed(`${proxy.profile.name}/app`, image, ['1.0', '1.1']);
});
afterAll(async () => {
  for (const proxy of Object.values(proxies)) await proxy.close();
  await backend.stop();
});

function signedIn(proxy: DialectProxy, args: string[]) {
  const creds = proxy.credentials!;
  return cli([...args, '-u', creds.username, '--password-stdin'], { stdin: `${creds.password}\n` });
}

const throttled = (proxy: DialectProxy) => proxy.requests.filter((r) => r.status === 429).length;

describe('Docker Hub', () => {
  it('a used-up pull quota (429, ratelimit-remaining 0, no Retry-After) is said at once, not retried', async () => {
    const hub = proxies.hub;
    hub.throttle({ path: /\/manifests\/1\.0$/, times: 5 });
    const res = await cli(['digest', `${hub.host}/docker-hub/app:1.0`]);
    expect(res.code).toBe(5);
    expect(res.stderr).toMatch(/its pull quota \(100 per 6 h\) is used up/);
    expect(res.stderr).toContain(`regdesk login ${hub.host}`);
    expect(throttled(hub)).toBe(1);
  });
});

describe('GHCR', () => {
  it('a 429 with the wait in its body is retried after that wait', async () => {
    const gh = proxies.ghcr;
    gh.throttle({ path: /\/tags\/list/, times: 1 });
    const res = await cli(['tags', `${gh.host}/ghcr/app`, '--verbose']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim().split('\n')).toEqual(['1.0', '1.1']);
    // 880.092µs, rounded up to 1 ms.
    expect(res.stderr).toMatch(/> retrying in 1 ms: HTTP 429 \(the registry asked for 1 ms in its answer\)/);
    expect(throttled(gh)).toBe(1);
  });

  it('DENIED for a repository that does not exist: regdesk says it may not exist, as well as not be readable', async () => {
    const gh = proxies.ghcr;
    const anonymous = await cli(['tags', `${gh.host}/ghcr/nope`]);
    expect(anonymous.code).toBe(4);
    expect(anonymous.stderr).toMatch(/authentication required for tag list of ghcr\/nope \(registry says: requested access to the resource is denied\)/);
    expect(anonymous.stderr).toContain(`hint: Sign in: regdesk login ${gh.host}. This registry may answer the same for a repository that does not exist: check the name ghcr/nope.`);
    const withAccount = await signedIn(gh, ['tags', `${gh.host}/ghcr/nope`]);
    expect(withAccount.code).toBe(4);
    expect(withAccount.stderr).toMatch(/access denied to tag list of ghcr\/nope/);
    expect(withAccount.stderr).toContain('may answer the same for a repository that does not exist: check the name ghcr/nope.');
  });
});

describe('ECR', () => {
  it('a copy into a repository that does not exist says to create it first, and tags nothing', async () => {
    const registry = proxies.ecr;
    const res = await signedIn(registry, ['cp', `${backend.host}/source/multi:1.0`, `${registry.host}/ecr/absent:1.0`]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/the repository ecr\/absent does not exist, and this registry does not create repositories on push/);
    expect(res.stderr).toContain('aws ecr create-repository --repository-name ecr/absent');
    expect(registry.requests.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'))).toHaveLength(0);
    expect((await cli(['exists', `${backend.host}/ecr/absent:1.0`])).code).toBe(3);
  });
});

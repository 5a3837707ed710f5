/**
 * A registry's own TLS settings (its CA, or "insecure": skip verification)
 * relax TLS for that registry's host:port only, never for the token server it
 * sends clients to, nor for a storage host it redirects a blob to: those are
 * verified on their own terms. Real registries behind TLS fault proxies whose
 * certificates come from two CAs made at test time: the registry's, and another.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../electron/demo/images';
import { RegistryClient } from '../../electron/registry/client';
import type { RegistryHostConfig } from '../../electron/registry/transport/types';
import { makeTlsFiles, type TlsFiles } from '../rig/certs';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { DEFAULT_TOKEN_POLICY, TOKEN_SERVICE } from '../rig/token-server';
import { withClient } from '../helpers/engine';
import { rejectionOf } from '../helpers/errors';

const admin = { username: 'admin', password: DEFAULT_TOKEN_POLICY.users.admin!.password };
const image = buildImage();

let dir: string;
let registryCa: TlsFiles;
let otherCa: TlsFiles;
let caPem: Buffer;
let tokenRegistry: RigRegistry;
let plainRegistry: RigRegistry;
/** The token registry over TLS, with the registry's CA; its challenges name the realm the test chooses. */
let registryFront: FaultProxy;
/** The token server over TLS: one with a certificate from the registry's CA, one from another CA. */
let tokenSameCa: FaultProxy;
let tokenOtherCa: FaultProxy;
/** An anonymous registry over TLS, and a storage host (another CA) its blobs are redirected to. */
let blobRegistryFront: FaultProxy;
let storage: FaultProxy;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regdesk-tls-scope-'));
  await Promise.all([mkdtemp(join(dir, 'a-')), mkdtemp(join(dir, 'b-'))]).then(async ([a, b]) => {
    [registryCa, otherCa] = await Promise.all([makeTlsFiles(a), makeTlsFiles(b)]);
  });
  caPem = await readFile(registryCa.caFile);
  [tokenRegistry, plainRegistry] = await Promise.all([startRegistry({ auth: { kind: 'token' } }), startRegistry()]);
  await new RigPusher(tokenRegistry).push('team/app', image, ['v1']);
  await new RigPusher(plainRegistry).push('team/app', image, ['v1']);
  [registryFront, tokenSameCa, tokenOtherCa, blobRegistryFront, storage] = await Promise.all([
    startFaultProxy(tokenRegistry.url, { tls: registryCa }),
    startFaultProxy(tokenRegistry.tokenServer!.url, { tls: registryCa }),
    startFaultProxy(tokenRegistry.tokenServer!.url, { tls: otherCa }),
    startFaultProxy(plainRegistry.url, { tls: registryCa }),
    startFaultProxy(plainRegistry.url, { tls: otherCa }),
  ]);
  blobRegistryFront.add({ method: 'GET', path: /\/blobs\/sha256:/, action: { kind: 'redirect', location: (path) => `${storage.url}${path}` } });
});
afterAll(async () => {
  await Promise.all([registryFront, tokenSameCa, tokenOtherCa, blobRegistryFront, storage].map((p) => p?.close()));
  await Promise.all([tokenRegistry?.stop(), plainRegistry?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

/** The registry's challenges send clients to `tokenFront` (whose record starts afresh). */
function realmAt(tokenFront: FaultProxy): void {
  tokenFront.clear();
  registryFront.clear();
  registryFront.add({ path: /^\/v2\//, action: { kind: 'header', headers: { 'www-authenticate': `Bearer realm="${tokenFront.url}/token",service="${TOKEN_SERVICE}"` } } });
}

function clientWith(config: Record<string, RegistryHostConfig>): RegistryClient {
  return new RegistryClient({
    credentials: async (host) => (host === registryFront.host ? admin : undefined),
    hostConfig: (host) => config[host],
    retry: { attempts: 1 },
  });
}

const tagsWith = (config: Record<string, RegistryHostConfig>): Promise<string[]> =>
  withClient(clientWith(config), (client) => client.tags({ registry: registryFront.host, repository: 'team/app' }));

describe('the token server is verified on its own', () => {
  it('the registry\'s CA does not make a token server with a certificate from that CA trusted: a TLS error, no token request', async () => {
    realmAt(tokenSameCa);
    const err = await rejectionOf(tagsWith({ [registryFront.host]: { ca: caPem } }));
    expect(err.code).toBe('network');
    expect(err.context.registryCode).toBe('TOKEN_SERVER_UNREACHABLE');
    expect(err.message).toMatch(new RegExp(`token server ${tokenSameCa.host} failed: TLS certificate not trusted`));
    expect(err.hint).toMatch(new RegExp(`CA for ${tokenSameCa.host}`));
    expect(tokenSameCa.requests).toEqual([]);
  });

  it('given that CA for the token server\'s own host, the same setup works', async () => {
    realmAt(tokenSameCa);
    expect(await tagsWith({ [registryFront.host]: { ca: caPem }, [tokenSameCa.host]: { ca: caPem } })).toEqual(['v1']);
    expect(tokenSameCa.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('a registry marked insecure (TLS not verified) does not make an untrusted token server acceptable', async () => {
    realmAt(tokenOtherCa);
    const err = await rejectionOf(tagsWith({ [registryFront.host]: { insecure: true, skipVerify: true } }));
    expect(err.context.registryCode).toBe('TOKEN_SERVER_UNREACHABLE');
    expect(err.message).toMatch(/TLS certificate not trusted/);
    expect(tokenOtherCa.requests).toEqual([]);
    // The registry itself is reached unverified, as asked: its challenge arrived.
    expect(registryFront.requests.length).toBeGreaterThan(0);
  });
});

describe('a blob redirect target is verified on its own', () => {
  it('a registry marked insecure does not make an untrusted storage host acceptable', async () => {
    const client = new RegistryClient({ hostConfig: (host) => (host === blobRegistryFront.host ? { insecure: true, skipVerify: true } : undefined), retry: { attempts: 1 } });
    await withClient(client, async () => {
      // The registry itself, unverified as asked.
      const manifest = await client.getManifest({ registry: blobRegistryFront.host, repository: 'team/app', reference: 'v1' });
      expect(manifest.digest).toBe(image.digest);
      const err = await rejectionOf(client.getBlob({ registry: blobRegistryFront.host, repository: 'team/app', digest: image.blobs[0]!.digest }));
      expect(err.code).toBe('network');
      expect(err.message).toMatch(/TLS certificate not trusted/);
      expect(storage.requests).toEqual([]);
    });
  });
});

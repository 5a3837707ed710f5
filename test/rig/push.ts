/**
 * Pushes rig images through the registry HTTP API, independently of the engine's
 * client under test: POST + PUT uploads, cross-repository mounts, manifest PUTs,
 * with Basic or bearer-token auth answered from the rig's own knowledge of the
 * users. The order of a push is the engine's push routine (pushSampleImage).
 */
import { request, type Dispatcher } from 'undici';
import type { RigManifest } from '../../electron/demo/images';
import { pushSampleImage } from '../../electron/demo/sample-io';
import type { ImageSink } from '../../electron/registry/copy/image-io';
import type { RigRegistry } from './registry';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Runs `tasks` with at most `limit` in flight. */
export async function inParallel<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class RigPusher {
  private readonly tokens = new Map<string, string>();

  constructor(private readonly registry: Pick<RigRegistry, 'url' | 'dispatcher' | 'users' | 'tokenServer'>) {}

  /** A bearer token for the admin user with pull+push on every repository named in `repos`. */
  private async bearer(repos: string[]): Promise<string> {
    const server = this.registry.tokenServer!;
    const key = repos.join(' ');
    const cached = this.tokens.get(key);
    if (cached) return cached;
    const url = new URL(server.realm);
    url.searchParams.set('service', server.service);
    for (const repo of repos) url.searchParams.append('scope', `repository:${repo}:pull,push`);
    url.searchParams.append('scope', 'registry:catalog:*');
    const res = await request(url, { headers: { authorization: 'Basic ' + Buffer.from('admin:admin-canary-pw-7d1f').toString('base64') } });
    const body = (await res.body.json()) as { token: string };
    this.tokens.set(key, body.token);
    return body.token;
  }

  private async authorization(repos: string[]): Promise<string | undefined> {
    if (this.registry.tokenServer) return `Bearer ${await this.bearer(repos)}`;
    const users = this.registry.users;
    if (users) {
      const [user, password] = Object.entries(users)[0]!;
      return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    }
    return undefined;
  }

  async call(method: Method, path: string, repos: string[], opts: { body?: Buffer; headers?: Record<string, string> } = {}): Promise<Dispatcher.ResponseData> {
    const auth = await this.authorization(repos);
    const url = path.startsWith('http') ? path : this.registry.url + path;
    return request(url, {
      method,
      dispatcher: this.registry.dispatcher,
      headers: { ...(auth ? { authorization: auth } : {}), ...opts.headers },
      ...(opts.body ? { body: opts.body } : {}),
    });
  }

  private async expect(res: Dispatcher.ResponseData, status: number, what: string): Promise<Dispatcher.ResponseData> {
    if (res.statusCode !== status) {
      const text = await res.body.text();
      throw new Error(`rig: ${what} answered ${res.statusCode}, wanted ${status}: ${text.slice(0, 300)}`);
    }
    await res.body.dump();
    return res;
  }

  async blobExists(repo: string, digest: string): Promise<boolean> {
    const res = await this.call('HEAD', `/v2/${repo}/blobs/${digest}`, [repo]);
    await res.body.dump();
    return res.statusCode === 200;
  }

  async pushBlob(repo: string, bytes: Buffer, digest: string): Promise<void> {
    if (await this.blobExists(repo, digest)) return;
    const start = await this.expect(await this.call('POST', `/v2/${repo}/blobs/uploads/`, [repo]), 202, `upload start in ${repo}`);
    const location = new URL(String(start.headers.location), this.registry.url);
    location.searchParams.set('digest', digest);
    const put = await this.call('PUT', location.toString(), [repo], { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    await this.expect(put, 201, `blob PUT ${digest} to ${repo}`);
  }

  async mountBlob(repo: string, digest: string, from: string): Promise<void> {
    const res = await this.call('POST', `/v2/${repo}/blobs/uploads/?mount=${digest}&from=${from}`, [repo, from]);
    await this.expect(res, 201, `mount of ${digest} from ${from} into ${repo}`);
  }

  async putManifest(repo: string, reference: string, manifest: Pick<RigManifest, 'bytes' | 'mediaType'>): Promise<void> {
    const res = await this.call('PUT', `/v2/${repo}/manifests/${reference}`, [repo], { body: manifest.bytes, headers: { 'content-type': manifest.mediaType } });
    await this.expect(res, 201, `manifest PUT ${repo}:${reference}`);
  }

  /**
   * Pushes blobs, then children by digest, then the manifest under each tag: the
   * engine's push routine (one order for fixtures and copies) over this rig's own HTTP.
   */
  async push(repo: string, manifest: RigManifest, tags: string[] = []): Promise<void> {
    await pushSampleImage(this.sink(repo), manifest, tags);
  }

  /** This repository as a sink of the push routine: blobs four at a time through pushBlob, manifests through putManifest. */
  private sink(repo: string): ImageSink {
    return {
      putBlobs: async (blobs, source) => {
        await inParallel([...blobs], 4, async (b) => {
          const body = await source.openBlob(b, {});
          const chunks: Buffer[] = [];
          for await (const chunk of body.stream) chunks.push(chunk as Buffer);
          await this.pushBlob(repo, Buffer.concat(chunks), b.digest);
        });
        return { bytes: 0, mounted: 0 };
      },
      putManifest: (m) => this.putManifest(repo, m.tag ?? m.digest, m),
    };
  }

  async deleteManifest(repo: string, digest: string): Promise<void> {
    await this.expect(await this.call('DELETE', `/v2/${repo}/manifests/${digest}`, [repo]), 202, `manifest DELETE ${repo}@${digest}`);
  }
}

/**
 * The rig's standard images and the large fixtures (many tags, many
 * repositories), pushed fast: parallel requests and cross-repository mounts.
 */
import { buildImage, buildMultiPlatform, type RigManifest } from '../../electron/demo/images';
import type { Platform } from '../../shared/platform';
import { inParallel, RigPusher } from './push';
import type { RigRegistry } from './registry';

/** What a test needs to know about a pushed image; plain data so globalSetup can `provide` it. */
export interface PushedImage {
  repo: string;
  tag: string;
  digest: string;
  mediaType: string;
  /** The exact manifest bytes, base64. */
  manifestBase64: string;
  children: Array<{ digest: string; mediaType: string; platform?: Platform; manifestBase64: string }>;
  blobDigests: string[];
  /** Sum of config and layer sizes per image manifest (for an index: of all children). */
  totalBlobBytes: number;
}

export interface StandardFixtures {
  /** Docker schema2, single platform linux/amd64. */
  schema2: PushedImage;
  /** OCI index: linux/amd64, linux/arm64/v8, linux/arm/v7 and an attestation for amd64. */
  multi: PushedImage;
  /** Docker manifest list with the same three platforms. */
  dockerList: PushedImage;
  /** Nested repository path. */
  nested: PushedImage;
  /** Pullable anonymously on token registries (policy: `public/*`). */
  publicImage: PushedImage;
}

function summarise(repo: string, tag: string, m: RigManifest): PushedImage {
  const blobs = new Map<string, number>();
  const walk = (x: RigManifest): void => {
    x.blobs.forEach((b) => blobs.set(b.digest, b.bytes.length));
    x.children.forEach(walk);
  };
  walk(m);
  return {
    repo,
    tag,
    digest: m.digest,
    mediaType: m.mediaType,
    manifestBase64: m.bytes.toString('base64'),
    children: m.children.map((c) => ({ digest: c.digest, mediaType: c.mediaType, ...(c.platform ? { platform: c.platform } : {}), manifestBase64: c.bytes.toString('base64') })),
    blobDigests: [...blobs.keys()],
    totalBlobBytes: [...blobs.values()].reduce((a, b) => a + b, 0),
  };
}

export async function pushImage(registry: RigRegistry, repo: string, tag: string, manifest: RigManifest): Promise<PushedImage> {
  await new RigPusher(registry).push(repo, manifest, [tag]);
  return summarise(repo, tag, manifest);
}

export async function pushStandardFixtures(registry: RigRegistry): Promise<StandardFixtures> {
  const [schema2, multi, dockerList, nested, publicImage] = await Promise.all([
    pushImage(registry, 'fixtures/schema2', '1.0', buildImage({ format: 'docker', layerBytes: 4096 })),
    pushImage(registry, 'fixtures/multi', '1.0', buildMultiPlatform('oci')),
    pushImage(registry, 'fixtures/dockerlist', '1.0', buildMultiPlatform('docker')),
    pushImage(registry, 'a/b/c', 'latest', buildImage({ layers: [[{ type: 'file', name: 'hello', content: 'nested\n' }]] })),
    pushImage(registry, 'public/hello', '1.0', buildImage({ layers: [[{ type: 'file', name: 'hello', content: 'public\n' }]] })),
  ]);
  return { schema2, multi, dockerList, nested, publicImage };
}

/** `count` tags (`t0000`, `t0001`, …) on `repo`, all pointing at one small image. */
export async function pushManyTags(registry: RigRegistry, repo: string, count: number): Promise<string[]> {
  const pusher = new RigPusher(registry);
  const image = buildImage({ layers: [[{ type: 'file', name: 'tags', content: 'many tags\n' }]] });
  await pusher.push(repo, image);
  const tags = Array.from({ length: count }, (_, i) => `t${String(i).padStart(4, '0')}`);
  await inParallel(tags, 16, (tag) => pusher.putManifest(repo, tag, image));
  return tags;
}

/** `count` repositories `prefix/rNNNN:latest` holding one small image, blobs mounted from the first. */
export async function pushManyRepos(registry: RigRegistry, prefix: string, count: number): Promise<string[]> {
  const pusher = new RigPusher(registry);
  const image = buildImage({ layers: [[{ type: 'file', name: 'repo', content: 'many repositories\n' }]] });
  const names = Array.from({ length: count }, (_, i) => `${prefix}/r${String(i).padStart(4, '0')}`);
  const source = names[0]!;
  await pusher.push(source, image, ['latest']);
  await inParallel(names.slice(1), 16, async (repo) => {
    for (const b of image.blobs) await pusher.mountBlob(repo, b.digest, source);
    await pusher.putManifest(repo, 'latest', image);
  });
  return names;
}

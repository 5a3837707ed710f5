/**
 * A built image (images.ts) pushed with the engine's one push routine: the
 * demo fills its registries with it, and the test rig seeds its registries
 * with it through its own HTTP code (a sink of its own), so fixtures and
 * copies share the order (blobs, children by digest, the tags last) while the
 * rig's wire stays independent of the client under test.
 */
import { Readable } from 'node:stream';
import type { PlannedBlob } from '../../shared/copy';
import { RegistryError } from '../../shared/errors';
import { parseManifest } from '../registry/api/manifest-types';
import { pushImage, type ImageSink, type ImageSource, type ManifestToWrite } from '../registry/copy/image-io';
import { ProgressTracker } from '../registry/copy/progress';
import { allBlobs, type RigManifest } from './images';

/** The image's blobs, from memory. */
export function sampleSource(manifest: RigManifest): ImageSource {
  const bytes = new Map(allBlobs(manifest).map((b) => [b.digest, b.bytes]));
  const manifests = new Map<string, RigManifest>();
  const tree = (m: RigManifest): void => {
    manifests.set(m.digest, m);
    m.children.forEach(tree);
  };
  tree(manifest);
  return {
    where: { registry: 'sample', repository: 'memory' },
    manifest: async (descriptor) => {
      const m = manifests.get(descriptor.digest);
      if (!m) throw new RegistryError('internal', `no sample manifest ${descriptor.digest}`, {});
      return { digest: m.digest, mediaType: m.mediaType, bytes: m.bytes, parsed: parseManifest(m.bytes, m.mediaType, 'sample') };
    },
    openBlob: async (blob, options) => {
      const data = bytes.get(blob.digest);
      if (!data) throw new RegistryError('internal', `no sample blob ${blob.digest}`, {});
      const offset = options.offset ?? 0;
      return { stream: Readable.from([data.subarray(offset)]), offset, size: data.length };
    },
  };
}

/**
 * Pushes `manifest` into `sink`: every blob (those `present` says the sink has
 * are only checked there), the manifests children first by digest, then the top
 * one under each tag.
 */
export async function pushSampleImage(sink: ImageSink, manifest: RigManifest, tags: readonly string[], present: (digest: string) => Promise<boolean> = async () => false): Promise<void> {
  const blobs: PlannedBlob[] = await Promise.all(allBlobs(manifest).map(async (b) => ({
    digest: b.digest, size: b.bytes.length, mediaType: b.mediaType, action: (await present(b.digest)) ? 'exists' as const : 'upload' as const,
  })));
  const manifests: ManifestToWrite[] = [];
  const tree = (m: RigManifest): void => {
    m.children.forEach(tree);
    manifests.push(m);
  };
  tree(manifest);
  for (const tag of tags) manifests.push({ ...manifest, tag });
  const progress = new ProgressTracker(blobs, () => undefined);
  try {
    await pushImage(sampleSource(manifest), sink, { blobs, manifests }, {
      signal: new AbortController().signal,
      progress,
      cancelled: () => new RegistryError('cancelled', 'the sample push was cancelled', {}),
    });
  } finally {
    progress.close();
  }
}

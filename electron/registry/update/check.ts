/**
 * Update checks for watched images. A digest check costs one HEAD per image
 * (plus a GET of the index only when one platform is watched); a version
 * check costs one paged tag listing per repository, shared by every image of
 * that repository. Registries are checked with bounded concurrency each.
 */
import { RegistryError, type WireError } from '../../../shared/errors';
import { isRegistryError } from '../../../shared/errors';
import { formatReference } from '../../../shared/names';
import { selectPlatform } from '../api/image';
import type { RegistryClient } from '../client';
import { isIndexMediaType } from '../media-types';
import { inParallel } from '../parallel';
import { formatPlatform, type Platform } from '../platform';
import type { ImageReference } from '../reference';
import { newerVersions, type TagVerdict } from '../../../shared/versions';

export type WatchRule = 'digest' | 'version' | 'both';

export interface WatchTarget {
  image: ImageReference;
  /** Compare this platform's manifest, not the index. */
  platform?: Platform;
  /** The digest recorded when the watch was set (of the platform's manifest when a platform is watched). */
  digest?: string;
  rule?: WatchRule;
}

export interface UpdateResult {
  image: string;
  tag: string;
  platform: string | null;
  currentDigest: string | null;
  remoteDigest: string | null;
  digestChanged: boolean;
  newerVersions: string[];
  latestVersion: string | null;
  /** Why each tag counted as a newer version or not. */
  verdicts?: TagVerdict[];
  error?: WireError;
}

export interface CheckOptions {
  /** Requests in flight per registry. */
  perRegistry?: number;
  signal?: AbortSignal;
  /** Include the per-tag reasons in results. */
  explain?: boolean;
}

export const DEFAULT_PER_REGISTRY = 4;

/** The digest the watch compares: the tag's, or its platform's when a platform is watched. */
async function remoteDigestOf(client: RegistryClient, target: WatchTarget, signal?: AbortSignal): Promise<string> {
  const ref = { registry: target.image.registry, repository: target.image.repository, reference: target.image.digest ?? target.image.tag ?? 'latest' };
  const head = await client.headManifest(ref, { fresh: true, signal });
  if (!head) {
    throw new RegistryError('not_found', `${ref.registry}: ${target.image.familiar()} not found`, { registry: ref.registry, repository: ref.repository, kind: 'manifest' },
      'The watched tag no longer exists; remove the watch or pick another tag.');
  }
  if (!target.platform || !isIndexMediaType(head.mediaType)) return head.digest;
  // The index itself is cached by digest: an unchanged index costs nothing more than the HEAD.
  const index = await client.getManifest({ ...ref, reference: head.digest }, { signal });
  if (index.parsed.kind !== 'index') return head.digest;
  return selectPlatform(index.parsed, target.platform, { registry: ref.registry, repository: ref.repository }).digest;
}

export async function checkUpdates(client: RegistryClient, targets: WatchTarget[], options: CheckOptions = {}): Promise<UpdateResult[]> {
  const signal = options.signal;
  const results: UpdateResult[] = targets.map((t) => ({
    image: t.image.familiar(),
    tag: t.image.tag ?? '',
    platform: t.platform ? formatPlatform(t.platform) : null,
    currentDigest: t.digest ?? null,
    remoteDigest: null,
    digestChanged: false,
    newerVersions: [],
    latestVersion: null,
  }));
  const fail = (i: number, err: unknown): void => {
    if (isRegistryError(err, 'cancelled')) throw err;
    const wire = isRegistryError(err) ? err.toWire() : new RegistryError('internal', String(err).slice(0, 200)).toWire();
    results[i]!.error = wire;
  };

  // One tag listing per repository, for every version watch of it.
  const tagLists = new Map<string, Promise<string[]>>();
  const tagsOf = (t: WatchTarget): Promise<string[]> => {
    const key = formatReference(t.image);
    let list = tagLists.get(key);
    if (!list) {
      list = client.tags({ registry: t.image.registry, repository: t.image.repository }, { fresh: true, signal });
      list.catch(() => undefined);
      tagLists.set(key, list);
    }
    return list;
  };

  const byRegistry = new Map<string, number[]>();
  targets.forEach((t, i) => byRegistry.set(t.image.registry, [...(byRegistry.get(t.image.registry) ?? []), i]));
  await Promise.all([...byRegistry.values()].map((indexes) =>
    inParallel(indexes, options.perRegistry ?? DEFAULT_PER_REGISTRY, async (i) => {
      const target = targets[i]!;
      const result = results[i]!;
      const rule = target.rule ?? 'both';
      try {
        if (rule !== 'version') {
          result.remoteDigest = await remoteDigestOf(client, target, signal);
          if (result.currentDigest === null) result.currentDigest = result.remoteDigest;
          result.digestChanged = result.remoteDigest !== null && result.currentDigest !== result.remoteDigest;
        }
        if (rule !== 'digest' && target.image.tag) {
          const found = newerVersions(target.image.tag, await tagsOf(target));
          result.newerVersions = found.newer;
          result.latestVersion = found.latest ?? null;
          if (options.explain) result.verdicts = found.verdicts;
        }
      } catch (err) {
        fail(i, err);
      }
    }),
  ));
  return results;
}

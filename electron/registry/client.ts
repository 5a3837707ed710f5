/**
 * RegistryClient: the engine's public entry. It owns one transport (pooled
 * connections, auth state, breaker) and one read cache, and exposes every API
 * area with references already parsed. Everything takes an AbortSignal.
 */
import { RegistryError } from '../../shared/errors';
import { readSmallBlob, getBlob, headBlob, openBlob, type BlobTarget } from './api/blobs';
import { platformsOf, selectPlatform, summarise, type ImageSummary, type PlatformEntry } from './api/image';
import type { AbsentWhenDenied } from './api/denied';
import { catalogPages, collect, tagPages, type ListingEnd, type ListOptions } from './api/listings';
import { deleteManifest, getManifest, headManifest, putManifest, type FetchedManifest, type ManifestHead, type ManifestTarget } from './api/manifests';
import { parseImageConfig, type Descriptor, type ImageConfig, type ImageManifest } from './api/manifest-types';
import { catalogKey, ReadCache, tagDigestKey, tagsKey, type ReadCacheOptions } from './api/read-cache';
import { listReferrers, type ReferrersResult } from './api/referrers';
import { isDigest, shortDigest } from './digest';
import { inParallel } from './parallel';
import type { Platform } from './platform';
import { MAX_CONFIG_BYTES } from './transport/body';
import { createTransport, type Transport, type TransportOptions } from './transport/stack';
import { errorForStatus } from './transport/status-errors';

export interface RegistryClientOptions extends TransportOptions {
  cache?: Partial<ReadCacheOptions> | false;
}

export interface RepositoryTarget {
  registry: string;
  repository: string;
}

interface Call {
  signal?: AbortSignal;
}

export interface ResolvedImage {
  /** The manifest the reference names (an index for multi-platform images). */
  top: FetchedManifest;
  /** The platforms of an index (attestations hidden); empty for a single image. */
  platforms: PlatformEntry[];
  /** The image manifest for the chosen platform (or the only one). */
  image?: FetchedManifest & { parsed: ImageManifest };
  /** Which platform `image` is, when it came from an index. */
  platform?: PlatformEntry;
}

export class RegistryClient {
  readonly transport: Transport;
  private readonly cache: ReadCache | undefined;

  constructor(options: RegistryClientOptions = {}) {
    this.transport = createTransport(options);
    this.cache = options.cache === false ? undefined : new ReadCache(options.cache ?? {});
  }

  private get fetch() {
    return this.transport.fetch;
  }

  /** `/v2/` answered (after authentication if the registry asks for it). */
  async ping(registry: string, options: Call = {}): Promise<void> {
    const res = await this.fetch({ registry, method: 'GET', target: '/v2/', ...(options.signal ? { signal: options.signal } : {}) });
    if (res.status !== 200) throw await errorForStatus(res, { registry, what: 'the registry API (/v2/)' });
    await res.body.dump();
  }

  catalogPages(registry: string, options: ListOptions = {}): AsyncGenerator<string[], ListingEnd> {
    return catalogPages(this.fetch, registry, options);
  }

  async catalog(registry: string, options: ListOptions & { fresh?: boolean } = {}): Promise<string[]> {
    const cached = options.fresh ? undefined : this.cache?.get<string[]>(catalogKey(registry));
    if (cached) return cached;
    const { entries, complete } = await collect(this.catalogPages(registry, options));
    // A partial list (the page cap) is not remembered as the catalog.
    if (complete) this.cache?.set(catalogKey(registry), entries);
    return entries;
  }

  tagPages(repo: RepositoryTarget, options: ListOptions = {}): AsyncGenerator<string[], ListingEnd> {
    return tagPages(this.fetch, repo.registry, repo.repository, options);
  }

  async tags(repo: RepositoryTarget, options: ListOptions & { fresh?: boolean } = {}): Promise<string[]> {
    const key = tagsKey(repo.registry, repo.repository);
    const cached = options.fresh ? undefined : this.cache?.get<string[]>(key);
    if (cached) return cached;
    const { entries, complete } = await collect(this.tagPages(repo, options));
    if (complete) this.cache?.set(key, entries);
    return entries;
  }

  /** `mirrorable: false` reads the registry's own copy (a destination's), never a mirror's or a cached one. */
  async getManifest(target: ManifestTarget, options: Call & { mirrorable?: boolean } = {}): Promise<FetchedManifest> {
    const scope = `${target.registry}/${target.repository}`;
    const byDigest = isDigest(target.reference) && options.mirrorable !== false ? this.cache?.getByDigest<FetchedManifest>(scope, target.reference) : undefined;
    if (byDigest) return byDigest;
    const manifest = await getManifest(this.fetch, target, options);
    this.cache?.putByDigest(scope, manifest.digest, manifest, manifest.size * 3);
    return manifest;
  }

  /**
   * The manifest a descriptor points at (an index entry, a referrer): it must
   * be exactly what the descriptor promised, digest (checked by getManifest)
   * and size, or it is not used.
   */
  async getChildManifest(repo: RepositoryTarget, descriptor: Pick<Descriptor, 'digest' | 'size'>, options: Call & { mirrorable?: boolean } = {}): Promise<FetchedManifest> {
    const child = await this.getManifest({ ...repo, reference: descriptor.digest }, options);
    if (child.size !== descriptor.size) {
      throw new RegistryError('digest_mismatch', `${repo.registry}: manifest ${shortDigest(descriptor.digest)} in ${repo.repository} is ${child.size} bytes, its descriptor says ${descriptor.size}`,
        { registry: repo.registry, repository: repo.repository }, 'The registry served an index that does not describe its manifests; do not trust it.');
    }
    return child;
  }

  /**
   * HEAD a manifest; undefined when it does not exist. Tag answers are cached briefly unless `fresh`.
   * `mirrorable: false` asks the registry itself (a destination), never a mirror or a cached answer.
   */
  async headManifest(target: ManifestTarget, options: Call & AbsentWhenDenied & { fresh?: boolean; mirrorable?: boolean } = {}): Promise<ManifestHead | undefined> {
    const key = isDigest(target.reference) ? undefined : tagDigestKey(target.registry, target.repository, target.reference);
    const ownAnswer = options.mirrorable === false;
    const cached = key && !options.fresh && !ownAnswer ? this.cache?.get<ManifestHead>(key) : undefined;
    if (cached) return cached;
    const head = await headManifest(this.fetch, target, options);
    if (key && head) this.cache?.set(key, head);
    return head;
  }

  async putManifest(target: ManifestTarget, bytes: Buffer, mediaType: string, options: Call = {}): Promise<string> {
    try {
      return await putManifest(this.fetch, target, bytes, mediaType, options);
    } finally {
      this.cache?.invalidate(target.registry, target.repository);
    }
  }

  async deleteManifest(target: ManifestTarget, options: Call = {}): Promise<void> {
    try {
      await deleteManifest(this.fetch, target, options);
    } finally {
      this.cache?.invalidate(target.registry, target.repository);
    }
  }

  /** Every tag of the repository whose manifest has `digest`: what a delete would also remove (so never a mirror's answer). */
  async tagsForDigest(repo: RepositoryTarget, digest: string, options: Call = {}): Promise<string[]> {
    const tags = await this.tags(repo, { ...options, fresh: true, mirrorable: false });
    const matches: string[] = [];
    await inParallel(tags, 8, async (tag) => {
      const head = await this.headManifest({ ...repo, reference: tag }, { ...options, fresh: true, mirrorable: false });
      if (head?.digest === digest) matches.push(tag);
    });
    return matches.sort();
  }

  headBlob(target: BlobTarget, options: Call & AbsentWhenDenied = {}) {
    return headBlob(this.fetch, target, options);
  }

  /** `expectedSize`: the descriptor's size; a registry that sends more fails the read as the bytes arrive. */
  getBlob(target: BlobTarget, options: Call & { expectedSize?: number } = {}) {
    return getBlob(this.fetch, target, options);
  }

  openBlob(target: BlobTarget, options: Call & { offset?: number; expectedSize?: number } = {}) {
    return openBlob(this.fetch, target, options);
  }

  referrers(target: BlobTarget, options: Call & { artifactType?: string } = {}): Promise<ReferrersResult> {
    return listReferrers(this.fetch, target, options);
  }

  /**
   * Resolves a reference to its manifest and, for an index, to the chosen
   * platform's image manifest. Without a platform, an index resolves to no image.
   */
  async resolve(target: ManifestTarget, options: Call & { platform?: Platform } = {}): Promise<ResolvedImage> {
    const top = await this.getManifest(target, options);
    const context = { registry: target.registry, repository: target.repository };
    if (top.parsed.kind === 'schema1') {
      throw new RegistryError('unsupported', `${target.registry}: ${target.repository} uses Docker schema 1, which regdesk only shows raw`, context,
        'Use regdesk manifest --raw to see it, or re-push the image with a current Docker.');
    }
    if (top.parsed.kind === 'image') return { top, platforms: [], image: top as ResolvedImage['image'] & object };
    const platforms = platformsOf(top.parsed);
    if (!options.platform) return { top, platforms };
    const platform = selectPlatform(top.parsed, options.platform, context);
    const image = await this.getChildManifest(context, platform, options);
    if (image.parsed.kind !== 'image') {
      throw new RegistryError('protocol', `${target.registry}: the ${platform.digest} entry of the index is not an image manifest`, context);
    }
    return { top, platforms, image: image as ResolvedImage['image'] & object, platform };
  }

  /**
   * An image manifest's config exactly as the registry stores it, read whole
   * (bounded by the descriptor's size and the config cap) and verified.
   */
  imageConfigBytes(repo: RepositoryTarget, manifest: ImageManifest, options: Call = {}): Promise<Buffer> {
    const { digest, size } = manifest.config;
    if (size > MAX_CONFIG_BYTES) {
      return Promise.reject(new RegistryError('protocol', `${repo.registry}: the image config ${shortDigest(digest)} is ${size} bytes, more than regdesk reads (${MAX_CONFIG_BYTES})`, repo));
    }
    return readSmallBlob(this.fetch, { ...repo, digest }, size, options);
  }

  /** An image manifest's config in the shape regdesk shows (what is malformed is left out, with warnings); cached by digest. */
  async imageConfig(repo: RepositoryTarget, manifest: ImageManifest, options: Call = {}): Promise<ImageConfig> {
    const scope = `${repo.registry}/${repo.repository}`;
    const digest = manifest.config.digest;
    const cached = this.cache?.getByDigest<ImageConfig>(scope, digest);
    if (cached) return cached;
    const bytes = await this.imageConfigBytes(repo, manifest, options);
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new RegistryError('protocol', `${repo.registry}: the image config ${digest} is not valid JSON`, repo);
    }
    const config = parseImageConfig(raw, `config ${shortDigest(digest)}`);
    this.cache?.putByDigest(scope, digest, config, bytes.length * 3);
    return config;
  }

  summarise(manifest: ImageManifest): ImageSummary {
    return summarise(manifest);
  }

  /** Drops cached listings and tag answers (after writes made outside this client). */
  invalidate(registry: string, repository?: string): void {
    this.cache?.invalidate(registry, repository);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

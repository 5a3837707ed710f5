/**
 * RegistryClient: the engine's public entry. It owns one transport (pooled
 * connections, auth state, breaker) and one read cache, and exposes every API
 * area with references already parsed. Everything takes an AbortSignal.
 */
import type { Readable } from 'node:stream';
import { RegistryError } from '../../shared/errors';
import { readSmallBlob, getBlob, headBlob, openBlob, type BlobTarget } from './api/blobs';
import { platformsOf, selectPlatform, summarise, type ImageSummary, type PlatformEntry } from './api/image';
import type { AbsentWhenDenied } from './api/denied';
import { catalogPages, collect, tagPages, type ListingEnd, type ListOptions } from './api/listings';
import { deleteManifest, getManifest, headManifest, putManifest, type FetchedManifest, type ManifestHead, type ManifestTarget } from './api/manifests';
import { parseImageConfig, type Descriptor, type ImageConfig, type ImageManifest } from './api/manifest-types';
import { catalogKey, ReadCache, tagDigestKey, tagsKey, type ReadCacheOptions } from './api/read-cache';
import { listReferrers, type ReferrersResult } from './api/referrers';
import { cancelUpload, finishUpload, patchUpload, putWhole, startUpload, uploadOffset, type StartResult, type UploadSession, type UploadTarget } from './api/uploads';
import { isDigest, shortDigest } from './digest';
import { inParallel } from './parallel';
import type { Platform } from './platform';
import { MAX_CONFIG_BYTES } from './transport/body';
import type { RateLimit } from './transport/rate-limit';
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
  /** The HTTP layers under the client; outside the engine only tests read their state (breaker, token counts). */
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
    const res = await this.fetch({ registry, method: 'GET', target: '/v2/', signal: options.signal });
    if (res.status !== 200) throw await errorForStatus(res, { registry, what: 'the registry API (/v2/)' });
    await res.body.dump();
  }

  /**
   * `/v2/`'s status as it is, and whether credentials were sent for it: how a
   * sign-in tells rejected credentials from a registry that never asks for any.
   */
  async pingAnswer(registry: string, options: Call = {}): Promise<{ status: number; withCredentials: boolean }> {
    const res = await this.fetch({ registry, method: 'GET', target: '/v2/', signal: options.signal });
    await res.body.dump();
    return { status: res.status, withCredentials: Boolean(res.auth?.withCredentials) };
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

  /** Deletes by digest (every tag naming it goes too): the base of a safe delete; only tests call it yet. */
  async deleteManifest(target: ManifestTarget, options: Call = {}): Promise<void> {
    try {
      await deleteManifest(this.fetch, target, options);
    } finally {
      this.cache?.invalidate(target.registry, target.repository);
    }
  }

  /** Every tag of the repository whose manifest has `digest`: what a delete would also remove (so never a mirror's answer). Safe delete's first step. */
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

  /** Opens an upload session, or mounts `mount.digest` from `mount.from` (201: done; 202: the registry opened a session instead). */
  startUpload(target: UploadTarget, options: Call & { mount?: { digest: string; from: string } } = {}): Promise<StartResult> {
    return startUpload(this.fetch, target, options);
  }

  /** PATCH into a session: a chunk at `range`, or a stream of unknown length without it (a 416 is returned, not thrown). */
  patchUpload(session: UploadSession, body: Readable | Buffer, range?: { start: number; length: number }, signal?: AbortSignal): Promise<{ session: UploadSession; status: number }> {
    return patchUpload(this.fetch, session, body, range, signal);
  }

  /** Where a session stands (the next byte the registry wants), for resuming. */
  uploadOffset(session: UploadSession, signal?: AbortSignal): Promise<{ offset: number; session: UploadSession }> {
    return uploadOffset(this.fetch, session, signal);
  }

  /** A small blob whole, in one PUT that closes the session. */
  putWholeBlob(session: UploadSession, digest: string, bytes: Buffer, signal?: AbortSignal): Promise<void> {
    return putWhole(this.fetch, session, digest, bytes, signal);
  }

  /** Closes a session whose bytes were PATCHed: the PUT with the digest. */
  finishUpload(session: UploadSession, digest: string, signal?: AbortSignal): Promise<void> {
    return finishUpload(this.fetch, session, digest, signal);
  }

  /** Abandons a session; best effort, never throws. */
  cancelUpload(session: UploadSession): Promise<void> {
    return cancelUpload(this.fetch, session);
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

  /**
   * Forgets what this client holds for `registry`'s sign-in (tokens, challenges):
   * the next request asks the credential source again, after a login or logout.
   */
  forgetCredentials(registry: string): void {
    this.transport.auth.reset(registry);
  }

  /** The rate limit the registry last announced (Docker Hub's pull limit), if any. */
  rateLimit(registry: string): RateLimit | undefined {
    return this.transport.rateLimit(registry);
  }

  /** Drops cached listings and tag answers (after writes made outside this client). */
  invalidate(registry: string, repository?: string): void {
    this.cache?.invalidate(registry, repository);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

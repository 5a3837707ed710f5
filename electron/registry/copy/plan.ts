/**
 * Plans a copy before anything is written: which manifests will be pushed (in
 * order: children, referrers, then the top one), which blobs already exist at
 * the destination, which can be mounted from another repository of the same
 * registry, and how many bytes must travel. Platform subsets get a new index
 * whose entries are sorted by (os, architecture, variant), so its digest is the
 * same on every run.
 */
import { RegistryError } from '../../../shared/errors';
import type { CopyPlanSummary, PlannedBlob, PlannedManifest } from '../../../shared/copy';
import type { RegistryClient } from '../client';
import type { Descriptor, ImageIndex } from '../api/manifest-types';
import type { FetchedManifest } from '../api/manifests';
import { referrersTag } from '../api/referrers';
import { digestOf } from '../digest';
import { comparePlatforms, formatPlatform, isAttestation, platformMatches, type Platform } from '../platform';
import { inParallel } from '../parallel';
import { formatReference } from '../../../shared/names';

export interface CopySource {
  registry: string;
  repository: string;
  /** Tag or digest. */
  reference: string;
}

export interface CopyDestination {
  registry: string;
  repository: string;
  /** The tag to write last; without it the image is pushed by digest only. */
  tag?: string;
}

export interface CopyRequest {
  source: CopySource;
  destination: CopyDestination;
  /** `all` (default) copies an index whole; a list picks platforms. */
  platforms?: 'all' | Platform[];
  /** Copy signatures, SBOMs and other referrers of every copied manifest. */
  referrers?: boolean;
  signal?: AbortSignal;
}

export interface ManifestToPush extends PlannedManifest {
  bytes: Buffer;
  /** Tag to push it under instead of its digest (the top manifest, a referrers tag-schema index). */
  tag?: string;
}

export interface CopyPlan {
  request: CopyRequest;
  summary: CopyPlanSummary;
  /** In push order; the top manifest is last. */
  manifests: ManifestToPush[];
  blobs: PlannedBlob[];
}

/** The manifests as the summary shows them: without their bytes and push tags. */
export function manifestViews(manifests: ManifestToPush[]): PlannedManifest[] {
  return manifests.map(({ bytes: _bytes, tag: _tag, ...m }) => m);
}

/** Bytes to upload, to mount and already at the destination. */
export function blobTotals(blobs: PlannedBlob[]): Pick<CopyPlanSummary, 'bytesToTransfer' | 'bytesToMount' | 'bytesPresent'> {
  const sum = (action: PlannedBlob['action']): number => blobs.filter((b) => b.action === action).reduce((s, b) => s + b.size, 0);
  return { bytesToTransfer: sum('upload'), bytesToMount: sum('mount'), bytesPresent: sum('exists') };
}

/** Layers a registry must not redistribute (Windows base layers): their URLs point elsewhere. */
export function isForeign(d: Descriptor): boolean {
  return Boolean(d.urls?.length) || d.mediaType.includes('foreign') || d.mediaType.includes('nondistributable');
}

export function platformRef(d: Descriptor): Platform | undefined {
  if (!d.platform) return undefined;
  return { os: d.platform.os, architecture: d.platform.architecture, ...(d.platform.variant ? { variant: d.platform.variant } : {}) };
}

/** A new index with the chosen entries, sorted, plus the attestations that describe them. Deterministic bytes. */
export function subsetIndex(index: ImageIndex, chosen: Descriptor[], mediaType: string): Buffer {
  const sorted = [...chosen].sort((a, b) => comparePlatforms(platformRef(a)!, platformRef(b)!));
  const digests = new Set<string>(sorted.map((d) => d.digest));
  const attestations = index.manifests.filter((d) => isAttestation(d) && digests.has(d.annotations?.['vnd.docker.reference.digest'] ?? ''));
  const doc: Record<string, unknown> = { schemaVersion: 2, mediaType, manifests: [...sorted, ...attestations] };
  if (index.annotations) doc.annotations = index.annotations;
  return Buffer.from(JSON.stringify(doc));
}

/** The index entries for the wanted platforms, or an error listing what exists. */
export function chooseEntries(index: ImageIndex, wanted: Platform[], source: { registry: string; repository: string }): Descriptor[] {
  const entries = index.manifests.filter((d) => !isAttestation(d));
  const chosen: Descriptor[] = [];
  for (const platform of wanted) {
    const match = entries.find((d) => d.platform && platformMatches(platform, { os: d.platform.os, architecture: d.platform.architecture, ...(d.platform.variant ? { variant: d.platform.variant } : {}) }));
    if (!match) {
      const available = entries.map((d) => (d.platform ? formatPlatform(platformRef(d)!) : 'unknown')).join(', ');
      throw new RegistryError('not_found', `${source.registry}: no ${formatPlatform(platform)} image in ${source.repository} (available: ${available})`,
        { registry: source.registry, repository: source.repository, kind: 'manifest', part: 'platform' }, 'Pick one of the available platforms.');
    }
    if (!chosen.includes(match)) chosen.push(match);
  }
  return chosen;
}

/**
 * A copy whose destination is its source (same registry, repository and tag,
 * or no tag at all) would change nothing or only drop platforms from the
 * source itself: it is refused before any request.
 */
export function refuseCopyOntoItself(source: CopySource, destination: CopyDestination): void {
  if (source.registry !== destination.registry || source.repository !== destination.repository) return;
  if (destination.tag !== undefined && destination.tag !== source.reference) return;
  const where = formatReference(source, destination.tag);
  throw new RegistryError('usage', `${where} is the source itself: a copy onto itself changes nothing`,
    { registry: source.registry, repository: source.repository }, 'Pick another registry, repository or tag as the destination.');
}

export async function planCopy(client: RegistryClient, request: CopyRequest): Promise<CopyPlan> {
  const { source, destination } = request;
  refuseCopyOntoItself(source, destination);
  const call = request.signal ? { signal: request.signal } : {};
  const src = { registry: source.registry, repository: source.repository };
  const top = await client.getManifest(source, call);
  if (top.parsed.kind === 'schema1') {
    throw new RegistryError('unsupported', `${source.registry}: ${source.repository} is a Docker schema 1 image, which regdesk does not copy`, src,
      'Re-push the image with a current Docker to convert it.');
  }

  const manifests: ManifestToPush[] = [];
  const images: FetchedManifest[] = [];
  const planned = (m: FetchedManifest, role: PlannedManifest['role'], platform?: Platform): ManifestToPush => ({
    digest: m.digest, mediaType: m.mediaType, size: m.size, role, exists: false, bytes: m.bytes, ...(platform ? { platform } : {}),
  });
  let platforms: Platform[] = [];
  let final: ManifestToPush;

  if (top.parsed.kind === 'index') {
    const index = top.parsed;
    const wanted = request.platforms === undefined || request.platforms === 'all' ? undefined : request.platforms;
    const entries = wanted ? chooseEntries(index, wanted, source) : index.manifests;
    const keepAttestations = new Set<string>(entries.map((d) => d.digest));
    const withAttestations = wanted ? [...entries, ...index.manifests.filter((d) => isAttestation(d) && keepAttestations.has(d.annotations?.['vnd.docker.reference.digest'] ?? ''))] : entries;
    await inParallel(withAttestations, 8, async (d) => {
      const child = await client.getChildManifest(src, d, call);
      if (child.parsed.kind !== 'image') throw new RegistryError('unsupported', `${source.registry}: nested indexes are not copied (${d.digest})`, src);
      images.push(child);
      manifests.push(planned(child, isAttestation(d) ? 'attestation' : 'image', platformRef(d)));
    });
    // inParallel finishes in any order: push children in index order.
    const order = new Map<string, number>(withAttestations.map((d, i) => [d.digest, i]));
    manifests.sort((a, b) => order.get(a.digest)! - order.get(b.digest)!);
    platforms = entries.filter((d) => !isAttestation(d) && d.platform).map((d) => platformRef(d)!);
    if (wanted && entries.length === 1) {
      // One platform: its manifest goes under the tag, no index.
      final = manifests.find((m) => m.digest === entries[0]!.digest)!;
      manifests.splice(manifests.indexOf(final), 1);
      const attestation = manifests.findIndex((m) => m.role === 'attestation');
      if (attestation >= 0) manifests.splice(attestation, 1);
    } else if (wanted) {
      const bytes = subsetIndex(index, entries, top.mediaType);
      final = { digest: digestOf(bytes), mediaType: top.mediaType, size: bytes.length, role: 'index', exists: false, bytes };
    } else {
      final = planned(top, 'index');
    }
  } else {
    images.push(top);
    final = planned(top, 'image');
    if (request.platforms && request.platforms !== 'all') {
      const config = await client.imageConfig(src, top.parsed, call);
      const actual: Platform = { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) };
      if (!request.platforms.some((p) => platformMatches(p, actual))) {
        throw new RegistryError('not_found', `${source.registry}: ${source.repository} is a single ${formatPlatform(actual)} image`, { ...src, kind: 'manifest', part: 'platform' });
      }
      platforms = [actual];
    }
  }

  const blobs = new Map<string, PlannedBlob>();
  const addBlobs = (m: FetchedManifest): void => {
    if (m.parsed.kind !== 'image') return;
    for (const d of [m.parsed.config, ...m.parsed.layers]) {
      if (!isForeign(d) && !blobs.has(d.digest)) blobs.set(d.digest, { digest: d.digest, size: d.size, mediaType: d.mediaType, action: 'upload' });
    }
  };
  images.forEach(addBlobs);

  if (request.referrers) {
    const subjects = [final.digest, ...manifests.map((m) => m.digest)];
    for (const subject of subjects) {
      const found = await client.referrers({ ...src, digest: subject }, call);
      for (const d of found.referrers) {
        if (manifests.some((m) => m.digest === d.digest)) continue;
        const referrer = await client.getChildManifest(src, d, call);
        addBlobs(referrer);
        manifests.push(planned(referrer, 'referrer'));
      }
      if (found.source === 'tag-schema') {
        const index = await client.getManifest({ ...src, reference: referrersTag(subject) }, call);
        manifests.push({ ...planned(index, 'referrer'), tag: referrersTag(subject) });
      }
    }
  }

  // What the destination already has (a repository GHCR has not seen yet answers DENIED: nothing there).
  const dst = { registry: destination.registry, repository: destination.repository };
  const sameRepository = dst.registry === src.registry && dst.repository === src.repository;
  // HEADs are tiny: many at once, or a 64-layer image waits on round trips before its first byte moves.
  await inParallel([...blobs.values()], 16, async (blob) => {
    if (sameRepository || (await client.headBlob({ ...dst, digest: blob.digest }, { ...call, absentWhenDenied: true }))) blob.action = 'exists';
    else if (dst.registry === src.registry) {
      blob.action = 'mount';
      blob.mountFrom = src.repository;
    }
  });
  await inParallel(manifests, 8, async (m) => {
    if (m.tag) return;
    m.exists = Boolean(await client.headManifest({ ...dst, reference: m.digest }, { ...call, fresh: true, mirrorable: false, absentWhenDenied: true }));
  });
  final.exists = Boolean(await client.headManifest({ ...dst, reference: final.digest }, { ...call, fresh: true, mirrorable: false, absentWhenDenied: true }));
  // A tag that names another image now is moved by the copy: the plan says which image it leaves.
  const current = destination.tag ? await client.headManifest({ ...dst, reference: destination.tag }, { ...call, fresh: true, mirrorable: false, absentWhenDenied: true }) : undefined;
  if (destination.tag) final.tag = destination.tag;
  manifests.push(final);

  const list = [...blobs.values()];
  const summary: CopyPlanSummary = {
    source: formatReference(src, source.reference),
    destination: formatReference(dst, destination.tag ?? final.digest),
    digest: final.digest,
    sourceDigest: top.digest,
    platforms,
    manifests: manifestViews(manifests),
    blobs: list,
    ...blobTotals(list),
    ...(current && destination.tag && current.digest !== final.digest ? { replaces: { tag: destination.tag, digest: current.digest } } : {}),
  };
  return { request, summary, manifests, blobs: list };
}

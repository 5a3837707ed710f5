/**
 * What the tag list shows beside each tag in view: its digest, platforms,
 * size and age. One manifest read per tag; a single image's config is read
 * for its `created`, an index's platforms for their sizes and its first
 * platform's config. A tag that cannot be read (missing, malformed, denied)
 * answers its own typed error; the other tags are unaffected. A cancel (the
 * rows left the view) stops every read.
 */
import type { ParsedRequestOf, TagDetailResult, TagDetailView } from '../../shared/contract';
import { RegistryError, isRegistryError } from '../../shared/errors';
import type { WireError } from '../../shared/errors';
import { platformsOf } from '../registry/api/image';
import type { ImageManifest } from '../registry/api/manifest-types';
import type { RegistryClient, RepositoryTarget } from '../registry/client';
import { inParallel } from '../registry/parallel';
import { formatPlatform } from '../registry/platform';
import { parseTag } from '../registry/reference';
import { platformViews } from './image-view';
import { repositoryTarget } from './targets';

/** Tags read at once: a screenful arrives quickly without crowding the registry (each read may fan out per platform). */
const TAGS_AT_ONCE = 4;

/** An OS, architecture or variant as an index entry may name it; a config's other values are left out. */
const PLATFORM_WORD = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A timestamp's length at most (RFC 3339 with nanoseconds and an offset is 35): longer is not a date. */
const MAX_CREATED = 64;

const createdIfSane = (created: string | undefined): string | undefined => (created && created.length <= MAX_CREATED ? created : undefined);

/** An image's `created`, or undefined when its config cannot be read: the age is left out, the rest still shown. */
async function createdOf(client: RegistryClient, repo: RepositoryTarget, manifest: ImageManifest, signal: AbortSignal): Promise<string | undefined> {
  try {
    return createdIfSane((await client.imageConfig(repo, manifest, { signal })).created);
  } catch (err) {
    if (signal.aborted) throw err;
    return undefined;
  }
}

async function detailOf(client: RegistryClient, repo: RepositoryTarget, tag: string, signal: AbortSignal): Promise<TagDetailView> {
  const top = await client.getManifest({ ...repo, reference: parseTag(tag) }, { signal });
  const base = { tag, digest: top.digest, mediaType: top.mediaType };
  const parsed = top.parsed;
  if (parsed.kind === 'schema1') return { ...base, platforms: [] };
  if (parsed.kind === 'image') {
    const config = await client.imageConfig(repo, parsed, { signal }).catch((err: unknown) => {
      if (signal.aborted) throw err;
      return undefined;
    });
    const size = client.summarise(parsed).totalSize;
    const word = (v: string | undefined): v is string => v !== undefined && PLATFORM_WORD.test(v);
    const created = createdIfSane(config?.created);
    return {
      ...base,
      platforms: word(config?.os) && word(config?.architecture) ? [formatPlatform({ os: config.os, architecture: config.architecture, ...(word(config.variant) ? { variant: config.variant } : {}) })] : [],
      size: { min: size, max: size },
      ...(created ? { created } : {}),
    };
  }
  const entries = platformsOf(parsed);
  const views = await platformViews(client, repo, entries, signal);
  const sizes = views.flatMap((v) => (v.imageSize === undefined ? [] : [v.imageSize]));
  let created: string | undefined;
  const first = entries[0];
  if (first) {
    // The child manifest was just read for its size (cached by digest): only the config is new.
    const child = await client.getChildManifest(repo, first, { signal }).catch((err: unknown) => {
      if (signal.aborted) throw err;
      return undefined;
    });
    if (child?.parsed.kind === 'image') created = await createdOf(client, repo, child.parsed, signal);
  }
  return {
    ...base,
    platforms: entries.map((e) => formatPlatform(e.platform)),
    ...(sizes.length ? { size: { min: Math.min(...sizes), max: Math.max(...sizes) } } : {}),
    ...(created ? { created } : {}),
  };
}

function wireErrorOf(err: unknown): WireError {
  if (isRegistryError(err)) return err.toWire();
  return new RegistryError('internal', 'an unexpected error occurred while reading this tag; see the log', {}).toWire();
}

export async function tagDetails(client: RegistryClient, r: ParsedRequestOf<'tags.details'>, signal: AbortSignal): Promise<{ details: TagDetailResult[] }> {
  const repo = repositoryTarget(r);
  const tags = [...new Set(r.tags)];
  const details: TagDetailResult[] = new Array(tags.length);
  await inParallel(tags, TAGS_AT_ONCE, async (tag, i) => {
    try {
      details[i] = await detailOf(client, repo, tag, signal);
    } catch (err) {
      // A cancel ends the whole call; any other failure is this tag's alone.
      if (signal.aborted) throw isRegistryError(err, 'cancelled') ? err : new RegistryError('cancelled', 'the operation was cancelled');
      details[i] = { tag, error: wireErrorOf(err) };
    }
  });
  return { details };
}

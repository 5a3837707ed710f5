/**
 * Sync: copy every tag of a repository (or those matching a pattern) that the
 * destination lacks. Tags are copied one after another, each a full verified
 * copy; a failed tag stops the sync and leaves the tags already copied intact.
 */
import { RegistryError } from '../../../shared/errors';
import type { CopyResult } from '../../../shared/copy';
import type { RegistryClient } from '../client';
import { inParallel } from '../parallel';
import { copyImage, type ExecuteOptions } from './copy';
import { formatReference } from '../../../shared/names';

export interface SyncRequest {
  source: { registry: string; repository: string };
  destination: { registry: string; repository: string };
  /** A regular expression a tag must match whole; every tag when absent. */
  tags?: string;
}

export interface SyncResult {
  source: string;
  destination: string;
  /** Tags the source has that matched. */
  matched: string[];
  /** Tags copied now. */
  copied: CopyResult[];
  /** Tags the destination already had. */
  present: string[];
}

export function tagFilter(pattern: string | undefined): (tag: string) => boolean {
  if (pattern === undefined) return () => true;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch {
    throw new RegistryError('usage', `invalid tag pattern ${pattern.slice(0, 60)}`, {}, 'The pattern is a regular expression matched against the whole tag, e.g. "v1\\..*".');
  }
  return (tag) => re.test(tag);
}

export async function syncRepository(client: RegistryClient, request: SyncRequest, options: ExecuteOptions = {}): Promise<SyncResult> {
  const matches = tagFilter(request.tags);
  const call = options.signal ? { signal: options.signal } : {};
  const matched = (await client.tags(request.source, { ...call, fresh: true })).filter(matches);
  const missing: string[] = [];
  const present: string[] = [];
  await inParallel(matched, 8, async (tag) => {
    // A repository not created yet is DENIED on GHCR and Quay, not 404: absent, and the copy creates it.
    const head = await client.headManifest({ ...request.destination, reference: tag }, { ...call, fresh: true, mirrorable: false, absentWhenDenied: true });
    (head ? present : missing).push(tag);
  });
  missing.sort();
  present.sort();
  const copied: CopyResult[] = [];
  for (const tag of missing) {
    const { result } = await copyImage(client, {
      source: { ...request.source, reference: tag },
      destination: { ...request.destination, tag },
    }, options);
    copied.push(result);
  }
  return {
    source: formatReference(request.source),
    destination: formatReference(request.destination),
    matched,
    copied,
    present,
  };
}

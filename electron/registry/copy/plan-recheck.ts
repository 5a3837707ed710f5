/**
 * Before a plan the user reviewed runs: what may have moved since, and only that.
 * - The source tag may name another image now. The plan still copies the image
 *   that was reviewed (its manifests are in the plan, its blobs are read by
 *   digest) and says what moved.
 * - The destination tag may name another image now. That image was in no
 *   review, so moving the tag off it is refused before anything is written.
 * - Manifests the plan found at the destination (a platform copied before)
 *   may have been deleted since: those are pushed after all, or the index
 *   that names them would be refused.
 * - Blobs may have arrived at the destination (a copy queued ahead into the
 *   same repository): those are not sent again.
 */
import { RegistryError } from '../../../shared/errors';
import { displayDigest } from '../../../shared/format';
import type { RegistryClient } from '../client';
import { isDigest } from '../digest';
import { inParallel } from '../parallel';
import { blobTotals, manifestViews, type CopyPlan } from './plan';
import { formatReference } from '../../../shared/names';

export interface RecheckOptions {
  signal: AbortSignal;
  /** Another copy into the same repository ran since the plan: look again for the blobs it may have sent. */
  blobsMayHaveArrived: boolean;
}

export interface RecheckedPlan {
  plan: CopyPlan;
  /** What moved that the user should know, in plain words (empty when nothing did). */
  changes: string[];
}

export async function recheckPlan(client: RegistryClient, plan: CopyPlan, options: RecheckOptions): Promise<RecheckedPlan> {
  const { source, destination } = plan.request;
  const { summary } = plan;
  const head = { signal: options.signal, fresh: true, mirrorable: false } as const;
  const changes: string[] = [];

  if (destination.tag !== undefined) {
    const now = await client.headManifest({ registry: destination.registry, repository: destination.repository, reference: destination.tag }, { ...head, absentWhenDenied: true });
    const reviewed = summary.replaces?.digest;
    if (now && now.digest !== reviewed && now.digest !== summary.digest) {
      const before = reviewed ? `it named ${displayDigest(reviewed)}` : 'it did not exist';
      throw new RegistryError('conflict',
        `${formatReference(destination, destination.tag)} now names ${displayDigest(now.digest)} (${before} when the copy was planned); nothing was written`,
        { registry: destination.registry, repository: destination.repository, kind: 'tag' },
        'Plan the copy again to see what it would replace.');
    }
  }

  if (!isDigest(source.reference)) {
    const now = await client.headManifest(source, head);
    if (now?.digest !== summary.sourceDigest) {
      const where = formatReference(source, source.reference);
      changes.push(now
        ? `${where} moved to ${displayDigest(now.digest)} after the plan; the copy took the image you reviewed (${displayDigest(summary.sourceDigest)})`
        : `${where} was removed after the plan; the copy took the image you reviewed (${displayDigest(summary.sourceDigest)})`);
    }
  }

  const dst = { registry: destination.registry, repository: destination.repository };
  const manifests = plan.manifests.map((m) => ({ ...m }));
  await inParallel(manifests.filter((m) => m.exists && !m.tag), 8, async (m) => {
    m.exists = Boolean(await client.headManifest({ ...dst, reference: m.digest }, { ...head, absentWhenDenied: true }));
  });
  plan = { ...plan, manifests, summary: { ...summary, manifests: manifestViews(manifests) } };

  if (!options.blobsMayHaveArrived) return { plan, changes };
  const blobs = plan.blobs.map((blob) => ({ ...blob }));
  await inParallel(blobs.filter((b) => b.action !== 'exists'), 16, async (blob) => {
    if (!(await client.headBlob({ ...dst, digest: blob.digest }, { signal: options.signal, absentWhenDenied: true }))) return;
    blob.action = 'exists';
    delete blob.mountFrom;
  });
  return {
    plan: { ...plan, blobs, summary: { ...plan.summary, blobs, ...blobTotals(blobs) } },
    changes,
  };
}

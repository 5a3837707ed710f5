/**
 * The copy plans the UI has shown, kept by id so that Start runs the plan the
 * user reviewed instead of planning again (which repeats every HEAD and may
 * differ from what was shown). A plan is started once, is forgotten after a
 * while, and the store is bounded in number and in bytes: plans carry manifest bytes.
 */
import { randomUUID } from 'node:crypto';
import type { PlannedCopy } from '../../shared/copy';
import { RegistryError } from '../../shared/errors';
import { formatPlatform } from '../../shared/platform';
import type { CopyPlan, CopyRequest } from '../registry/copy/plan';

export const PLAN_TTL_MS = 30 * 60_000;
const MAX_PLANS = 64;
/** The manifests' bytes all kept plans may hold together: a few large indexes must not pin memory either. */
const MAX_PLAN_BYTES = 32 * 1024 * 1024;

/** A plan as it was reviewed, with how many copies had finished then (any that finished since may have sent its blobs). */
export interface ReviewedPlan {
  plan: CopyPlan;
  copiesFinished: number;
}

export interface CopyPlans {
  /** Keeps a plan and answers what the UI shows, with its id. */
  keep(reviewed: ReviewedPlan): PlannedCopy;
  /** The kept plan for `planId`, taken out of the store (a plan runs once); `request` must be the one it was made for. */
  take(planId: string, request: CopyRequest): ReviewedPlan;
}

const again = 'Plan the copy again (review it, then Start).';

/** What identifies a copy request: the same source, destination, platforms and referrers choice. */
function requestKey(r: CopyRequest): string {
  const platforms = r.platforms === undefined || r.platforms === 'all' ? 'all' : r.platforms.map(formatPlatform);
  return JSON.stringify([r.source.registry, r.source.repository, r.source.reference, r.destination.registry, r.destination.repository, r.destination.tag ?? null, platforms, Boolean(r.referrers)]);
}

const bytesOf = (plan: CopyPlan): number => plan.manifests.reduce((sum, m) => sum + m.bytes.length, 0);

export function createCopyPlans(options: { now?: () => number; ttlMs?: number; max?: number; maxBytes?: number } = {}): CopyPlans {
  const now = options.now ?? Date.now;
  const ttl = options.ttlMs ?? PLAN_TTL_MS;
  const max = options.max ?? MAX_PLANS;
  const maxBytes = options.maxBytes ?? MAX_PLAN_BYTES;
  // Insertion order is age order: the oldest plan is the first key.
  const plans = new Map<string, ReviewedPlan & { expires: number }>();

  const forgetExpired = (): void => {
    for (const [id, kept] of plans) if (kept.expires <= now()) plans.delete(id);
  };

  return {
    keep({ plan, copiesFinished }) {
      forgetExpired();
      const held = (): number => [...plans.values()].reduce((sum, kept) => sum + bytesOf(kept.plan), 0);
      while (plans.size > 0 && (plans.size >= max || held() + bytesOf(plan) > maxBytes)) plans.delete(plans.keys().next().value!);
      const planId = randomUUID();
      const expires = now() + ttl;
      // The plan outlives the call that made it: never keep that call's signal.
      const { signal: _signal, ...request } = plan.request;
      plans.set(planId, { plan: { ...plan, request }, copiesFinished, expires });
      return { ...plan.summary, planId, expiresAt: new Date(expires).toISOString() };
    },
    take(planId, request) {
      const kept = plans.get(planId);
      const keptFor = `plans are kept ${Math.round(ttl / 60_000)} minutes`;
      if (!kept) {
        throw new RegistryError('not_found', `this copy plan is no longer kept: it was started already, or it expired (${keptFor})`, { part: 'plan' }, again);
      }
      if (kept.expires <= now()) {
        plans.delete(planId);
        throw new RegistryError('not_found', `this copy plan expired (${keptFor})`, { part: 'plan' }, again);
      }
      if (requestKey(kept.plan.request) !== requestKey(request)) {
        throw new RegistryError('usage', 'this copy plan was made for another copy (source, destination or platforms differ)', { part: 'plan' }, again);
      }
      plans.delete(planId);
      return { plan: kept.plan, copiesFinished: kept.copiesFinished };
    },
  };
}

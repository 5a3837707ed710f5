/**
 * Copies as jobs with ids: start returns at once, progress and the result
 * arrive as `copy.updated` events, cancel is keyed by id. Finished jobs are
 * kept (bounded) so the UI can show results and offer a retry, until cleared.
 * Jobs into the same repository run one after the other: the blobs and
 * manifests they share (tags of one image) cross once, and the later jobs'
 * plans find them present. A job given the plan the user reviewed runs that
 * plan, rechecked only for what may have moved since; one without plans first.
 */
import { randomUUID } from 'node:crypto';
import type { CopyJobView } from '../../shared/contract';
import { RegistryError, isRegistryError } from '../../shared/errors';
import { formatReference } from '../../shared/names';
import type { RegistryClient } from '../registry/client';
import { executeCopy } from '../registry/copy/copy';
import { planCopy, refuseCopyOntoItself, type CopyPlan, type CopyRequest } from '../registry/copy/plan';
import { recheckPlan } from '../registry/copy/plan-recheck';
import type { ReviewedPlan } from './copy-plans';

const KEEP_FINISHED = 50;

export interface CopyJobs {
  /** `reviewed`: the plan the user saw, run instead of a new one. */
  start(request: CopyRequest, asked: CopyJobView['request'], options?: { concurrency?: number; reviewed?: ReviewedPlan }): string;
  /** How many jobs have ended so far: a plan notes it, and a later count says copies ran since (and may have sent its blobs). */
  finished(): number;
  cancel(id: string): boolean;
  list(): CopyJobView[];
  /** Forgets finished jobs (one, or all of them); answers how many. */
  clear(id?: string): number;
  /** Resolves when the job has ended (for tests and the CLI). */
  settled(id: string): Promise<CopyJobView>;
}

/** Resolves when `before` has settled, or rejects as cancelled when the signal fires first. */
function waitTurn(before: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new RegistryError('cancelled', 'the copy was cancelled; nothing was tagged', {}));
  return new Promise((resolve, reject) => {
    const abort = (): void => reject(new RegistryError('cancelled', 'the copy was cancelled; nothing was tagged', {}));
    signal.addEventListener('abort', abort, { once: true });
    void before.then(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    });
  });
}

export function createCopyJobs(client: RegistryClient, emit: (job: CopyJobView) => void): CopyJobs {
  const jobs = new Map<string, { view: CopyJobView; controller: AbortController; done: Promise<CopyJobView> }>();
  /** Per destination repository: the last job queued into it. */
  const lanes = new Map<string, { id: string; done: Promise<unknown> }>();
  let finished = 0;

  const prune = (): void => {
    const finished = [...jobs.values()].filter((j) => j.view.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) jobs.delete(job.view.id);
  };

  return {
    start(request, asked, options = {}) {
      // Refused at once, never queued: a copy onto itself changes nothing.
      refuseCopyOntoItself(request.source, request.destination);
      const id = randomUUID();
      const controller = new AbortController();
      const lane = formatReference(request.destination);
      const ahead = lanes.get(lane);
      const view: CopyJobView = {
        id, source: formatReference(request.source, request.source.reference), destination: formatReference(request.destination, request.destination.tag),
        request: asked, state: 'running', version: 0, startedAt: new Date().toISOString(), ...(ahead ? { waitingFor: ahead.id } : {}),
      };
      const update = (patch: Partial<CopyJobView>): void => {
        Object.assign(view, patch);
        view.version++;
        emit(structuredClone(view));
      };
      const done = (async () => {
        try {
          if (ahead) {
            await waitTurn(ahead.done, controller.signal);
            delete view.waitingFor;
            update({});
          }
          let plan: CopyPlan;
          if (options.reviewed) {
            const blobsMayHaveArrived = ahead !== undefined || finished !== options.reviewed.copiesFinished;
            const rechecked = await recheckPlan(client, options.reviewed.plan, { signal: controller.signal, blobsMayHaveArrived });
            plan = rechecked.plan;
            update({ plan: plan.summary, ...(rechecked.changes.length ? { changedSincePlan: rechecked.changes } : {}) });
          } else {
            plan = await planCopy(client, { ...request, signal: controller.signal });
            update({ plan: plan.summary });
          }
          const result = await executeCopy(client, plan, {
            signal: controller.signal,
            // Not `concurrency: options.concurrency`: a 0 or absent setting must fall to the engine's default.
            ...(options.concurrency ? { concurrency: options.concurrency } : {}),
            onProgress: (progress) => update({ progress }),
          });
          update({ state: 'done', result });
        } catch (err) {
          const error = isRegistryError(err) ? err : new RegistryError('internal', 'the copy failed unexpectedly', {});
          delete view.waitingFor;
          update({ state: error.code === 'cancelled' ? 'cancelled' : 'failed', error: error.toWire() });
        }
        finished++;
        prune();
        return structuredClone(view);
      })();
      jobs.set(id, { view, controller, done });
      const settledLane = done.then(() => {
        if (lanes.get(lane)?.done === settledLane) lanes.delete(lane);
      });
      lanes.set(lane, { id, done: settledLane });
      emit(structuredClone(view));
      return id;
    },
    cancel(id) {
      const job = jobs.get(id);
      if (!job || job.view.state !== 'running') return false;
      job.controller.abort();
      return true;
    },
    finished: () => finished,
    list: () => [...jobs.values()].map((j) => structuredClone(j.view)),
    clear(id) {
      let cleared = 0;
      for (const [key, job] of jobs) {
        if (job.view.state === 'running' || (id !== undefined && key !== id)) continue;
        jobs.delete(key);
        cleared++;
      }
      return cleared;
    },
    settled(id) {
      const job = jobs.get(id);
      if (!job) return Promise.reject(new RegistryError('not_found', `no copy job ${id.slice(0, 40)}`, {}));
      return job.done;
    },
  };
}

/**
 * Copies as jobs with ids: start returns at once, progress and the result
 * arrive as `copy.updated` events, cancel is keyed by id. Finished jobs are
 * kept (bounded) so the UI can show results and offer a retry.
 */
import { randomUUID } from 'node:crypto';
import type { CopyJobView } from '../../shared/contract';
import { RegistryError, isRegistryError } from '../../shared/errors';
import type { RegistryClient } from '../registry/client';
import { executeCopy } from '../registry/copy/copy';
import { planCopy, type CopyRequest } from '../registry/copy/plan';

const KEEP_FINISHED = 50;

export interface CopyJobs {
  start(request: CopyRequest, asked: CopyJobView['request'], options?: { concurrency?: number }): string;
  cancel(id: string): boolean;
  list(): CopyJobView[];
  /** Resolves when the job has ended (for tests and the CLI). */
  settled(id: string): Promise<CopyJobView>;
}

function describe(r: { registry: string; repository: string }, ref?: string): string {
  return `${r.registry}/${r.repository}${ref ? (ref.startsWith('sha256:') || ref.startsWith('sha512:') ? `@${ref}` : `:${ref}`) : ''}`;
}

export function createCopyJobs(client: RegistryClient, emit: (job: CopyJobView) => void): CopyJobs {
  const jobs = new Map<string, { view: CopyJobView; controller: AbortController; done: Promise<CopyJobView> }>();

  const prune = (): void => {
    const finished = [...jobs.values()].filter((j) => j.view.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) jobs.delete(job.view.id);
  };

  return {
    start(request, asked, options = {}) {
      const id = randomUUID();
      const controller = new AbortController();
      const view: CopyJobView = { id, source: describe(request.source, request.source.reference), destination: describe(request.destination, request.destination.tag), request: asked, state: 'running' };
      const update = (patch: Partial<CopyJobView>): void => {
        Object.assign(view, patch);
        emit(structuredClone(view));
      };
      const done = (async () => {
        try {
          const plan = await planCopy(client, { ...request, signal: controller.signal });
          update({ plan: plan.summary });
          const result = await executeCopy(client, plan, {
            signal: controller.signal,
            ...(options.concurrency ? { concurrency: options.concurrency } : {}),
            onProgress: (progress) => update({ progress }),
          });
          update({ state: 'done', result });
        } catch (err) {
          const error = isRegistryError(err) ? err : new RegistryError('internal', 'the copy failed unexpectedly', {});
          update({ state: error.code === 'cancelled' ? 'cancelled' : 'failed', error: error.toWire() });
        }
        prune();
        return structuredClone(view);
      })();
      jobs.set(id, { view, controller, done });
      emit(structuredClone(view));
      return id;
    },
    cancel(id) {
      const job = jobs.get(id);
      if (!job || job.view.state !== 'running') return false;
      job.controller.abort();
      return true;
    },
    list: () => [...jobs.values()].map((j) => structuredClone(j.view)),
    settled(id) {
      const job = jobs.get(id);
      if (!job) return Promise.reject(new RegistryError('not_found', `no copy job ${id.slice(0, 40)}`, {}));
      return job.done;
    },
  };
}

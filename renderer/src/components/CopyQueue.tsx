import { useQueryClient } from '@tanstack/react-query';
import type { CopyJobView } from '../../../shared/contract';
import { displayDigest, humanBytes } from '../../../shared/format';
import { formatPlatform } from '../../../shared/platform';
import { useAction, useCall } from '../api';
import type { OpenImage } from './WatchForm';

function Bar({ done, total }: { done: number; total: number }) {
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 100;
  return <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}><div style={{ width: `${pct}%` }} /></div>;
}

/**
 * `Staging / team/app : 1.0`: the registry by its display name, then the path and the tag as
 * separate words, so a narrow card wraps between them and never inside one.
 */
function Route({ registry, repository, reference }: { registry: string; repository: string; reference?: string | undefined }) {
  const parts = repository.split('/');
  const at = reference?.includes(':') ? '@' : ':';
  return (
    <span className="route">
      <span className="word registry-word" title={registry}>{registry}</span>
      {parts.map((p, i) => <span key={i} className="word" title={p}>{i === 0 ? ' ' : '/'}{p}</span>)}
      {reference && <span className="word" title={reference}>{at}{reference.includes(':') ? displayDigest(reference) : reference}</span>}
    </span>
  );
}

/** Which platforms the job copies, as its plan (or, before it, its request) says. */
function platformsOf(job: CopyJobView): string {
  const planned = job.result?.platforms ?? job.plan?.platforms;
  if (planned?.length) return planned.map(formatPlatform).join(', ');
  if (job.plan) return 'single-platform image';
  return job.request.platforms && job.request.platforms !== 'all' ? job.request.platforms.join(', ') : 'all platforms';
}

/** What the job is doing, from its latest event: never a bar or a count that the job is not living. */
function statusOf(job: CopyJobView): string {
  const p = job.progress;
  if (job.state === 'running') {
    if (job.waitingFor) return 'waiting: the copy before it goes to the same repository first (what they share crosses once)';
    if (!job.plan) return 'planning…';
    if (!p || p.phase === 'checking') return 'starting…';
    if (p.phase === 'manifests' || p.phase === 'done') return 'blobs are there; pushing manifests and the tag…';
    const present = p.blobs.filter((b) => b.state === 'exists' || b.state === 'mounted').length;
    if (p.totalBytes === 0) {
      return present === p.blobs.length ? `nothing to transfer: all ${present} blobs already there` : `nothing to upload: ${present} of ${p.blobs.length} blobs there, mounting the others…`;
    }
    return `${humanBytes(p.doneBytes)} of ${humanBytes(p.totalBytes)} · ${humanBytes(p.rate)}/s${p.etaSeconds !== undefined ? ` · ${p.etaSeconds} s left` : ''}`;
  }
  if (job.state === 'done' && job.result) {
    const r = job.result;
    return `done in ${r.seconds} s: ${r.blobs} blobs, ${humanBytes(r.bytesTransferred)} transferred, ${r.mounted} mounted, ${r.skipped} already there`;
  }
  if (job.state === 'cancelled') return 'cancelled: nothing was tagged';
  return '';
}

const sameRequest = (a: CopyJobView, b: CopyJobView): boolean => JSON.stringify(a.request) === JSON.stringify(b.request);

/**
 * Retry is offered on a failed or cancelled copy, unless a later job asked the same copy and is running
 * or has succeeded, or the copy was refused because its destination tag moved: retrying that blindly
 * would replace an image nobody reviewed (the copy is planned again from the image instead).
 */
function offersRetry(job: CopyJobView, jobs: CopyJobView[]): boolean {
  if ((job.state !== 'failed' && job.state !== 'cancelled') || job.error?.code === 'conflict') return false;
  return !jobs.some((other) => other.id !== job.id && other.startedAt >= job.startedAt && (other.state === 'running' || other.state === 'done') && sameRequest(other, job));
}

/** Copies, newest first: each card says its route by display names, the platforms, and what it does now. */
export function CopyQueue({ jobs, onOpen }: { jobs: CopyJobView[]; onOpen: (image: OpenImage) => void }) {
  const client = useQueryClient();
  const registries = useCall('registries.list', {});
  const cancel = useAction('copy.cancel');
  const retry = useAction('copy.start', ['copy.list']);
  const clear = useAction('copy.clear', ['copy.list']);
  if (!jobs.length) return null;
  const nameOf = (host: string): string => registries.data?.find((r) => r.host === host)?.name ?? host;
  const finished = jobs.filter((j) => j.state !== 'running').length;
  return (
    <section className="queue" aria-label="Copies">
      <div className="sidebar-header">
        <h2>Copies</h2>
        {finished > 0 && <button className="small" onClick={() => clear.mutate({})}>Clear finished</button>}
      </div>
      {jobs.map((job) => {
        const p = job.progress;
        const { source, destination } = job.request;
        const open = job.state === 'done' && destination.tag ? { registry: destination.registry, repository: destination.repository, tag: destination.tag } : undefined;
        return (
          <div key={job.id} className={`job ${job.state}`} data-job-state={job.state} data-job={job.id}>
            <div className="job-title">
              <span className="job-route" aria-label="Route">
                <Route registry={nameOf(source.registry)} repository={source.repository} reference={source.reference} />
                <span className="route"><span className="word">→&nbsp;</span><Route registry={nameOf(destination.registry)} repository={destination.repository} reference={destination.tag ?? job.result?.digest} /></span>
              </span>
              {job.state === 'running' && <button className="icon" aria-label="Cancel copy" onClick={() => cancel.mutate({ id: job.id })}>✕</button>}
              {job.state !== 'running' && <button className="icon" aria-label="Clear this copy" title="Clear" onClick={() => clear.mutate({ id: job.id })}>✕</button>}
            </div>
            <div className="job-platforms">{platformsOf(job)}</div>
            {job.changedSincePlan?.map((c) => <div key={c} className="warning job-changed">{c}</div>)}
            {job.state === 'running' && p && p.phase === 'blobs' && p.totalBytes > 0 && <Bar done={p.doneBytes} total={p.totalBytes} />}
            {job.state === 'done' && <Bar done={1} total={1} />}
            <div className="job-status">
              {statusOf(job)}
              {job.state === 'done' && job.result?.warnings?.map((w) => <div key={w} className="warning">{w}</div>)}
              {job.state === 'failed' && <span className="error-message">{job.error?.message}</span>}
            </div>
            {(open || offersRetry(job, jobs)) && (
              <div className="job-actions">
                {offersRetry(job, jobs) && <button className="small" onClick={() => retry.mutate(job.request)}>Retry</button>}
                {open && (
                  <button className="small" onClick={() => {
                    // The copy wrote the tag: what the destination's lists said before is stale.
                    void client.invalidateQueries({ queryKey: ['tags.list'] });
                    void client.invalidateQueries({ queryKey: ['image.get'] });
                    onOpen(open);
                  }}>Open in destination</button>
                )}
              </div>
            )}
            {job.state === 'running' && p && p.phase === 'blobs' && (
              <details>
                <summary>{p.blobs.length} blobs</summary>
                {p.blobs.map((b) => (
                  <div key={b.digest} className="blob"><code>{displayDigest(b.digest)}</code> <Bar done={b.done} total={b.size} /> <span>{b.state}</span></div>
                ))}
              </details>
            )}
          </div>
        );
      })}
    </section>
  );
}

import type { CopyJobView } from '../../../shared/contract';
import { displayDigest, humanBytes } from '../../../shared/format';
import { useAction } from '../api';

function Bar({ done, total }: { done: number; total: number }) {
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 100;
  return <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}><div style={{ width: `${pct}%` }} /></div>;
}

export function CopyQueue({ jobs }: { jobs: CopyJobView[] }) {
  const cancel = useAction('copy.cancel');
  const retry = useAction('copy.start', ['copy.list']);
  if (!jobs.length) return null;
  return (
    <section className="queue" aria-label="Copies">
      <h2>Copies</h2>
      {jobs.map((job) => {
        const p = job.progress;
        return (
          <div key={job.id} className={`job ${job.state}`} data-job-state={job.state}>
            <div className="job-title">
              <span className="job-route"><span>{job.source}</span><span>→ {job.destination}</span></span>
              {job.state === 'running' && <button className="icon" aria-label="Cancel copy" onClick={() => cancel.mutate({ id: job.id })}>✕</button>}
              {(job.state === 'failed' || job.state === 'cancelled') && <button className="small" onClick={() => retry.mutate(job.request)}>Retry</button>}
            </div>
            {p && <Bar done={p.doneBytes} total={p.totalBytes} />}
            <div className="job-status">
              {job.state === 'running' && p && `${humanBytes(p.doneBytes)} of ${humanBytes(p.totalBytes)} · ${humanBytes(p.rate)}/s${p.etaSeconds !== undefined ? ` · ${p.etaSeconds} s left` : ''}`}
              {job.state === 'running' && !p && 'planning…'}
              {job.state === 'done' && job.result && `done: ${job.result.blobs} blobs, ${humanBytes(job.result.bytesTransferred)} transferred, ${job.result.mounted} mounted, ${job.result.skipped} present in ${job.result.seconds} s`}
              {job.state === 'done' && job.result?.warnings?.map((w) => <div key={w} className="warning">{w}</div>)}
              {job.state === 'failed' && <span className="error-message">{job.error?.message}</span>}
              {job.state === 'cancelled' && 'cancelled: nothing was tagged'}
            </div>
            {job.state === 'running' && p && (
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

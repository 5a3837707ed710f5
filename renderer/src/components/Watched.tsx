import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { WatchView } from '../../../shared/contract';
import { displayDigest } from '../../../shared/format';
import { api, useAction, useCall } from '../api';
import { ErrorView } from './ErrorView';

export interface OpenImage {
  registry: string;
  repository: string;
  tag: string;
}

export function status(w: WatchView): string {
  if (w.error) return w.error;
  if (w.snoozedUntil) return `snoozed until ${new Date(w.snoozedUntil).toLocaleString()}`;
  if (!w.update) return w.lastCheckAt ? 'up to date' : 'not checked yet';
  const parts: string[] = [];
  if (w.update.digestChanged && w.update.remoteDigest) parts.push(`new digest ${displayDigest(w.update.remoteDigest)}`);
  if (w.update.newerVersions.length) parts.push(`newer: ${w.update.newerVersions.slice(-3).join(', ')}`);
  return parts.join(' · ');
}

/** Watched images with update badges: open, dismiss (acknowledge), remove, check now. */
export function Watched({ onOpen }: { onOpen: (image: OpenImage) => void }) {
  const client = useQueryClient();
  const watched = useCall('watch.list', {}, { staleTime: Infinity });
  const check = useAction('updates.check', ['watch.list']);
  const dismiss = useAction('watch.dismiss', ['watch.list']);
  const remove = useAction('watch.remove', ['watch.list']);
  const snooze = useAction('watch.snooze', ['watch.list']);
  useEffect(
    () =>
      api.on('updates.changed', (views) => {
        client.setQueryData(['watch.list', {}], views);
        // A check may have found that tags moved: what is on screen must not stay stale.
        void client.invalidateQueries({ queryKey: ['image.get'] });
        void client.invalidateQueries({ queryKey: ['tags.list'] });
      }),
    [client],
  );
  const list = watched.data ?? [];
  const pending = list.filter((w) => w.update).length;
  return (
    <section className="watched" aria-label="Watched images">
      <div className="sidebar-header">
        <h2>Watched {pending > 0 && <span className="badge" aria-label={`${pending} updates`}>{pending}</span>}</h2>
        <button className="small" onClick={() => check.mutate({})} disabled={check.isPending || !list.length}>{check.isPending ? 'Checking…' : 'Check now'}</button>
      </div>
      {check.error && <ErrorView error={check.error} />}
      {!list.length && <div className="muted empty">Star an image to be told when it changes.</div>}
      <ul className="watch-list">
        {list.map((w) => (
          <li key={w.id} className={`watch ${w.update ? 'has-update' : ''}`} data-watch={w.image}>
            <button className="watch-open" onClick={() => w.tag && onOpen({ registry: w.registry, repository: w.repository, tag: w.tag })}>
              {w.update && <span className="dot" aria-hidden="true" />}
              <span className="watch-name">{w.image}{w.platform ? ` (${w.platform})` : ''}</span>
              <span className={`watch-status ${w.error ? 'error-message' : ''}`}>{status(w)}</span>
            </button>
            <div className="watch-actions">
              {w.update && <button className="small" onClick={() => dismiss.mutate({ id: w.id })}>Dismiss</button>}
              {w.update && <button className="small" onClick={() => snooze.mutate({ id: w.id, hours: 24 })}>Snooze 1 day</button>}
              <button className="small" aria-label={`Stop watching ${w.image}`} onClick={() => remove.mutate({ id: w.id })}>Unwatch</button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { WatchView } from '../../../shared/contract';
import { displayDigest } from '../../../shared/format';
import { api, useAction, useCall } from '../api';
import { ErrorView } from './ErrorView';
import { Popover, ruleSummary, WatchForm, type OpenImage } from './WatchForm';

export type { OpenImage };

export function status(w: WatchView): string {
  if (w.error) return w.error;
  if (w.snoozedUntil) return `snoozed until ${new Date(w.snoozedUntil).toLocaleString()}`;
  if (!w.update) return w.lastCheckAt ? 'up to date' : 'not checked yet';
  const parts: string[] = [];
  if (w.update.digestChanged && w.update.remoteDigest) parts.push(`new digest ${displayDigest(w.update.remoteDigest)}`);
  if (w.update.newerVersions.length) parts.push(`newer: ${w.update.newerVersions.slice(-3).join(', ')}`);
  return parts.join(' · ');
}

function WatchItem({ w, onOpen }: { w: WatchView; onOpen: (image: OpenImage) => void }) {
  const [editing, setEditing] = useState(false);
  const dismiss = useAction('watch.dismiss', ['watch.list']);
  const snooze = useAction('watch.snooze', ['watch.list']);
  const remove = useAction('watch.remove', ['watch.list']);
  const error = dismiss.error ?? snooze.error ?? remove.error;
  return (
    <li className={`watch ${w.update ? 'has-update' : ''}`} data-watch={w.image}>
      <button className="watch-open" disabled={!w.tag} title={`Open ${w.image}`} onClick={() => w.tag && onOpen({ registry: w.registry, repository: w.repository, tag: w.tag })}>
        <span className={w.update ? 'dot' : 'dot none'} aria-hidden="true" />
        <span className="watch-name">{w.repository}{w.tag ? `:${w.tag}` : ''}</span>
        <span className="watch-registry">{w.registry} · {ruleSummary(w.rule, w.platform)}</span>
        <span className={`watch-status ${w.error ? 'error-message' : ''}`}>{status(w)}</span>
      </button>
      {editing && w.tag ? (
        <Popover label={`Watch settings for ${w.image}`} onClose={() => setEditing(false)} inline>
          <WatchForm image={{ registry: w.registry, repository: w.repository, tag: w.tag }} existing={w} onDone={() => setEditing(false)} />
        </Popover>
      ) : (
        <div className="watch-actions">
          {w.update && <button className="small" onClick={() => dismiss.mutate({ id: w.id })} title="Take what changed as the new state">Dismiss</button>}
          {w.update && <button className="small" onClick={() => snooze.mutate({ id: w.id, hours: 24 })} title="Hide this update for a day">Snooze</button>}
          {w.tag && <button className="small" aria-label={`Edit watch of ${w.image}`} onClick={() => setEditing(true)}>Edit</button>}
          <button className="small" aria-label={`Stop watching ${w.image}`} onClick={() => remove.mutate({ id: w.id })}>Unwatch</button>
        </div>
      )}
      {error && <ErrorView error={error} />}
    </li>
  );
}

/** Watched images with update badges: open, dismiss (acknowledge), snooze, edit the rule, remove, check now. */
export function Watched({ onOpen }: { onOpen: (image: OpenImage) => void }) {
  const client = useQueryClient();
  const watched = useCall('watch.list', {}, { staleTime: Infinity });
  const check = useAction('updates.check', ['watch.list']);
  useEffect(
    () =>
      api.on('updates.changed', (views) => {
        client.setQueryData(['watch.list', {}], views);
        // A check that found tags moved: what is on screen must not stay stale. One that found
        // nothing (or had nothing to check) leaves the lists alone rather than asking the registry again.
        if (!views.some((v) => v.update)) return;
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
      {watched.error && <ErrorView error={watched.error} onRetry={() => void watched.refetch()} />}
      {watched.isSuccess && !list.length && <div className="muted empty">Star an image (☆ Watch) to be told when it changes.</div>}
      <ul className="watch-list">
        {list.map((w) => <WatchItem key={w.id} w={w} onOpen={onOpen} />)}
      </ul>
    </section>
  );
}

import { useRef, useState } from 'react';
import type { CopyPlanSummary } from '../../../shared/copy';
import { formatPlatformRef, humanBytes } from '../../../shared/format';
import { useAction, useCall } from '../api';
import { useDialogFocus } from '../keyboard';
import { failuresShown } from '../shown-failures';
import { ErrorView } from './ErrorView';
import type { DraggedImage } from './Sidebar';

export interface CopyDraft {
  image: DraggedImage;
  targetRegistry: string;
}

/** Destination, platforms, then the plan, then Start: nothing is written before Start. */
export function CopyDialog({ draft, onClose, onStarted }: { draft: CopyDraft; onClose: () => void; onStarted: (ids: string[]) => void }) {
  const registries = useCall('registries.list', {});
  const [registry, setRegistry] = useState(draft.targetRegistry);
  const [repository, setRepository] = useState(draft.image.repository);
  const single = draft.image.tags.length === 1 ? draft.image.tags[0]! : undefined;
  const [tag, setTag] = useState(single ?? '');
  const source = useCall('image.get', single ? { registry: draft.image.registry, repository: draft.image.repository, reference: single } : undefined);
  const [chosen, setChosen] = useState<Set<string> | 'all'>('all');
  const [plan, setPlan] = useState<CopyPlanSummary | undefined>();
  const planner = useAction('copy.plan');
  const starter = useAction('copy.start', ['copy.list']);
  const request = (sourceTag: string, destTag: string) => ({
    source: { registry: draft.image.registry, repository: draft.image.repository, reference: sourceTag },
    destination: { registry, repository, tag: destTag },
    platforms: chosen === 'all' ? ('all' as const) : [...chosen],
  });
  const tags = single ? [[single, tag || single]] : draft.image.tags.map((t) => [t, t]);
  const platforms = source.data?.platforms ?? [];
  const ref = useRef<HTMLDivElement | null>(null);
  // Escape closes it, Tab stays inside, focus returns to where the copy started.
  useDialogFocus(ref, onClose);

  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <div ref={ref} className="dialog" role="dialog" aria-modal="true" aria-label="Copy image" onClick={(e) => e.stopPropagation()}>
        <h2>Copy {draft.image.repository}:{draft.image.tags.join(', ')}</h2>
        <label>Registry
          <select value={registry} onChange={(e) => { setRegistry(e.target.value); setPlan(undefined); }}>
            {(registries.data ?? []).map((r) => <option key={r.host} value={r.host}>{r.name}</option>)}
          </select>
        </label>
        <label>Repository <input aria-label="Destination repository" data-autofocus value={repository} onChange={(e) => { setRepository(e.target.value); setPlan(undefined); }} /></label>
        {single && <label>Tag <input aria-label="Destination tag" value={tag} onChange={(e) => { setTag(e.target.value); setPlan(undefined); }} /></label>}
        {platforms.length > 0 && (
          <fieldset className="platform-choice">
            <legend>Platforms</legend>
            <label className="checkbox"><input type="radio" checked={chosen === 'all'} onChange={() => { setChosen('all'); setPlan(undefined); }} /> all (the index as it is)</label>
            {platforms.map((p) => {
              const name = formatPlatformRef(p);
              return (
                <label key={name} className="checkbox">
                  <input type="checkbox" checked={chosen !== 'all' && chosen.has(name)} onChange={(e) => {
                    const next = new Set(chosen === 'all' ? [] : chosen);
                    if (e.target.checked) next.add(name); else next.delete(name);
                    setChosen(next.size ? next : 'all');
                    setPlan(undefined);
                  }} /> {name}
                </label>
              );
            })}
          </fieldset>
        )}
        {plan && (
          <div className="plan" aria-label="Copy plan">
            <div>{plan.blobs.filter((b) => b.action === 'upload').length} blobs to transfer ({humanBytes(plan.bytesToTransfer)})</div>
            <div>{plan.blobs.filter((b) => b.action === 'mount').length} to mount, {plan.blobs.filter((b) => b.action === 'exists').length} already there</div>
            <div className="muted">digest {plan.digest}</div>
          </div>
        )}
        {(planner.error || starter.error) && <ErrorView error={planner.error ?? starter.error} />}
        <div className="dialog-actions">
          <button onClick={onClose}>Cancel</button>
          {!plan && single && <button onClick={failuresShown(async () => setPlan(await planner.mutateAsync(request(single, tag || single))))} disabled={planner.isPending}>{planner.isPending ? 'Planning…' : 'Plan'}</button>}
          <button className="primary" disabled={starter.isPending || (!!single && !plan)} onClick={failuresShown(async () => {
            const ids: string[] = [];
            for (const [from, to] of tags) ids.push((await starter.mutateAsync(request(from!, to!))).id);
            onStarted(ids);
          })}>Start</button>
        </div>
      </div>
    </div>
  );
}

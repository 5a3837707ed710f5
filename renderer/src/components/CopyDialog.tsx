import { useRef, useState } from 'react';
import type { RequestOf } from '../../../shared/contract';
import type { CopyPlanSummary, PlannedCopy } from '../../../shared/copy';
import { displayDigest, humanBytes } from '../../../shared/format';
import { formatPlatform } from '../../../shared/platform';
import { useAction, useCall } from '../api';
import { useDialogFocus } from '../keyboard';
import { failuresShown } from '../shown-failures';
import { ErrorView } from './ErrorView';
import type { DraggedImage } from './Sidebar';

export interface CopyDraft {
  image: DraggedImage;
  targetRegistry: string;
}

/** What the plans of every tag add up to: a blob that several tags share crosses once. */
function totals(plans: CopyPlanSummary[]) {
  const blobs = new Map<string, CopyPlanSummary['blobs'][number]>();
  for (const plan of plans) for (const b of plan.blobs) if (!blobs.has(b.digest)) blobs.set(b.digest, b);
  const list = [...blobs.values()];
  const of = (action: string) => list.filter((b) => b.action === action);
  return { upload: of('upload'), mount: of('mount'), exists: of('exists'), bytes: of('upload').reduce((s, b) => s + b.size, 0) };
}

/**
 * Destination, platforms, then the plan of every tag, then Start: nothing is written before Start.
 * The source's own registry is never preselected, a copy onto itself is refused with the reason,
 * and a tag that would be moved off another image needs its own confirmation.
 */
export function CopyDialog({ draft, onClose, onStarted }: { draft: CopyDraft; onClose: () => void; onStarted: (ids: string[]) => void }) {
  const registries = useCall('registries.list', {});
  // Dropped on (or started from) the source's own registry: the user picks the destination.
  const [registry, setRegistry] = useState(draft.targetRegistry === draft.image.registry ? '' : draft.targetRegistry);
  const [repository, setRepository] = useState(draft.image.repository);
  const single = draft.image.tags.length === 1 ? draft.image.tags[0]! : undefined;
  const [tag, setTag] = useState(single ?? '');
  const source = useCall('image.get', single ? { registry: draft.image.registry, repository: draft.image.repository, reference: single } : undefined);
  const [chosen, setChosen] = useState<Set<string> | 'all'>('all');
  const [plans, setPlans] = useState<PlannedCopy[] | undefined>();
  const [replaceConfirmed, setReplaceConfirmed] = useState(false);
  const planner = useAction('copy.plan');
  const starter = useAction('copy.start', ['copy.list']);
  const changed = () => { setPlans(undefined); setReplaceConfirmed(false); };
  const request = (sourceTag: string, destTag: string): RequestOf<'copy.start'> => ({
    source: { registry: draft.image.registry, repository: draft.image.repository, reference: sourceTag },
    destination: { registry, repository: repository.trim(), tag: destTag },
    platforms: chosen === 'all' ? ('all' as const) : [...chosen],
  });
  const tags: Array<[string, string]> = single ? [[single, tag.trim() || single]] : draft.image.tags.map((t) => [t, t]);
  // Several tags of one repository are copied with their own names only: platforms apply to the first one's index.
  const platforms = single ? source.data?.platforms ?? [] : [];
  const ontoItself = registry === draft.image.registry && repository.trim() === draft.image.repository && tags.some(([from, to]) => from === to);
  const replacing = (plans ?? []).filter((p) => p.replaces);
  const sum = plans ? totals(plans) : undefined;
  const ref = useRef<HTMLDivElement | null>(null);
  // Escape closes it, Tab stays inside, focus returns to where the copy started.
  useDialogFocus(ref, onClose);

  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <div ref={ref} className="dialog" role="dialog" aria-modal="true" aria-label="Copy image" onClick={(e) => e.stopPropagation()}>
        <h2>Copy {draft.image.repository}:{draft.image.tags.join(', ')}</h2>
        <label>Registry
          <select aria-label="Destination registry" value={registry} onChange={(e) => { setRegistry(e.target.value); changed(); }}>
            {!registry && <option value="">Pick the destination registry</option>}
            {(registries.data ?? []).map((r) => <option key={r.host} value={r.host}>{r.name}{r.host === draft.image.registry ? ' (the source)' : ''}</option>)}
          </select>
        </label>
        <label>Repository <input aria-label="Destination repository" data-autofocus value={repository} onChange={(e) => { setRepository(e.target.value); changed(); }} /></label>
        {single && <label>Tag <input aria-label="Destination tag" value={tag} onChange={(e) => { setTag(e.target.value); changed(); }} /></label>}
        {platforms.length > 0 && (
          <fieldset className="platform-choice">
            <legend>Platforms</legend>
            <label className="checkbox"><input type="radio" checked={chosen === 'all'} onChange={() => { setChosen('all'); changed(); }} /> all (the index as it is)</label>
            {platforms.map((p) => {
              const name = formatPlatform(p);
              return (
                <label key={name} className="checkbox">
                  <input type="checkbox" checked={chosen !== 'all' && chosen.has(name)} onChange={(e) => {
                    const next = new Set(chosen === 'all' ? [] : chosen);
                    if (e.target.checked) next.add(name); else next.delete(name);
                    setChosen(next.size ? next : 'all');
                    changed();
                  }} /> {name}
                </label>
              );
            })}
          </fieldset>
        )}
        {ontoItself && (
          <div className="refusal" role="alert">
            {single ? `${repository.trim()}:${tags[0]![1]}` : repository.trim()} on this registry is the source itself: a copy onto itself changes nothing. Pick another registry, repository or tag.
          </div>
        )}
        {plans && sum && (
          <div className="plan" aria-label="Copy plan">
            <div>{sum.upload.length} blobs to transfer ({humanBytes(sum.bytes)}){plans.length > 1 ? `, once for all ${plans.length} tags` : ''}</div>
            <div>{sum.mount.length} to mount, {sum.exists.length} already there</div>
            {plans.length === 1 && <div className="muted">digest {plans[0]!.digest}</div>}
          </div>
        )}
        {replacing.length > 0 && (
          <div className="overwrite" role="group" aria-label="Replaces existing tags">
            {replacing.map((p) => (
              <div key={p.replaces!.tag}>
                <strong>{p.replaces!.tag}</strong> already holds another image at the destination: <code>{displayDigest(p.replaces!.digest)}</code> will be replaced by <code>{displayDigest(p.digest)}</code>.
              </div>
            ))}
            <label className="checkbox"><input type="checkbox" checked={replaceConfirmed} onChange={(e) => setReplaceConfirmed(e.target.checked)} /> Replace {replacing.length > 1 ? `these ${replacing.length} tags` : 'it'}</label>
          </div>
        )}
        {(planner.error || starter.error) && <ErrorView error={planner.error ?? starter.error} />}
        <div className="dialog-actions">
          <button onClick={onClose}>Cancel</button>
          {!plans && (
            <button disabled={planner.isPending || !registry || !repository.trim() || ontoItself}
              onClick={failuresShown(async () => {
                starter.reset();
                const planned: PlannedCopy[] = [];
                for (const [from, to] of tags) planned.push(await planner.mutateAsync(request(from, to)));
                setPlans(planned);
              })}>{planner.isPending ? 'Planning…' : 'Plan'}</button>
          )}
          <button className="primary" disabled={starter.isPending || !plans || ontoItself || (replacing.length > 0 && !replaceConfirmed)} onClick={failuresShown(async () => {
            // Each tag runs the plan shown above, not a new one.
            const ids: string[] = [];
            try {
              for (const [i, [from, to]] of tags.entries()) ids.push((await starter.mutateAsync({ ...request(from, to), planId: plans![i]!.planId })).id);
            } catch (err) {
              // A plan no longer kept, or a tag that moved since: what was shown is stale, so it goes and Plan
              // comes back (a tag already started is simply found present when planned again).
              changed();
              throw err;
            }
            onStarted(ids);
          })}>Start</button>
        </div>
      </div>
    </div>
  );
}

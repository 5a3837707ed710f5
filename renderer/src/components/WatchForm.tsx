import { useRef, useState, type ReactNode } from 'react';
import type { WatchView } from '../../../shared/contract';
import { formatReference } from '../../../shared/names';
import { formatPlatform } from '../../../shared/platform';
import { parseTagVersion } from '../../../shared/versions';
import { useAction, useCall } from '../api';
import { useDialogFocus } from '../keyboard';
import { failuresShown } from '../shown-failures';
import { ErrorView } from './ErrorView';

export type WatchRule = WatchView['rule'];

export interface OpenImage {
  registry: string;
  repository: string;
  tag: string;
}

const RULES: Array<{ rule: WatchRule; label: string; hint: string; versions: boolean }> = [
  { rule: 'digest', label: 'New digests of this tag', hint: 'the tag is pushed again', versions: false },
  { rule: 'version', label: 'Newer versions', hint: 'a higher version tag appears', versions: true },
  { rule: 'both', label: 'Both', hint: 'either of them', versions: true },
];

/** What a watch reports, in a few words: `digest and versions · linux/arm64`. */
export function ruleSummary(rule: WatchRule, platform: string | null): string {
  const what = rule === 'digest' ? 'new digests' : rule === 'version' ? 'newer versions' : 'digests and versions';
  return platform ? `${what} · ${platform}` : what;
}

/** A dialog that is not modal: Escape or a click outside closes it, focus goes back to what opened it. */
export function Popover({ label, onClose, children, inline = false }: { label: string; onClose: () => void; children: ReactNode; inline?: boolean }) {
  const ref = useRef<HTMLDivElement | null>(null);
  useDialogFocus(ref, onClose, { closeOnOutsideClick: !inline });
  return <div ref={ref} className={`popover ${inline ? 'inline' : ''}`} role="dialog" aria-label={label}>{children}</div>;
}

/** The rule (digest, newer versions, both) and platform of a watch: a new one, or one to edit. */
export function WatchForm({ image, existing, onDone }: { image: OpenImage; existing?: WatchView | undefined; onDone: () => void }) {
  const versioned = parseTagVersion(image.tag) !== undefined;
  const [rule, setRule] = useState<WatchRule>(existing?.rule ?? (versioned ? 'both' : 'digest'));
  const [platform, setPlatform] = useState(existing?.platform ?? '');
  // The image view asked for this already: from the cache, usually.
  const info = useCall('image.get', { registry: image.registry, repository: image.repository, reference: image.tag });
  const platforms = (info.data?.platforms ?? []).map(formatPlatform);
  if (platform && !platforms.includes(platform)) platforms.unshift(platform);
  const add = useAction('watch.add', ['watch.list']);
  const update = useAction('watch.update', ['watch.list']);
  const remove = useAction('watch.remove', ['watch.list']);
  const busy = add.isPending || update.isPending || remove.isPending;
  const error = add.error ?? update.error ?? remove.error;

  return (
    <form
      className="watch-form"
      onSubmit={failuresShown(async (e) => {
        e.preventDefault();
        if (existing) await update.mutateAsync({ id: existing.id, rule, platform: platform || null });
        else await add.mutateAsync({ image: formatReference(image, image.tag), rule, ...(platform ? { platform } : {}) });
        onDone();
      })}
    >
      <fieldset>
        <legend>Tell me about</legend>
        {RULES.map((r) => (
          <label key={r.rule} className={`checkbox ${r.versions && !versioned ? 'disabled' : ''}`}>
            <input type="radio" name="watch-rule" value={r.rule} checked={rule === r.rule} disabled={r.versions && !versioned}
              onChange={() => setRule(r.rule)} {...(rule === r.rule ? { 'data-autofocus': true } : {})} />
            <span>{r.label} <span className="muted">({r.hint})</span></span>
          </label>
        ))}
        {!versioned && <div className="muted small-note">“{image.tag}” is not a version tag, so there are no newer versions to look for.</div>}
      </fieldset>
      {platforms.length > 0 && (
        <label className="stacked">Platform
          <select aria-label="Watched platform" value={platform} onChange={(e) => setPlatform(e.target.value)}>
            <option value="">All platforms (the index)</option>
            {platforms.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </label>
      )}
      {error && <ErrorView error={error} />}
      <div className="dialog-actions">
        {existing && (
          <button type="button" className="danger" disabled={busy} onClick={failuresShown(async () => { await remove.mutateAsync({ id: existing.id }); onDone(); })}>Unwatch</button>
        )}
        <span className="spacer" />
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Checking…' : existing ? 'Save' : 'Watch'}</button>
      </div>
    </form>
  );
}

/** The star: opens the rule and platform choice, for a new watch or the existing one. */
export function WatchButton({ image }: { image: OpenImage }) {
  const watched = useCall('watch.list', {}, { staleTime: Infinity });
  const existing = watched.data?.find((w) => w.registry === image.registry && w.repository === image.repository && w.tag === image.tag);
  const [open, setOpen] = useState(false);
  return (
    <div className="popover-anchor" data-popover-anchor>
      <button className={`star ${existing ? 'on' : ''}`} aria-haspopup="dialog" aria-expanded={open}
        title={existing ? `Watched: ${ruleSummary(existing.rule, existing.platform)}` : 'Watch this tag for new digests or newer versions'}
        onClick={() => setOpen(!open)}>
        {existing ? '★ Watched' : '☆ Watch'}
      </button>
      {open && (
        <Popover label="Watch settings" onClose={() => setOpen(false)}>
          <WatchForm image={image} existing={existing} onDone={() => setOpen(false)} />
        </Popover>
      )}
    </div>
  );
}

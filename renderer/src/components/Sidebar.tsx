import { useState, type DragEvent } from 'react';
import type { RegistryView } from '../../../shared/contract';
import { isRegistryError } from '../../../shared/errors';
import { useAction, useCall } from '../api';
import { moveInGroup } from '../keyboard';
import { ErrorView } from './ErrorView';
import { AddRegistry, EditRegistry, SignIn } from './RegistryForm';

export const DRAG_TYPE = 'application/x-regdesk-image';

export interface DraggedImage {
  registry: string;
  repository: string;
  tags: string[];
}

function RegistryRow({ registry, selected, focusable, onSelect, onDropImage, onRemoved }: {
  registry: RegistryView;
  onRemoved: () => void;
  selected: boolean;
  /** The one registry in the tab order; arrow keys reach the others. */
  focusable: boolean;
  onSelect: () => void;
  onDropImage: (image: DraggedImage) => void;
}) {
  const [over, setOver] = useState(false);
  const [editing, setEditing] = useState(false);
  // Connection status: the registry answers /v2/ (after signing in, when it asks).
  const ping = useCall('registries.ping', { host: registry.host }, { retry: false, staleTime: 60_000 });
  // A registry that answers but wants credentials is reachable: it needs a sign-in, not a network fix.
  const refused = isRegistryError(ping.error, 'authentication');
  const state = ping.isLoading ? 'checking' : refused ? 'locked' : ping.error ? 'unreachable' : 'ok';
  const accept = (e: DragEvent) => {
    if (e.dataTransfer.types.includes(DRAG_TYPE)) {
      e.preventDefault();
      setOver(true);
    }
  };
  const who = registry.credentials ? `signed in${registry.credentials.username ? ` as ${registry.credentials.username}` : ''}` : 'anonymous';
  return (
    <li
      className={`registry ${selected ? 'selected' : ''} ${over ? 'drop-target' : ''}`}
      data-registry={registry.host}
      onDragOver={accept}
      onDragEnter={accept}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        setOver(false);
        const data = e.dataTransfer.getData(DRAG_TYPE);
        if (data) onDropImage(JSON.parse(data) as DraggedImage);
      }}
    >
      <button className="registry-button" onClick={onSelect} aria-pressed={selected} tabIndex={focusable ? 0 : -1} data-roving>
        <span className="registry-name" title={registry.host}>
          <span className={`status ${state}`} title={ping.error ? (ping.error as Error).message : state} aria-label={`connection ${state}`} />{registry.name}
        </span>
        <span className="registry-meta">
          {registry.name !== registry.host && `${registry.host} · `}
          {state === 'unreachable' ? <span className="error-message">unreachable</span> : state === 'locked' ? <span className="warning">sign-in required</span> : who}
          {registry.rateLimit && ` · ${registry.rateLimit.remaining}/${registry.rateLimit.limit} pulls left`}
        </span>
        {registry.rateLimit && (
          <span className="meter" role="meter" aria-label="Docker Hub pulls left" aria-valuemin={0} aria-valuemax={registry.rateLimit.limit} aria-valuenow={registry.rateLimit.remaining}>
            <span style={{ width: `${(100 * registry.rateLimit.remaining) / Math.max(1, registry.rateLimit.limit)}%` }} />
          </span>
        )}
      </button>
      {selected && !editing && (
        <button className="icon edit-registry" aria-label={`Edit ${registry.name}`} title="Name, credentials, plain HTTP, remove" onClick={() => setEditing(true)}>✎</button>
      )}
      {editing && <EditRegistry registry={registry} onDone={() => setEditing(false)} onRemoved={onRemoved} />}
    </li>
  );
}

/** Registries the user already signed in to with Docker or Podman, offered once for import. */
function ImportOffer() {
  const importable = useCall('credentials.importable', {}, { staleTime: Infinity, retry: false });
  const doImport = useAction('credentials.import', ['registries.list', 'credentials.importable']);
  const found = importable.data ?? [];
  if (!found.length) return null;
  return (
    <div className="offer">
      <div>Found {found.length === 1 ? 'a registry' : `${found.length} registries`} in your Docker or Podman logins: {found.map((f) => f.registry).join(', ')}</div>
      <button className="small" onClick={() => doImport.mutate({})} disabled={doImport.isPending}>Import</button>
      {doImport.error && <ErrorView error={doImport.error} />}
    </div>
  );
}

export function Sidebar({ selected, onSelect, onDropImage, signInHost, onSignInDone, onRemoved }: {
  selected?: string | undefined;
  onSelect: (host: string) => void;
  onRemoved: (host: string) => void;
  onDropImage: (target: string, image: DraggedImage) => void;
  /** A registry that asked for credentials: the form opens for it. */
  signInHost?: string;
  onSignInDone?: () => void;
}) {
  const registries = useCall('registries.list', {});
  const list = registries.data ?? [];
  const [adding, setAdding] = useState(false);
  const signingIn = list.find((r) => r.host === signInHost);
  const tabStop = list.some((r) => r.host === selected) ? selected : list[0]?.host;
  return (
    <nav className="sidebar" aria-label="Registries">
      <div className="sidebar-header">
        <h2>Registries</h2>
        <button className="icon" title="Add a registry" aria-label="Add a registry" aria-haspopup="dialog" onClick={() => setAdding(true)}>+</button>
      </div>
      {adding && <AddRegistry onDone={(host) => { setAdding(false); onSelect(host); }} onCancel={() => setAdding(false)} />}
      {signingIn && <SignIn key={signingIn.host} registry={signingIn} onDone={() => onSignInDone?.()} />}
      <ImportOffer />
      {registries.isLoading && <div className="muted">Loading…</div>}
      {registries.error && <ErrorView error={registries.error} onRetry={() => void registries.refetch()} />}
      <ul className="registries" onKeyDown={(e) => moveInGroup(e)}>
        {list.map((r) => (
          <RegistryRow key={r.host} registry={r} selected={r.host === selected} focusable={r.host === tabStop}
            onSelect={() => onSelect(r.host)} onDropImage={(image) => onDropImage(r.host, image)} onRemoved={() => onRemoved(r.host)} />
        ))}
      </ul>
      {registries.data?.length === 0 && <div className="muted empty">No registries yet. Add one with +.</div>}
    </nav>
  );
}

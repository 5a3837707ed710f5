import { useState, type DragEvent } from 'react';
import type { RegistryView } from '../../../shared/contract';
import { useAction, useCall } from '../api';
import { ErrorView } from './ErrorView';

export const DRAG_TYPE = 'application/x-regdesk-image';

export interface DraggedImage {
  registry: string;
  repository: string;
  tags: string[];
}

function RegistryRow({ registry, selected, onSelect, onDropImage }: { registry: RegistryView; selected: boolean; onSelect: () => void; onDropImage: (image: DraggedImage) => void }) {
  const [over, setOver] = useState(false);
  // Connection status: the registry answers /v2/ (after signing in, when it asks).
  const ping = useCall('registries.ping', { host: registry.host }, { retry: false, staleTime: 60_000 });
  const remove = useAction('registries.remove', ['registries.list']);
  const logout = useAction('registries.logout', ['registries.list']);
  const state = ping.isLoading ? 'checking' : ping.error ? 'unreachable' : 'ok';
  const accept = (e: DragEvent) => {
    if (e.dataTransfer.types.includes(DRAG_TYPE)) {
      e.preventDefault();
      setOver(true);
    }
  };
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
      <button className="registry-button" onClick={onSelect} aria-pressed={selected}>
        <span className="registry-name"><span className={`status ${state}`} title={ping.error ? (ping.error as Error).message : state} aria-label={`connection ${state}`} />{registry.name}</span>
        <span className="registry-meta">
          {registry.credentials ? `signed in${registry.credentials.username ? ` as ${registry.credentials.username}` : ''}` : 'anonymous'}
          {registry.rateLimit && ` · ${registry.rateLimit.remaining}/${registry.rateLimit.limit} pulls left`}
        </span>
        {registry.rateLimit && (
          <span className="meter" role="meter" aria-label="Docker Hub pulls left" aria-valuemin={0} aria-valuemax={registry.rateLimit.limit} aria-valuenow={registry.rateLimit.remaining}>
            <span style={{ width: `${(100 * registry.rateLimit.remaining) / Math.max(1, registry.rateLimit.limit)}%` }} />
          </span>
        )}
      </button>
      {selected && (
        <div className="registry-actions">
          {registry.credentials?.origin === 'keychain' && <button className="small" onClick={() => logout.mutate({ host: registry.host })}>Sign out</button>}
          <button className="small" onClick={() => remove.mutate({ host: registry.host })}>Remove</button>
        </div>
      )}
    </li>
  );
}

function AddRegistry({ onDone, initialHost = '' }: { onDone: (host: string) => void; initialHost?: string }) {
  const [host, setHost] = useState(initialHost);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [insecure, setInsecure] = useState(false);
  const add = useAction('registries.add', ['registries.list']);
  const login = useAction('registries.login', ['registries.list']);
  const busy = add.isPending || login.isPending;
  return (
    <form
      className="add-registry"
      onSubmit={async (e) => {
        e.preventDefault();
        const view = await add.mutateAsync({ host: host.trim(), insecure });
        if (username && password) await login.mutateAsync({ host: view.host, username, password });
        setPassword('');
        onDone(view.host);
      }}
    >
      <input aria-label="Registry address" placeholder="registry.example.com:5000" value={host} onChange={(e) => setHost(e.target.value)} required />
      <input aria-label="User name" placeholder="user (optional)" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" />
      <input aria-label="Password" placeholder="password or token" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" />
      <label className="checkbox">
        <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} /> allow plain HTTP
      </label>
      <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Add registry'}</button>
      {(add.error || login.error) && <ErrorView error={add.error ?? login.error} />}
    </form>
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

export function Sidebar({ selected, onSelect, onDropImage, signInHost, onSignInDone }: {
  selected?: string;
  onSelect: (host: string) => void;
  onDropImage: (target: string, image: DraggedImage) => void;
  /** A registry that asked for credentials: the form opens for it. */
  signInHost?: string;
  onSignInDone?: () => void;
}) {
  const registries = useCall('registries.list', {});
  const [adding, setAdding] = useState(false);
  return (
    <nav className="sidebar" aria-label="Registries">
      <div className="sidebar-header">
        <h2>Registries</h2>
        <button className="icon" title="Add a registry" aria-label="Add a registry" onClick={() => setAdding(!adding)}>+</button>
      </div>
      {(adding || signInHost) && (
        <AddRegistry key={signInHost ?? 'new'} initialHost={signInHost ?? ''} onDone={(host) => { setAdding(false); onSignInDone?.(); onSelect(host); }} />
      )}
      <ImportOffer />
      {registries.isLoading && <div className="muted">Loading…</div>}
      {registries.error && <ErrorView error={registries.error} onRetry={() => void registries.refetch()} />}
      <ul className="registries">
        {(registries.data ?? []).map((r) => (
          <RegistryRow key={r.host} registry={r} selected={r.host === selected} onSelect={() => onSelect(r.host)} onDropImage={(image) => onDropImage(r.host, image)} />
        ))}
      </ul>
      {registries.data?.length === 0 && <div className="muted empty">No registries yet. Add one with +.</div>}
    </nav>
  );
}

import { useRef, useState } from 'react';
import type { RegistryView } from '../../../shared/contract';
import { useAction } from '../api';
import { useDialogFocus } from '../keyboard';
import { failuresShown } from '../shown-failures';
import { ErrorView } from './ErrorView';

/** Queries whose answers may change once a registry's credentials or scheme change. */
const READS = ['registries.ping', 'catalog.list', 'tags.list', 'image.get'] as const;
const LIST = ['registries.list'] as const;

function Credentials({ username, password, onUsername, onPassword, signedInAs }: {
  username: string;
  password: string;
  onUsername: (v: string) => void;
  onPassword: (v: string) => void;
  signedInAs?: string | undefined;
}) {
  return (
    <>
      <input aria-label="User name" placeholder="user (optional)" value={username} onChange={(e) => onUsername(e.target.value)} autoComplete="username"
        required={password !== ''} />
      <input aria-label="Password" placeholder={signedInAs ? 'new password or token (blank: keep)' : 'password or token'} type="password" value={password}
        onChange={(e) => onPassword(e.target.value)} autoComplete="current-password" required={username !== '' && username !== signedInAs} />
    </>
  );
}

export function AddRegistry({ onDone, initialHost = '' }: { onDone: (host: string) => void; initialHost?: string }) {
  const [host, setHost] = useState(initialHost);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [insecure, setInsecure] = useState(false);
  const add = useAction('registries.add', ['registries.list']);
  const login = useAction('registries.login', LIST, READS);
  const busy = add.isPending || login.isPending;
  return (
    <form
      className="registry-form"
      aria-label="Add a registry"
      onSubmit={failuresShown(async (e) => {
        e.preventDefault();
        const view = await add.mutateAsync({ host: host.trim(), insecure });
        if (username && password) await login.mutateAsync({ host: view.host, username, password });
        setPassword('');
        onDone(view.host);
      })}
    >
      <input aria-label="Registry address" placeholder="registry.example.com:5000" value={host} onChange={(e) => setHost(e.target.value)} required />
      <Credentials username={username} password={password} onUsername={setUsername} onPassword={setPassword} />
      <label className="checkbox">
        <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} /> allow plain HTTP
      </label>
      <button type="submit" className="primary" disabled={busy}>{busy ? 'Checking…' : 'Add registry'}</button>
      {(add.error || login.error) && <ErrorView error={add.error ?? login.error} />}
    </form>
  );
}

/**
 * Everything but the address: display name, plain HTTP, credentials (a new
 * password is checked against the registry, then kept in the keychain), sign
 * out and remove. Escape closes it.
 */
export function EditRegistry({ registry, onDone, onRemoved }: { registry: RegistryView; onDone: () => void; onRemoved: () => void }) {
  const signedInAs = registry.credentials?.username;
  const [name, setName] = useState(registry.name === registry.host ? '' : registry.name);
  const [username, setUsername] = useState(signedInAs ?? '');
  const [password, setPassword] = useState('');
  const [insecure, setInsecure] = useState(registry.insecure);
  const update = useAction('registries.update', [...LIST, ...READS]);
  const login = useAction('registries.login', LIST, READS);
  const logout = useAction('registries.logout', LIST, READS);
  const remove = useAction('registries.remove', ['registries.list']);
  const busy = update.isPending || login.isPending || logout.isPending || remove.isPending;
  const error = update.error ?? login.error ?? logout.error ?? remove.error;
  const ref = useRef<HTMLFormElement | null>(null);
  useDialogFocus(ref, onDone);
  return (
    <form
      ref={ref}
      className="registry-form edit"
      aria-label={`Edit ${registry.name}`}
      onSubmit={failuresShown(async (e) => {
        e.preventDefault();
        await update.mutateAsync({ host: registry.host, name: name.trim(), insecure });
        if (password) await login.mutateAsync({ host: registry.host, username, password });
        setPassword('');
        onDone();
      })}
    >
      <div className="form-host" title={registry.host}>{registry.host}</div>
      <input aria-label="Display name" placeholder={`name (default: ${registry.host})`} value={name} onChange={(e) => setName(e.target.value)} data-autofocus />
      <Credentials username={username} password={password} onUsername={setUsername} onPassword={setPassword} signedInAs={signedInAs} />
      <div className="muted small-note">
        {registry.credentials ? `Credentials from ${registry.credentials.origin}${signedInAs ? ` (${signedInAs})` : ''}.` : 'No credentials: anonymous.'}
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} /> allow plain HTTP
      </label>
      {error && <ErrorView error={error} />}
      <div className="dialog-actions">
        {registry.credentials?.origin === 'keychain' && (
          <button type="button" disabled={busy} onClick={failuresShown(async () => { await logout.mutateAsync({ host: registry.host }); onDone(); })}>Sign out</button>
        )}
        <button type="button" className="danger" disabled={busy} onClick={failuresShown(async () => { await remove.mutateAsync({ host: registry.host }); onDone(); onRemoved(); })}>Remove</button>
        <span className="spacer" />
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={busy}>{login.isPending ? 'Checking…' : 'Save'}</button>
      </div>
    </form>
  );
}

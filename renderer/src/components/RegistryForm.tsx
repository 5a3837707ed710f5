import { useState } from 'react';
import type { RegistryView } from '../../../shared/contract';
import { isRegistryError } from '../../../shared/errors';
import { useAction } from '../api';
import { credentialsSource } from '../labels';
import { failuresShown } from '../shown-failures';
import { Dialog } from './Dialog';
import { ErrorView } from './ErrorView';

/** Queries whose answers may change once a registry's credentials or scheme change. */
const READS = ['registries.ping', 'catalog.list', 'tags.list', 'image.get'] as const;
const LIST = ['registries.list'] as const;
/** Failures of the check before adding: the address may still be right (a registry that is down). */
const UNANSWERED = new Set(['network', 'timeout', 'protocol', 'not_found']);

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
        required={password !== ''} data-autofocus />
      <input aria-label="Password" placeholder={signedInAs ? 'new password or token (blank: keep)' : 'password or token'} type="password" value={password}
        onChange={(e) => onPassword(e.target.value)} autoComplete="current-password" required={username !== '' && username !== signedInAs} />
    </>
  );
}

/**
 * Signing in: the credentials are checked against the registry, then kept in
 * the OS keychain. Where there is none (a server, a container), the user may
 * keep them in regdesk's memory for this session instead.
 */
function useSignIn() {
  const login = useAction('registries.login', LIST, READS);
  const [keychainMissing, setKeychainMissing] = useState(false);
  const signIn = async (host: string, username: string, password: string, remember: 'keychain' | 'session' = 'keychain'): Promise<void> => {
    try {
      await login.mutateAsync({ host, username, password, remember });
      setKeychainMissing(false);
    } catch (err) {
      setKeychainMissing(isRegistryError(err, 'keychain'));
      throw err;
    }
  };
  return { login, signIn, keychainMissing };
}

function SessionOffer({ busy, onAccept }: { busy: boolean; onAccept: () => void }) {
  return (
    <div className="offer" role="note">
      <div>The credentials are right, but there is no keychain to keep them in. regdesk can hold them in memory until it stops; it will ask for them again next time.</div>
      <button type="button" className="small" disabled={busy} onClick={onAccept}>Remember for this session only</button>
    </div>
  );
}

/** + : an address (checked before it is added), optional credentials, plain HTTP. */
export function AddRegistry({ onDone, onCancel }: { onDone: (host: string) => void; onCancel: () => void }) {
  const [host, setHost] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [insecure, setInsecure] = useState(false);
  // Added already (its sign-in failed): submitting again only signs in.
  const [added, setAdded] = useState<{ typed: string; host: string } | undefined>();
  const add = useAction('registries.add', LIST);
  const { login, signIn, keychainMissing } = useSignIn();
  const busy = add.isPending || login.isPending;
  const error = add.error ?? login.error;
  const submit = async (options: { unchecked?: boolean; remember?: 'keychain' | 'session' } = {}): Promise<void> => {
    let key = added?.typed === host.trim() ? added.host : undefined;
    if (!key) {
      key = (await add.mutateAsync({ host: host.trim(), insecure, unchecked: options.unchecked ?? false })).host;
      setAdded({ typed: host.trim(), host: key });
    }
    if (username && password) await signIn(key, username, password, options.remember);
    setPassword('');
    onDone(key);
  };
  const unanswered = isRegistryError(add.error) && UNANSWERED.has(add.error.code);
  return (
    <Dialog label="Add a registry" onClose={onCancel}>
      <form className="registry-form" aria-label="Add a registry" onSubmit={failuresShown(async (e) => { e.preventDefault(); add.reset(); await submit(); })}>
        <h2>Add a registry</h2>
        <input aria-label="Registry address" placeholder="registry.example.com:5000" value={host} onChange={(e) => setHost(e.target.value)} required
          disabled={added !== undefined} data-autofocus />
        <Credentials username={username} password={password} onUsername={setUsername} onPassword={setPassword} />
        <label className="checkbox">
          <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} disabled={added !== undefined} /> allow plain HTTP
        </label>
        {error && <ErrorView error={error} />}
        {keychainMissing && <SessionOffer busy={busy} onAccept={failuresShown(() => submit({ remember: 'session' }))} />}
        <div className="dialog-actions">
          {unanswered && <button type="button" disabled={busy} onClick={failuresShown(() => submit({ unchecked: true }))}>Add anyway</button>}
          <span className="spacer" />
          <button type="button" onClick={onCancel}>Cancel</button>
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Checking…' : added ? 'Sign in' : 'Add registry'}</button>
        </div>
      </form>
    </Dialog>
  );
}

/** A registry that asked for credentials: sign in to it, nothing else. */
export function SignIn({ registry, onDone }: { registry: RegistryView; onDone: () => void }) {
  const [username, setUsername] = useState(registry.credentials?.username ?? '');
  const [password, setPassword] = useState('');
  const { login, signIn, keychainMissing } = useSignIn();
  const submit = async (remember?: 'keychain' | 'session'): Promise<void> => {
    await signIn(registry.host, username, password, remember);
    setPassword('');
    onDone();
  };
  return (
    <Dialog label={`Sign in to ${registry.name}`} onClose={onDone}>
      <form className="registry-form" aria-label={`Sign in to ${registry.name}`} onSubmit={failuresShown(async (e) => { e.preventDefault(); await submit(); })}>
        <h2>Sign in to {registry.name}</h2>
        <div className="form-host muted" title={registry.host}>{registry.host}</div>
        <Credentials username={username} password={password} onUsername={setUsername} onPassword={setPassword} />
        {login.error && <ErrorView error={login.error} />}
        {keychainMissing && <SessionOffer busy={login.isPending} onAccept={failuresShown(() => submit('session'))} />}
        <div className="dialog-actions">
          <span className="spacer" />
          <button type="button" onClick={onDone}>Cancel</button>
          <button type="submit" className="primary" disabled={login.isPending}>{login.isPending ? 'Checking…' : 'Sign in'}</button>
        </div>
      </form>
    </Dialog>
  );
}

/** Where the credentials come from; for those regdesk does not keep, how to remove them. */
function CredentialsNote({ registry }: { registry: RegistryView }) {
  if (!registry.credentials) return <div className="muted small-note">No credentials: anonymous.</div>;
  const { from, remove } = credentialsSource(registry.credentials, registry.host);
  const who = registry.credentials.username ? ` as ${registry.credentials.username}` : '';
  return (
    <div className="muted small-note">
      Signed in{who}, from {from}.{remove && <> Signing out here cannot remove them: <code>{remove}</code>.</>}
    </div>
  );
}

/**
 * Everything but the address: display name, plain HTTP, credentials (a new
 * password is checked against the registry, then kept), sign out and remove.
 */
export function EditRegistry({ registry, onDone, onRemoved }: { registry: RegistryView; onDone: () => void; onRemoved: () => void }) {
  const signedInAs = registry.credentials?.username;
  const [name, setName] = useState(registry.name === registry.host ? '' : registry.name);
  const [username, setUsername] = useState(signedInAs ?? '');
  const [password, setPassword] = useState('');
  const [insecure, setInsecure] = useState(registry.insecure);
  const update = useAction('registries.update', [...LIST, ...READS]);
  const { login, signIn, keychainMissing } = useSignIn();
  const logout = useAction('registries.logout', LIST, READS);
  const remove = useAction('registries.remove', LIST);
  const busy = update.isPending || login.isPending || logout.isPending || remove.isPending;
  const error = update.error ?? login.error ?? logout.error ?? remove.error;
  const save = async (remember?: 'keychain' | 'session'): Promise<void> => {
    await update.mutateAsync({ host: registry.host, name: name.trim(), insecure });
    if (password) await signIn(registry.host, username, password, remember);
    setPassword('');
    onDone();
  };
  const signOut = async (): Promise<void> => {
    const { remaining } = await logout.mutateAsync({ host: registry.host });
    // Credentials from a file or a variable still apply: the note (from the refreshed list) says where; stay open to show it.
    if (!remaining) onDone();
  };
  return (
    <Dialog label={`Edit ${registry.name}`} onClose={onDone}>
      <form className="registry-form" aria-label={`Edit ${registry.name}`} onSubmit={failuresShown(async (e) => { e.preventDefault(); await save(); })}>
        <h2>{registry.name}</h2>
        <div className="form-host muted" title={registry.host}>{registry.host}</div>
        <input aria-label="Display name" placeholder={`name (default: ${registry.host})`} value={name} onChange={(e) => setName(e.target.value)} />
        <Credentials username={username} password={password} onUsername={setUsername} onPassword={setPassword} signedInAs={signedInAs} />
        <CredentialsNote registry={registry} />
        <label className="checkbox">
          <input type="checkbox" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} /> allow plain HTTP
        </label>
        {error && <ErrorView error={error} />}
        {keychainMissing && <SessionOffer busy={busy} onAccept={failuresShown(() => save('session'))} />}
        <div className="dialog-actions">
          {registry.credentials?.removable && <button type="button" disabled={busy} onClick={failuresShown(signOut)}>Sign out</button>}
          <button type="button" className="danger" disabled={busy} onClick={failuresShown(async () => { await remove.mutateAsync({ host: registry.host }); onDone(); onRemoved(); })}>Remove</button>
          <span className="spacer" />
          <button type="button" onClick={onDone}>Cancel</button>
          <button type="submit" className="primary" disabled={busy}>{login.isPending ? 'Checking…' : 'Save'}</button>
        </div>
      </form>
    </Dialog>
  );
}

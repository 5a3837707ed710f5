import { useEffect, useRef, useState } from 'react';
import { formatReference } from '../../shared/names';
import { useCall, useCopyJobs } from './api';
import { CopyDialog, type CopyDraft } from './components/CopyDialog';
import { CopyQueue } from './components/CopyQueue';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ImageDetails } from './components/ImageDetails';
import { Repositories } from './components/Repositories';
import { Sidebar } from './components/Sidebar';
import { SkipLinks } from './components/SkipLinks';
import { Tags } from './components/Tags';
import { Watched } from './components/Watched';
import { readOpenState, writeOpenState } from './url-state';

/** An empty column says what goes there, so the columns never move. */
function Placeholder({ label, text }: { label: string; text: string }) {
  return <section className="pane placeholder-pane" aria-label={label}><div className="muted">{text}</div></section>;
}

const NO_FOLDERS: ReadonlySet<string> = new Set();

/** The folders above a repository (`a`, `a/b` for `a/b/c`): opened so the repository shows in the tree. */
function foldersAbove(repository: string): string[] {
  const parts = repository.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

export function App() {
  // What the URL says was open (a reload, a bookmark): reopened as it was.
  const [initial] = useState(readOpenState);
  const [registry, setRegistry] = useState<string | undefined>(initial.registry);
  const [repository, setRepository] = useState<string | undefined>(initial.repository);
  const [tag, setTag] = useState<string | undefined>(initial.tag);
  const [platform, setPlatform] = useState<string | undefined>(initial.platform);
  // Open folders per registry, for as long as the app runs: switching registries and back finds them as they were.
  const [folders, setFolders] = useState<ReadonlyMap<string, ReadonlySet<string>>>(() =>
    new Map(initial.registry && initial.repository ? [[initial.registry, new Set(foldersAbove(initial.repository))]] : []));
  const openFolders = (host: string, paths: Iterable<string>) => setFolders((all) => new Map(all).set(host, new Set([...(all.get(host) ?? []), ...paths])));
  useEffect(() => writeOpenState({ registry, repository, tag, platform }), [registry, repository, tag, platform]);
  // A registry in the URL that is no longer configured (removed meanwhile): nothing is open.
  const registries = useCall('registries.list', {});
  const checkedUrl = useRef(false);
  const [draft, setDraft] = useState<CopyDraft | undefined>();
  const [signInHost, setSignInHost] = useState<string | undefined>();
  const signIn = registry ? () => setSignInHost(registry) : undefined;
  const jobs = useCopyJobs();
  const choose = (host: string | undefined) => { setRegistry(host); setRepository(undefined); setTag(undefined); setPlatform(undefined); };
  const openImage = (image: { registry: string; repository: string; tag: string }) => {
    setRegistry(image.registry);
    setRepository(image.repository);
    setTag(image.tag);
    setPlatform(undefined);
    openFolders(image.registry, foldersAbove(image.repository));
  };
  useEffect(() => {
    if (checkedUrl.current || !registries.data) return;
    checkedUrl.current = true;
    if (initial.registry && !registries.data.some((r) => r.host === initial.registry)) choose(undefined);
  });
  return (
    <div className="app">
      <SkipLinks />
      <div className="side">
        <ErrorBoundary label="Registries" className="sidebar">
          <Sidebar
            selected={registry}
            onSelect={choose}
            onRemoved={(host) => { if (host === registry) choose(undefined); }}
            onDropImage={(target, image) => setDraft({ image, targetRegistry: target })}
            signInHost={signInHost}
            onSignInDone={() => setSignInHost(undefined)}
          />
        </ErrorBoundary>
        <ErrorBoundary label="Watched images" className="watched">
          <Watched onOpen={openImage} />
        </ErrorBoundary>
        <ErrorBoundary label="Copies" className="queue">
          <CopyQueue jobs={jobs} onOpen={openImage} />
        </ErrorBoundary>
      </div>
      <main className="main">
        {!registry && <div className="placeholder">Pick a registry on the left, or add one with +.</div>}
        {registry && (
          <ErrorBoundary key={registry} label="Repositories" className="pane repositories">
            <Repositories registry={registry} selected={repository} onSelect={(r) => { setRepository(r); setTag(undefined); setPlatform(undefined); }} onSignIn={signIn}
              expanded={folders.get(registry) ?? NO_FOLDERS} onExpandedChange={(open) => setFolders((all) => new Map(all).set(registry, open))} />
          </ErrorBoundary>
        )}
        {registry && !repository && <Placeholder label="Tags" text="Pick a repository to see its tags." />}
        {registry && repository && (
          <ErrorBoundary key={formatReference({ registry, repository })} label="Tags" className="pane tags">
            <Tags registry={registry} repository={repository} selected={tag} onSelect={(t) => { setTag(t); setPlatform(undefined); }}
              onCopy={(image) => setDraft({ image, targetRegistry: registry })} onSignIn={signIn} />
          </ErrorBoundary>
        )}
        {registry && !tag && <Placeholder label="Image" text={repository ? 'Pick a tag to inspect it: platforms, layers, config, history.' : ''} />}
        {registry && repository && tag && (
          <ErrorBoundary key={formatReference({ registry, repository }, tag)} label="Image" className="pane image">
            <ImageDetails registry={registry} repository={repository} tag={tag} platform={platform} onPlatform={setPlatform} onSignIn={signIn} />
          </ErrorBoundary>
        )}
      </main>
      {draft && (
        <ErrorBoundary label="Copy image" className="dialog" onClose={() => setDraft(undefined)}>
          <CopyDialog draft={draft} onClose={() => setDraft(undefined)} onStarted={() => setDraft(undefined)} />
        </ErrorBoundary>
      )}
    </div>
  );
}

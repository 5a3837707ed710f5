import { useState } from 'react';
import { useCopyJobs } from './api';
import { CopyDialog, type CopyDraft } from './components/CopyDialog';
import { CopyQueue } from './components/CopyQueue';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ImageDetails } from './components/ImageDetails';
import { Repositories } from './components/Repositories';
import { Sidebar } from './components/Sidebar';
import { Tags } from './components/Tags';
import { Watched } from './components/Watched';

/** An empty column says what goes there, so the columns never move. */
function Placeholder({ label, text }: { label: string; text: string }) {
  return <section className="pane placeholder-pane" aria-label={label}><div className="muted">{text}</div></section>;
}

export function App() {
  const [registry, setRegistry] = useState<string | undefined>();
  const [repository, setRepository] = useState<string | undefined>();
  const [tag, setTag] = useState<string | undefined>();
  const [draft, setDraft] = useState<CopyDraft | undefined>();
  const [signInHost, setSignInHost] = useState<string | undefined>();
  const signIn = registry ? () => setSignInHost(registry) : undefined;
  const jobs = useCopyJobs();
  const choose = (host: string | undefined) => { setRegistry(host); setRepository(undefined); setTag(undefined); };
  const openImage = (image: { registry: string; repository: string; tag: string }) => { setRegistry(image.registry); setRepository(image.repository); setTag(image.tag); };
  return (
    <div className="app">
      <div className="side">
        <ErrorBoundary label="Registries" className="sidebar">
          <Sidebar
            selected={registry}
            onSelect={choose}
            onRemoved={(host) => { if (host === registry) choose(undefined); }}
            onDropImage={(target, image) => setDraft({ image, targetRegistry: target })}
            {...(signInHost ? { signInHost } : {})}
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
            <Repositories registry={registry} selected={repository} onSelect={(r) => { setRepository(r); setTag(undefined); }} onSignIn={signIn} />
          </ErrorBoundary>
        )}
        {registry && !repository && <Placeholder label="Tags" text="Pick a repository to see its tags." />}
        {registry && repository && (
          <ErrorBoundary key={`${registry}/${repository}`} label="Tags" className="pane tags">
            <Tags registry={registry} repository={repository} selected={tag} onSelect={setTag}
              onCopy={(image) => setDraft({ image, targetRegistry: registry })} {...(signIn ? { onSignIn: signIn } : {})} />
          </ErrorBoundary>
        )}
        {registry && !tag && <Placeholder label="Image" text={repository ? 'Pick a tag to inspect it: platforms, layers, config, history.' : ''} />}
        {registry && repository && tag && (
          <ErrorBoundary key={`${registry}/${repository}:${tag}`} label="Image" className="pane image">
            <ImageDetails registry={registry} repository={repository} tag={tag} {...(signIn ? { onSignIn: signIn } : {})} />
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

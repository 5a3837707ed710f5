import { useState } from 'react';
import { displayDigest, formatPlatformRef, humanBytes } from '../../../shared/format';
import { useAction, useCall } from '../api';
import { ErrorView } from './ErrorView';

function Copyable({ text }: { text: string }) {
  const [done, setDone] = useState(false);
  return (
    <span className="copyable">
      <code title={text}>{text}</code>
      <button className="small" aria-label="Copy digest" onClick={() => { void navigator.clipboard?.writeText(text).then(() => setDone(true)); }}>{done ? 'Copied' : 'Copy'}</button>
    </span>
  );
}

/** Signatures, SBOMs and attestations that point at this image (OCI referrers). */
function Referrers({ registry, repository, digest }: { registry: string; repository: string; digest: string }) {
  const found = useCall('image.referrers', { registry, repository, digest });
  if (found.isLoading) return <div className="muted">Looking for referrers…</div>;
  if (found.error) return <ErrorView error={found.error} />;
  const list = found.data?.referrers ?? [];
  if (!list.length) return <div className="muted empty">No signatures, SBOMs or attestations refer to this image.</div>;
  return (
    <table className="layers" aria-label="Referrers">
      <thead><tr><th>Artifact type</th><th>Digest</th><th>Size</th></tr></thead>
      <tbody>
        {list.map((r) => <tr key={r.digest}><td>{r.artifactType ?? r.mediaType}</td><td><code>{displayDigest(r.digest)}</code></td><td>{humanBytes(r.size)}</td></tr>)}
      </tbody>
    </table>
  );
}

export function ImageDetails({ registry, repository, tag, onSignIn }: { registry: string; repository: string; tag: string; onSignIn?: () => void }) {
  const [platform, setPlatform] = useState<string | undefined>();
  const [tab, setTab] = useState<'layers' | 'config' | 'history' | 'referrers' | 'manifest'>('layers');
  const top = useCall('image.get', { registry, repository, reference: tag });
  const chosenPlatform = platform ?? (top.data?.platforms[0] ? formatPlatformRef(top.data.platforms[0]) : undefined);
  const detail = useCall('image.get', top.data && top.data.platforms.length && chosenPlatform ? { registry, repository, reference: top.data.digest, platform: chosenPlatform } : undefined);
  const image = (top.data?.platforms.length ? detail.data : top.data)?.image;
  const watched = useCall('watch.list', {}, { staleTime: Infinity });
  const watch = useAction('watch.add', ['watch.list']);
  const imageName = `${registry}/${repository}:${tag}`;
  const isWatched = (watched.data ?? []).some((w) => w.registry === registry && w.repository === repository && w.tag === tag);
  if (top.isLoading) return <section className="pane image"><div className="muted">Loading {tag}…</div></section>;
  if (top.error) return <section className="pane image"><ErrorView error={top.error} onRetry={() => void top.refetch()} {...(onSignIn ? { onSignIn } : {})} /></section>;
  const data = top.data!;
  const config = image?.config;
  return (
    <section className="pane image" aria-label="Image">
      <header className="pane-header">
        <h2>{repository}:{tag}</h2>
        <button className={`star ${isWatched ? 'on' : ''}`} aria-pressed={isWatched} disabled={isWatched || watch.isPending}
          title={isWatched ? 'Watched' : 'Watch this tag for new digests and newer versions'}
          onClick={() => watch.mutate({ image: imageName, rule: 'both' })}>{isWatched ? '★ Watched' : '☆ Watch'}</button>
      </header>
      {watch.error && <ErrorView error={watch.error} />}
      <dl className="facts">
        <dt>Digest</dt><dd><Copyable text={data.digest} /></dd>
        <dt>Media type</dt><dd>{data.mediaType}</dd>
        {image && <><dt>Image size</dt><dd>{humanBytes(image.totalSize)}{data.platforms.length ? ` (${chosenPlatform})` : ''}</dd></>}
        {config?.created && <><dt>Created</dt><dd>{new Date(config.created).toLocaleString()}</dd></>}
      </dl>
      {data.platforms.length > 0 && (
        <table className="platforms" aria-label="Platforms">
          <thead><tr><th>Platform</th><th>Digest</th><th>Size</th></tr></thead>
          <tbody>
            {data.platforms.map((p) => {
              const name = formatPlatformRef(p);
              return (
                <tr key={p.digest} className={name === chosenPlatform ? 'selected' : ''} onClick={() => setPlatform(name)} data-platform={name}>
                  <td><button className="link">{name}</button></td>
                  <td><code>{displayDigest(p.digest)}</code></td>
                  <td>{humanBytes(p.size)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div className="tabs" role="tablist">
        {(['layers', 'config', 'history', 'referrers', 'manifest'] as const).map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>{t}</button>
        ))}
      </div>
      {detail.error && <ErrorView error={detail.error} />}
      {tab === 'layers' && image && (
        <table className="layers" aria-label="Layers">
          <thead><tr><th>#</th><th>Digest</th><th>Media type</th><th>Size</th></tr></thead>
          <tbody>
            {image.layers.map((l, i) => (
              <tr key={l.digest}><td>{i + 1}</td><td><code>{displayDigest(l.digest)}</code></td><td>{l.mediaType}</td><td>{humanBytes(l.size)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {tab === 'config' && config && (
        <dl className="facts config">
          <dt>Platform</dt><dd>{config.os}/{config.architecture}{config.variant ? `/${config.variant}` : ''}</dd>
          {config.entrypoint && <><dt>Entrypoint</dt><dd><code>{JSON.stringify(config.entrypoint)}</code></dd></>}
          {config.cmd && <><dt>Cmd</dt><dd><code>{JSON.stringify(config.cmd)}</code></dd></>}
          {config.workingDir && <><dt>Workdir</dt><dd><code>{config.workingDir}</code></dd></>}
          {config.env && <><dt>Env</dt><dd>{config.env.map((e) => <div key={e}><code>{e}</code></div>)}</dd></>}
          {config.labels && <><dt>Labels</dt><dd>{Object.entries(config.labels).map(([k, v]) => <div key={k}><code>{k}={v}</code></div>)}</dd></>}
        </dl>
      )}
      {tab === 'history' && config && (
        <ol className="history">
          {config.history.map((h, i) => <li key={i} className={h.emptyLayer ? 'empty-layer' : ''}><code>{h.createdBy ?? h.comment ?? '(no command)'}</code></li>)}
        </ol>
      )}
      {tab === 'referrers' && <Referrers registry={registry} repository={repository} digest={data.digest} />}
      {tab === 'manifest' && <pre className="manifest">{JSON.stringify(JSON.parse(data.manifest), null, 2)}</pre>}
    </section>
  );
}

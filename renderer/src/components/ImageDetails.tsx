import { useState } from 'react';
import { displayDigest, formatPlatformRef, humanBytes } from '../../../shared/format';
import { useCall } from '../api';
import { moveInGroup } from '../keyboard';
import { ErrorView } from './ErrorView';
import { WatchButton } from './WatchForm';

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

/** Fields the registry served malformed: left out of the view, and said so (the manifest tab shows the text as served). */
function ServedWarnings({ warnings }: { warnings: string[] }) {
  if (!warnings.length) return null;
  return (
    <div className="served-warnings" role="note" aria-label="Left out">
      <strong>Some of what the registry served is malformed and is not shown:</strong>
      <ul>{warnings.map((w) => <li key={w}>{w}</li>)}</ul>
    </div>
  );
}

const TABS = ['layers', 'config', 'history', 'referrers', 'manifest'] as const;
type Tab = (typeof TABS)[number];

export function ImageDetails({ registry, repository, tag, onSignIn }: { registry: string; repository: string; tag: string; onSignIn?: () => void }) {
  const [platform, setPlatform] = useState<string | undefined>();
  const [tab, setTab] = useState<Tab>('layers');
  const top = useCall('image.get', { registry, repository, reference: tag });
  const chosenPlatform = platform ?? (top.data?.platforms[0] ? formatPlatformRef(top.data.platforms[0]) : undefined);
  const detail = useCall('image.get', top.data && top.data.platforms.length && chosenPlatform ? { registry, repository, reference: top.data.digest, platform: chosenPlatform } : undefined);
  const shown = top.data?.platforms.length ? detail : top;
  const image = shown.data?.image;
  if (top.isLoading) return <section className="pane image" aria-label="Image"><div className="muted list-state">Loading {tag}…</div></section>;
  if (top.error) return <section className="pane image" aria-label="Image"><ErrorView error={top.error} onRetry={() => void top.refetch()} {...(onSignIn ? { onSignIn } : {})} /></section>;
  const data = top.data!;
  const config = image?.config;
  // Rows keep their place while a platform loads: a dash, not a jump.
  const pending = shown.isLoading ? '…' : '—';
  return (
    <section className="pane image" aria-label="Image">
      <header className="pane-header">
        <h2 title={`${registry}/${repository}:${tag}`}>{repository}:{tag}</h2>
        <WatchButton image={{ registry, repository, tag }} />
      </header>
      <ServedWarnings warnings={[...new Set([...(data.warnings ?? []), ...(shown !== top ? shown.data?.warnings ?? [] : [])])]} />
      <dl className="facts">
        <dt>Digest</dt><dd><Copyable text={data.digest} /></dd>
        <dt>Media type</dt><dd>{data.mediaType}</dd>
        <dt>Image size</dt><dd>{image ? `${humanBytes(image.totalSize)}${data.platforms.length ? ` (${chosenPlatform})` : ''}` : pending}</dd>
        <dt>Created</dt><dd>{config?.created ? new Date(config.created).toLocaleString() : pending}</dd>
      </dl>
      {data.platforms.length > 0 && (
        <table className="platforms" aria-label="Platforms">
          <thead><tr><th>Platform</th><th>Digest</th><th>Size</th></tr></thead>
          <tbody onKeyDown={(e) => moveInGroup(e)}>
            {data.platforms.map((p) => {
              const name = formatPlatformRef(p);
              const chosen = name === chosenPlatform;
              return (
                <tr key={p.digest} className={chosen ? 'selected' : ''} onClick={() => setPlatform(name)} data-platform={name}>
                  <td><button className="link" data-roving tabIndex={chosen ? 0 : -1} aria-pressed={chosen}>{name}</button></td>
                  <td><code>{displayDigest(p.digest)}</code></td>
                  <td>{humanBytes(p.size)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div className="tabs" role="tablist" aria-label="Image details" onKeyDown={(e) => moveInGroup(e, true)?.click()}>
        {TABS.map((t) => (
          <button key={t} role="tab" id={`tab-${t}`} aria-selected={tab === t} aria-controls="image-tabpanel" tabIndex={tab === t ? 0 : -1} data-roving
            className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>{t}</button>
        ))}
      </div>
      <div className="tabpanel" id="image-tabpanel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {detail.error && <ErrorView error={detail.error} onRetry={() => void detail.refetch()} />}
        {shown.isLoading && tab !== 'referrers' && tab !== 'manifest' && <div className="muted">Loading {chosenPlatform ?? 'the image'}…</div>}
        {tab === 'layers' && image && (
          <table className="layers" aria-label="Layers">
            <thead><tr><th>#</th><th>Digest</th><th>Media type</th><th>Size</th></tr></thead>
            <tbody>
              {image.layers.map((l, i) => (
                <tr key={`${i}-${l.digest}`}><td>{i + 1}</td><td><code>{displayDigest(l.digest)}</code></td><td>{l.mediaType}</td><td>{humanBytes(l.size)}</td></tr>
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
            {config.user && <><dt>User</dt><dd><code>{config.user}</code></dd></>}
            {config.env && <><dt>Env</dt><dd>{config.env.map((e) => <div key={e}><code>{e}</code></div>)}</dd></>}
            {config.labels && <><dt>Labels</dt><dd>{Object.entries(config.labels).map(([k, v]) => <div key={k}><code>{k}={v}</code></div>)}</dd></>}
          </dl>
        )}
        {tab === 'history' && config && (
          config.history.length
            ? <ol className="history">{config.history.map((h, i) => <li key={i} className={h.emptyLayer ? 'empty-layer' : ''}><code>{h.createdBy ?? h.comment ?? '(no command)'}</code></li>)}</ol>
            : <div className="muted empty">The image records no history.</div>
        )}
        {tab === 'referrers' && <Referrers registry={registry} repository={repository} digest={data.digest} />}
        {tab === 'manifest' && <pre className="manifest">{JSON.stringify(JSON.parse(data.manifest), null, 2)}</pre>}
      </div>
    </section>
  );
}

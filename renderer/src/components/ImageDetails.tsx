import { useState } from 'react';
import type { AttestationView } from '../../../shared/contract';
import { displayDigest, humanBytes } from '../../../shared/format';
import { formatReference } from '../../../shared/names';
import { formatPlatform } from '../../../shared/platform';
import { useCall } from '../api';
import { moveInGroup } from '../keyboard';
import { pullCommand } from '../pull-command';
import { ErrorView } from './ErrorView';
import { WatchButton } from './WatchForm';

function CopyButton({ text, label, caption = 'Copy' }: { text: string; label: string; caption?: string }) {
  const [done, setDone] = useState(false);
  return <button className="small" aria-label={label} title={text} onClick={() => { void navigator.clipboard?.writeText(text).then(() => setDone(true)); }}>{done ? 'Copied' : caption}</button>;
}

/** `docker pull` for this image by its tag, and pinned to its digest. */
function PullCommand({ registry, repository, tag, digest }: { registry: string; repository: string; tag: string; digest: string }) {
  const byTag = pullCommand(registry, repository, { tag });
  return (
    <span className="copyable">
      <code title={byTag}>{byTag}</code>
      <CopyButton text={byTag} label="Copy pull command" />
      <CopyButton text={pullCommand(registry, repository, { digest })} label="Copy pull command by digest" caption="@digest" />
    </span>
  );
}

function Copyable({ text }: { text: string }) {
  return (
    <span className="copyable">
      <code title={text}>{text}</code>
      <CopyButton text={text} label="Copy digest" />
    </span>
  );
}

/**
 * Signatures, SBOMs and attestations of this image: what the referrers API (or its tag schema)
 * lists, and the attestation manifests the index itself holds beside its platforms.
 */
function Referrers({ registry, repository, digest, attestations, platformOf }: {
  registry: string; repository: string; digest: string; attestations: AttestationView[]; platformOf: (digest: string) => string | undefined;
}) {
  const found = useCall('image.referrers', { registry, repository, digest });
  const fromIndex = attestations.map((a) => ({ digest: a.digest, size: a.size, kind: a.type ?? 'attestation', where: 'in the index', about: a.describes ? platformOf(a.describes) ?? displayDigest(a.describes) : '' }));
  const fromApi = (found.data?.referrers ?? []).filter((r) => !attestations.some((a) => a.digest === r.digest))
    .map((r) => ({ digest: r.digest, size: r.size, kind: r.artifactType ?? r.mediaType, where: found.data?.source === 'tag-schema' ? 'referrers tag' : 'referrers API', about: 'this index' }));
  const list = [...fromIndex, ...fromApi];
  return (
    <>
      {found.error && <ErrorView error={found.error} />}
      {found.isLoading && <div className="muted">Looking for referrers…</div>}
      {!found.isLoading && !list.length && !found.error && <div className="muted empty">No signatures, SBOMs or attestations refer to this image.</div>}
      {list.length > 0 && (
        <table className="layers" aria-label="Referrers">
          <thead><tr><th>Kind</th><th>Describes</th><th>Digest</th><th>Size</th><th>Found</th></tr></thead>
          <tbody>
            {list.map((r) => <tr key={r.digest}><td>{r.kind}</td><td>{r.about}</td><td><code>{displayDigest(r.digest)}</code></td><td>{humanBytes(r.size)}</td><td>{r.where}</td></tr>)}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The manifest as served, pretty-printed: the chosen platform's, or the index it belongs to. */
function ManifestView({ text, digest, what }: { text: string; digest: string; what: string }) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined; // Not JSON: shown as served.
  }
  // Pretty-printing JSON nested too deeply throws; the pane's boundary says so in its place.
  const shown = parsed === undefined ? text : JSON.stringify(parsed, null, 2);
  return (
    <>
      <div className="manifest-caption"><span>{what} <code>{displayDigest(digest)}</code></span><CopyButton text={text} label="Copy manifest" /></div>
      <pre className="manifest" aria-label="Manifest">{shown}</pre>
    </>
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

export function ImageDetails({ registry, repository, tag, platform, onPlatform, onSignIn }: {
  registry: string;
  repository: string;
  tag: string;
  /** The picked platform (kept by the app, in the URL); the first one when none is, or when the image has no such platform. */
  platform?: string | undefined;
  onPlatform: (platform: string) => void;
  onSignIn?: () => void;
}) {
  const setPlatform = onPlatform;
  const [tab, setTab] = useState<Tab>('layers');
  const [showIndex, setShowIndex] = useState(false);
  const top = useCall('image.get', { registry, repository, reference: tag });
  const platformNames = (top.data?.platforms ?? []).map(formatPlatform);
  const chosenPlatform = platform && platformNames.includes(platform) ? platform : platformNames[0];
  const detail = useCall('image.get', top.data && top.data.platforms.length && chosenPlatform ? { registry, repository, reference: top.data.digest, platform: chosenPlatform } : undefined);
  const shown = top.data?.platforms.length ? detail : top;
  const image = shown.data?.image;
  if (top.isLoading) return <section className="pane image" aria-label="Image"><div className="muted list-state">Loading {tag}…</div></section>;
  if (top.error) return <section className="pane image" aria-label="Image"><ErrorView error={top.error} onRetry={() => void top.refetch()} onSignIn={onSignIn} /></section>;
  const data = top.data!;
  const config = image?.config;
  // Rows keep their place while a platform loads: a dash, not a jump.
  const pending = shown.isLoading ? '…' : '—';
  return (
    <section className="pane image" aria-label="Image">
      <header className="pane-header">
        <h2 title={formatReference({ registry, repository }, tag)}>{repository}:{tag}</h2>
        <WatchButton image={{ registry, repository, tag }} />
      </header>
      <ServedWarnings warnings={[...new Set([...(data.warnings ?? []), ...(shown !== top ? shown.data?.warnings ?? [] : [])])]} />
      <dl className="facts">
        <dt>Digest</dt><dd><Copyable text={data.digest} /></dd>
        <dt>Pull</dt><dd><PullCommand registry={registry} repository={repository} tag={tag} digest={data.digest} /></dd>
        <dt>Media type</dt><dd>{data.mediaType}</dd>
        <dt>Image size</dt><dd>{image ? `${humanBytes(image.totalSize)}${data.platforms.length ? ` (${chosenPlatform})` : ''}` : pending}</dd>
        <dt>Created</dt><dd>{config?.created ? new Date(config.created).toLocaleString() : pending}</dd>
      </dl>
      {data.platforms.length > 0 && (
        <table className="platforms" aria-label="Platforms">
          <thead><tr><th>Platform</th><th>Digest</th><th title="Config and layers, compressed: what a pull transfers">Image size</th></tr></thead>
          <tbody onKeyDown={(e) => moveInGroup(e)}>
            {data.platforms.map((p) => {
              const name = formatPlatform(p);
              const chosen = name === chosenPlatform;
              return (
                <tr key={p.digest} className={chosen ? 'selected' : ''} onClick={() => setPlatform(name)} data-platform={name}>
                  <td><button className="link" data-roving tabIndex={chosen ? 0 : -1} aria-pressed={chosen}>{name}</button></td>
                  <td><code>{displayDigest(p.digest)}</code></td>
                  <td>{p.imageSize !== undefined ? humanBytes(p.imageSize) : '—'}</td>
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
        {shown.isLoading && tab !== 'referrers' && (tab !== 'manifest' || !showIndex) && <div className="muted">Loading {chosenPlatform ?? 'the image'}…</div>}
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
        {tab === 'referrers' && (
          <Referrers registry={registry} repository={repository} digest={data.digest} attestations={data.attestations ?? []}
            platformOf={(d) => { const p = data.platforms.find((x) => x.digest === d); return p ? formatPlatform(p) : undefined; }} />
        )}
        {tab === 'manifest' && data.platforms.length > 0 && (
          <div className="segmented" role="group" aria-label="Which manifest">
            <button aria-pressed={!showIndex} onClick={() => setShowIndex(false)}>{chosenPlatform}</button>
            <button aria-pressed={showIndex} onClick={() => setShowIndex(true)}>index</button>
          </div>
        )}
        {tab === 'manifest' && (data.platforms.length === 0 || showIndex) && <ManifestView text={data.manifest} digest={data.digest} what={data.platforms.length ? 'Index' : 'Manifest'} />}
        {tab === 'manifest' && data.platforms.length > 0 && !showIndex && image && <ManifestView text={image.manifest} digest={image.digest} what={`Manifest of ${chosenPlatform}`} />}
      </div>
    </section>
  );
}

/**
 * What the Image pane shows of a reference: the manifest as served, its
 * platforms with what each image weighs, the attestations an index holds
 * beside them, and the chosen (or only) image with its own manifest and
 * config. Everything comes from the engine's parsed, checked values.
 */
import type { AttestationView, ImageView, ParsedRequestOf, PlatformView } from '../../shared/contract';
import { platformsOf, type PlatformEntry } from '../registry/api/image';
import type { RegistryClient } from '../registry/client';
import { inParallel } from '../registry/parallel';
import { parsePlatform } from '../registry/platform';

/** Config plus layers of one platform's image; undefined when its manifest cannot be read or is not an image. */
async function imageSizeOf(client: RegistryClient, repo: { registry: string; repository: string }, entry: PlatformEntry, signal: AbortSignal): Promise<number | undefined> {
  try {
    const child = await client.getChildManifest(repo, entry, { signal });
    return child.parsed.kind === 'image' ? client.summarise(child.parsed).totalSize : undefined;
  } catch (err) {
    // A cancel is the caller's; any other failure only leaves this platform's size out.
    if (signal.aborted) throw err;
    return undefined;
  }
}

/** Each platform of an index with what its image weighs; one read per platform, cached by digest. */
export async function platformViews(client: RegistryClient, repo: { registry: string; repository: string }, entries: PlatformEntry[], signal: AbortSignal): Promise<PlatformView[]> {
  const sizes = new Map<string, number>();
  // Child manifests are small and cached by digest: the sizes cost one read per platform, once.
  await inParallel(entries, 8, async (p) => {
    const size = await imageSizeOf(client, repo, p, signal);
    if (size !== undefined) sizes.set(p.digest, size);
  });
  return entries.map((p) => ({
    os: p.platform.os, architecture: p.platform.architecture, ...(p.platform.variant ? { variant: p.platform.variant } : {}),
    digest: p.digest, size: p.size, ...(sizes.has(p.digest) ? { imageSize: sizes.get(p.digest)! } : {}),
  }));
}

export async function imageView(client: RegistryClient, r: ParsedRequestOf<'image.get'>, signal: AbortSignal): Promise<ImageView> {
  const target = { registry: r.registry, repository: r.repository, reference: r.reference };
  const repo = { registry: r.registry, repository: r.repository };
  const resolved = await client.resolve(target, { signal, platform: r.platform ? parsePlatform(r.platform) : undefined });
  const attestations: AttestationView[] = resolved.top.parsed.kind === 'index'
    ? platformsOf(resolved.top.parsed, { includeAttestations: true }).filter((e) => e.attestation).map((e) => ({
      digest: e.digest, mediaType: e.mediaType, size: e.size,
      ...(e.annotations?.['vnd.docker.reference.digest'] ? { describes: e.annotations['vnd.docker.reference.digest'] } : {}),
      ...(e.annotations?.['vnd.docker.reference.type'] ? { type: e.annotations['vnd.docker.reference.type'] } : {}),
    }))
    : [];
  const view: ImageView = {
    ...target,
    digest: resolved.top.digest,
    mediaType: resolved.top.mediaType,
    size: resolved.top.size,
    manifest: resolved.top.bytes.toString('utf8'),
    // The pane asks for the index once, then per platform: only the first answer needs the sizes.
    platforms: r.platform ? resolved.platforms.map((p) => ({ os: p.platform.os, architecture: p.platform.architecture, ...(p.platform.variant ? { variant: p.platform.variant } : {}), digest: p.digest, size: p.size }))
      : await platformViews(client, repo, resolved.platforms, signal),
    ...(attestations.length ? { attestations } : {}),
  };
  let configWarnings: string[] | undefined;
  if (resolved.image) {
    const config = await client.imageConfig({ registry: r.registry, repository: r.repository }, resolved.image.parsed, { signal });
    configWarnings = config.warnings;
    const summary = client.summarise(resolved.image.parsed);
    const c = config.config ?? {};
    view.image = {
      digest: resolved.image.digest,
      mediaType: resolved.image.mediaType,
      manifest: resolved.image.bytes.toString('utf8'),
      totalSize: summary.totalSize,
      layers: summary.layers,
      config: {
        ...(config.os ? { os: config.os } : {}),
        ...(config.architecture ? { architecture: config.architecture } : {}),
        ...(config.variant ? { variant: config.variant } : {}),
        ...(config.created ? { created: config.created } : {}),
        ...(config.author ? { author: config.author } : {}),
        ...(c.Entrypoint ? { entrypoint: c.Entrypoint } : {}),
        ...(c.Cmd ? { cmd: c.Cmd } : {}),
        ...(c.Env ? { env: c.Env } : {}),
        ...(c.Labels ? { labels: c.Labels } : {}),
        ...(c.WorkingDir ? { workingDir: c.WorkingDir } : {}),
        ...(c.User ? { user: c.User } : {}),
        history: (config.history ?? []).map((h) => ({
          ...(h.created ? { created: h.created } : {}),
          ...(h.created_by ? { createdBy: h.created_by } : {}),
          ...(h.empty_layer ? { emptyLayer: true } : {}),
          ...(h.comment ? { comment: h.comment } : {}),
        })),
      },
    };
  }
  const warnings = [...(resolved.top.parsed.warnings ?? []), ...(resolved.image && resolved.image !== resolved.top ? resolved.image.parsed.warnings ?? [] : []), ...(configWarnings ?? [])];
  if (warnings.length) view.warnings = warnings;
  return view;
}


/**
 * Read-only commands: catalog, tags, digest, manifest, config, platforms, exists.
 */
import { RegistryError } from '../../../shared/errors';
import type { PlatformEntry } from '../../registry/api/image';
import type { ImageManifest } from '../../registry/api/manifest-types';
import { formatPlatform, hostPlatform, parsePlatform, type Platform } from '../../registry/platform';
import { parseReference, parseRegistryUrl, parseRepository, type ImageReference } from '../../registry/reference';
import { sortTagsByVersion } from '../../../shared/versions';
import { expectPositionals, stringFlag, usageError } from '../args';
import type { CliContext } from '../context';

export const target = (ref: ImageReference) => ({ registry: ref.registry, repository: ref.repository, reference: ref.digest ?? ref.tag! });

function platformFlag(ctx: CliContext): Platform | undefined {
  const value = stringFlag(ctx.parsed, 'platform');
  return value === undefined ? undefined : parsePlatform(value);
}

export async function catalog(ctx: CliContext): Promise<number> {
  const [registryArg] = expectPositionals(ctx.parsed, ['REGISTRY'], 'catalog');
  const { host } = parseRegistryUrl(registryArg!);
  const client = await ctx.client();
  const options = { signal: ctx.signal, onWarning: ctx.warn };
  // Artifact Registry answers every catalog with an empty list; Quay leaves public repositories out.
  const emptyNote = `${host}: the catalog lists no repositories; some registries (Artifact Registry) list none there even when they hold some. Open a repository by name: regdesk tags ${host}/REPOSITORY`;
  if (ctx.json) {
    const repositories = await client.catalog(host, options);
    if (repositories.length === 0) ctx.warn(emptyNote);
    ctx.printJson({ repositories });
    return 0;
  }
  let listed = 0;
  for await (const page of client.catalogPages(host, options)) {
    listed += page.length;
    ctx.printLines(page);
  }
  if (listed === 0) ctx.warn(emptyNote);
  return 0;
}

export async function tags(ctx: CliContext): Promise<number> {
  const [repoArg] = expectPositionals(ctx.parsed, ['REPO'], 'tags');
  const repo = parseRepository(repoArg!);
  const sort = stringFlag(ctx.parsed, 'sort');
  if (sort !== undefined && sort !== 'semver' && sort !== 'alpha') throw usageError(`--sort must be semver or alpha, not ${sort.slice(0, 20)}`);
  const client = await ctx.client();
  let list: string[] = await client.tags(repo, { signal: ctx.signal, onWarning: ctx.warn });
  if (sort === 'alpha') list = [...list].sort();
  if (sort === 'semver') list = sortTagsByVersion(list);
  if (ctx.json) ctx.printJson({ name: repo.repository, tags: list });
  else ctx.printLines(list);
  return 0;
}

/** The image manifest for --platform (or the only one), with the index's platforms. */
async function resolveImage(ctx: CliContext, ref: ImageReference, platform: Platform | undefined) {
  const client = await ctx.client();
  return client.resolve(target(ref), { signal: ctx.signal, platform });
}

export async function digest(ctx: CliContext): Promise<number> {
  const [imageArg] = expectPositionals(ctx.parsed, ['IMAGE'], 'digest');
  const ref = parseReference(imageArg!);
  const platform = platformFlag(ctx);
  let value: string;
  if (platform) {
    const resolved = await resolveImage(ctx, ref, platform);
    value = resolved.image!.digest;
  } else {
    const client = await ctx.client();
    const head = await client.headManifest(target(ref), { signal: ctx.signal });
    if (!head) throw new RegistryError('not_found', `${ref.registry}: ${ref.familiar()} not found`, { registry: ref.registry, repository: ref.repository, kind: 'manifest' }, 'Check the repository and tag.');
    value = head.digest;
  }
  if (ctx.json) ctx.printJson({ digest: value });
  else ctx.print(value);
  return 0;
}

export async function manifest(ctx: CliContext, raw: boolean): Promise<number> {
  const [imageArg] = expectPositionals(ctx.parsed, ['IMAGE'], 'manifest');
  const ref = parseReference(imageArg!);
  const platform = platformFlag(ctx);
  const resolved = await resolveImage(ctx, ref, platform);
  const chosen = platform ? resolved.image! : resolved.top;
  if (raw) {
    ctx.io.stdout.write(chosen.bytes);
    return 0;
  }
  printDocument(ctx, chosen.bytes);
  return 0;
}

/**
 * A manifest or config as served, indented. The document is checked against its
 * digest but may still be hostile: one too deeply nested to re-indent is printed
 * exactly as served, with a warning, instead of crashing the command.
 */
function printDocument(ctx: CliContext, bytes: Buffer): void {
  let text: string;
  try {
    text = `${JSON.stringify(JSON.parse(bytes.toString('utf8')), null, 2)}\n`;
  } catch {
    ctx.warn('the document is too deeply nested to indent; printed as served');
    ctx.io.stdout.write(bytes);
    return;
  }
  ctx.io.stdout.write(text);
}

export async function config(ctx: CliContext): Promise<number> {
  const [imageArg] = expectPositionals(ctx.parsed, ['IMAGE'], 'config');
  const ref = parseReference(imageArg!);
  const client = await ctx.client();
  let resolved = await resolveImage(ctx, ref, platformFlag(ctx));
  if (!resolved.image) resolved = await resolveImage(ctx, ref, hostPlatform());
  const image = resolved.image!.parsed as ImageManifest;
  printDocument(ctx, await client.imageConfigBytes({ registry: ref.registry, repository: ref.repository }, image, { signal: ctx.signal }));
  return 0;
}

function platformJson(p: PlatformEntry) {
  return { os: p.platform.os, architecture: p.platform.architecture, ...(p.platform.variant ? { variant: p.platform.variant } : {}), digest: p.digest, size: p.size };
}

export async function platforms(ctx: CliContext): Promise<number> {
  const [imageArg] = expectPositionals(ctx.parsed, ['IMAGE'], 'platforms');
  const ref = parseReference(imageArg!);
  const client = await ctx.client();
  const resolved = await client.resolve(target(ref), { signal: ctx.signal });
  let entries = resolved.platforms;
  if (resolved.top.parsed.kind === 'image') {
    const cfg = await client.imageConfig({ registry: ref.registry, repository: ref.repository }, resolved.top.parsed, { signal: ctx.signal });
    entries = [{
      platform: { os: cfg.os ?? 'unknown', architecture: cfg.architecture ?? 'unknown', ...(cfg.variant ? { variant: cfg.variant } : {}) },
      digest: resolved.top.digest, mediaType: resolved.top.mediaType, size: resolved.top.size, attestation: false,
    }];
  }
  if (ctx.json) ctx.printJson(entries.map(platformJson));
  else ctx.printLines(entries.map((e) => `${formatPlatform(e.platform)} ${e.digest}`));
  return 0;
}

export async function exists(ctx: CliContext): Promise<number> {
  const [imageArg] = expectPositionals(ctx.parsed, ['IMAGE'], 'exists');
  const ref = parseReference(imageArg!);
  const client = await ctx.client();
  const head = await client.headManifest(target(ref), { signal: ctx.signal, fresh: true });
  if (ctx.json) ctx.printJson({ exists: Boolean(head) });
  else if (!ctx.quiet) ctx.print(head ? `${ref.familiar()} exists (${head.digest})` : `${ref.familiar()} not found`);
  return head ? 0 : 3;
}

/**
 * `regdesk export IMAGE PATH`: an image as an OCI image layout (a directory,
 * or a .tar when PATH ends in .tar). `regdesk import PATH IMAGE`: a layout
 * pushed to a registry. `regdesk extract IMAGE FILE.tar`: one platform's
 * flattened filesystem as a tar. Progress on a terminal's stderr.
 */
import type { CopyProgress } from '../../../shared/copy';
import { parseByteSize } from '../../../shared/byte-size';
import { humanBytes } from '../../../shared/format';
import { extractImage } from '../../registry/archive/extract';
import { exportImage } from '../../registry/copy/layout-export';
import { importImage } from '../../registry/copy/layout-import';
import { formatPlatform, parsePlatform, type Platform } from '../../registry/platform';
import { parseReference } from '../../registry/reference';
import { expectPositionals, intFlag, stringFlag, usageError } from '../args';
import type { CliContext } from '../context';

function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** One redrawn line of totals on a terminal. */
function progressLine(stream: NodeJS.WritableStream, verb: string): (p: CopyProgress) => void {
  return (p) => {
    const eta = p.etaSeconds !== undefined ? ` eta ${p.etaSeconds}s` : '';
    const blobs = p.blobs.filter((b) => b.state === 'done').length;
    stream.write(`\r\x1b[2K${verb} ${bar(p.doneBytes, p.totalBytes)} ${humanBytes(p.doneBytes)}/${humanBytes(p.totalBytes)} ${humanBytes(p.rate)}/s${eta} (${blobs}/${p.blobs.length} blobs, ${p.phase})${p.phase === 'done' ? '\n' : ''}`);
  };
}

function platformList(ctx: CliContext): 'all' | Platform[] {
  const list = stringFlag(ctx.parsed, 'platform');
  if (list === undefined) return 'all';
  const platforms = list.split(',').filter(Boolean).map(parsePlatform);
  if (!platforms.length) throw usageError('--platform needs at least one os/arch[/variant]');
  return platforms;
}

const showing = (ctx: CliContext): boolean => Boolean(ctx.io.stderr.isTTY) && !ctx.quiet && !ctx.json;

export async function exportCommand(ctx: CliContext): Promise<number> {
  const [imageArg, pathArg] = expectPositionals(ctx.parsed, ['IMAGE', 'PATH'], 'export');
  const ref = parseReference(imageArg!);
  if (!pathArg) throw usageError('PATH is empty', 'Give a directory, or a file name ending in .tar.');
  const platforms = platformList(ctx);
  const concurrency = intFlag(ctx.parsed, 'concurrency', 1, 32);
  const client = await ctx.client();
  const result = await exportImage(client, { registry: ref.registry, repository: ref.repository, reference: ref.digest ?? ref.tag! }, pathArg, {
    signal: ctx.signal,
    platforms,
    ...(concurrency ? { concurrency } : {}),
    ...(showing(ctx) ? { onProgress: progressLine(ctx.io.stderr, 'export') } : {}),
  });
  if (ctx.json) ctx.printJson(result);
  else if (!ctx.quiet) {
    ctx.print(`exported ${result.source} → ${result.destination}${result.refName !== undefined ? ` (ref ${result.refName})` : ''}`);
    ctx.print(`digest ${result.digest}`);
    if (result.platforms.length) ctx.print(`platforms ${result.platforms.map(formatPlatform).join(', ')}`);
    ctx.print(`${result.manifests} manifests, ${result.blobs} blobs: ${humanBytes(result.bytes)} written`);
  }
  return 0;
}

export async function importCommand(ctx: CliContext): Promise<number> {
  const [pathArg, imageArg] = expectPositionals(ctx.parsed, ['PATH', 'IMAGE'], 'import');
  const dst = parseReference(imageArg!, { defaultTag: false });
  if (dst.digest) throw usageError('IMAGE cannot name a digest: the layout decides it', 'Give host/repository[:tag].');
  const refName = stringFlag(ctx.parsed, 'ref');
  const concurrency = intFlag(ctx.parsed, 'concurrency', 1, 32);
  const client = await ctx.client();
  const result = await importImage(client, pathArg!, { registry: dst.registry, repository: dst.repository, ...(dst.tag ? { tag: dst.tag } : {}) }, {
    signal: ctx.signal,
    ...(refName !== undefined ? { refName } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(showing(ctx) ? { onProgress: progressLine(ctx.io.stderr, 'import') } : {}),
  });
  if (ctx.json) ctx.printJson(result);
  else if (!ctx.quiet) {
    ctx.print(`imported ${result.source} → ${result.destination}`);
    ctx.print(`digest ${result.digest}`);
    ctx.print(`${result.manifests} manifests, ${result.blobs} blobs: ${humanBytes(result.bytes)} uploaded, ${result.skipped} already present`);
  }
  return 0;
}

/** --max-size: bytes, or a size with its unit. */
function maxSizeFlag(ctx: CliContext): number | undefined {
  const text = stringFlag(ctx.parsed, 'max-size');
  if (text === undefined) return undefined;
  const bytes = parseByteSize(text);
  if (bytes === undefined) throw usageError(`--max-size ${JSON.stringify(text.slice(0, 40))} is not a size`, 'Give bytes, or a number with a unit: 500MB, 16GiB (kB MB GB TB, KiB MiB GiB TiB).');
  return bytes;
}

export async function extractCommand(ctx: CliContext): Promise<number> {
  const [imageArg, fileArg] = expectPositionals(ctx.parsed, ['IMAGE', 'FILE.tar'], 'extract');
  const ref = parseReference(imageArg!);
  if (!fileArg) throw usageError('FILE.tar is empty', 'Give the name of the tar file to write.');
  const platformArg = stringFlag(ctx.parsed, 'platform');
  const platform = platformArg === undefined ? undefined : parsePlatform(platformArg);
  const maxSize = maxSizeFlag(ctx);
  const limits = (await ctx.settings()).get().extract;
  const client = await ctx.client();
  const result = await extractImage(client, { registry: ref.registry, repository: ref.repository, reference: ref.digest ?? ref.tag! }, fileArg, {
    signal: ctx.signal,
    ...(platform ? { platform } : {}),
    maxBytes: maxSize ?? limits.maxBytes,
    maxEntries: limits.maxEntries,
    // Refused entries are reported as they are found (on stderr; in the JSON result with --json).
    ...(ctx.json ? {} : { onWarning: (message: string) => ctx.warn(message) }),
  });
  if (ctx.json) ctx.printJson(result);
  else if (!ctx.quiet) {
    ctx.print(`extracted ${result.source}${result.platform ? ` (${formatPlatform(result.platform)})` : ''} → ${result.destination}`);
    ctx.print(`digest ${result.digest}`);
    ctx.print(`${result.layers} layers: ${result.entries} entries, ${humanBytes(result.bytes)}${result.warnings.length ? `, ${result.warnings.length} entries refused` : ''}`);
  }
  return 0;
}

/**
 * `regdesk cp SRC DST`: plan, then copy, with per-blob progress bars on a
 * terminal's stderr. `--dry-run` prints the plan and writes nothing.
 */
import type { CopyPlanSummary, CopyProgress } from '../../../shared/copy';
import { humanBytes } from '../../../shared/format';
import { formatPlatform } from '../../../shared/platform';
import { shortDigest } from '../../registry/digest';
import { copyImage } from '../../registry/copy/copy';
import { planCopy, type CopyRequest } from '../../registry/copy/plan';
import { parsePlatform } from '../../registry/platform';
import { parseReference } from '../../registry/reference';
import { boolFlag, expectPositionals, intFlag, stringFlag, usageError } from '../args';
import type { CliContext } from '../context';

function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Redraws a block of lines on a terminal. */
function progressRenderer(stream: NodeJS.WritableStream): (p: CopyProgress) => void {
  let lines = 0;
  return (p) => {
    const rows = p.blobs
      .filter((b) => b.state !== 'exists')
      .map((b) => `${shortDigest(b.digest)} ${bar(b.done, b.size)} ${b.state.padEnd(9)} ${humanBytes(b.done)}/${humanBytes(b.size)}`);
    const eta = p.etaSeconds !== undefined ? ` eta ${p.etaSeconds}s` : '';
    rows.push(`total ${bar(p.doneBytes, p.totalBytes)} ${humanBytes(p.doneBytes)}/${humanBytes(p.totalBytes)} ${humanBytes(p.rate)}/s${eta} (${p.phase})`);
    stream.write(`${lines ? `\x1b[${lines}A` : ''}${rows.map((r) => `\x1b[2K${r}`).join('\n')}\n`);
    lines = rows.length;
  };
}

export function describePlan(plan: CopyPlanSummary): string[] {
  const count = (a: string) => plan.blobs.filter((b) => b.action === a).length;
  return [
    `copy ${plan.source} → ${plan.destination}`,
    `digest ${plan.digest}${plan.digest !== plan.sourceDigest ? ` (source ${plan.sourceDigest})` : ''}`,
    ...(plan.platforms.length ? [`platforms ${plan.platforms.map(formatPlatform).join(', ')}`] : []),
    `manifests ${plan.manifests.length} (${plan.manifests.filter((m) => m.exists).length} present)`,
    `blobs ${plan.blobs.length}: ${count('upload')} to transfer (${humanBytes(plan.bytesToTransfer)}), ${count('mount')} to mount, ${count('exists')} present`,
  ];
}

function platformsFrom(ctx: CliContext): CopyRequest['platforms'] {
  const all = boolFlag(ctx.parsed, 'all');
  const list = stringFlag(ctx.parsed, 'platform');
  if (all && list) throw usageError('--all and --platform exclude each other');
  if (!list) return 'all';
  return list.split(',').filter(Boolean).map(parsePlatform);
}

export async function cp(ctx: CliContext): Promise<number> {
  const [srcArg, dstArg] = expectPositionals(ctx.parsed, ['SRC', 'DST'], 'cp');
  const src = parseReference(srcArg!);
  const dstRef = parseReference(dstArg!, { defaultTag: false });
  if (dstRef.digest) throw usageError('DST cannot name a digest: the copy decides it', 'Give host/repository[:tag].');
  const request: CopyRequest = {
    source: { registry: src.registry, repository: src.repository, reference: src.digest ?? src.tag! },
    destination: { registry: dstRef.registry, repository: dstRef.repository, ...((dstRef.tag ?? (src.digest ? undefined : src.tag)) ? { tag: dstRef.tag ?? src.tag! } : {}) },
    platforms: platformsFrom(ctx),
    referrers: boolFlag(ctx.parsed, 'referrers'),
    signal: ctx.signal,
  };
  const concurrency = intFlag(ctx.parsed, 'concurrency', 1, 32);
  const client = await ctx.client();
  const tty = Boolean(ctx.io.stderr.isTTY) && !ctx.quiet && !ctx.json;

  if (boolFlag(ctx.parsed, 'dry-run')) {
    const plan = await planCopy(client, request);
    if (ctx.json) ctx.printJson(plan.summary);
    else ctx.printLines(describePlan(plan.summary));
    return 0;
  }
  const { result } = await copyImage(client, request, {
    signal: ctx.signal,
    ...(concurrency ? { concurrency } : {}),
    ...(tty ? { onProgress: progressRenderer(ctx.io.stderr) } : {}),
  });
  if (!ctx.json) result.warnings?.forEach((w) => ctx.warn(w));
  if (ctx.json) ctx.printJson(result);
  else if (!ctx.quiet) {
    ctx.print(`copied ${result.source} → ${result.destination}`);
    ctx.print(`digest ${result.digest}`);
    ctx.print(`${result.blobs} blobs: ${humanBytes(result.bytesTransferred)} transferred, ${result.mounted} mounted, ${result.skipped} already present, in ${result.seconds} s`);
  }
  return 0;
}

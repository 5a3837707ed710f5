/**
 * `regdesk check IMAGE... [--digest D] [--platform P]`: has the tag moved, and
 * are there newer version tags? Exit 0 whether or not there are updates;
 * non-zero only when a check failed.
 */
import { parseDigest } from '../../registry/digest';
import { parsePlatform } from '../../registry/platform';
import { parseReference } from '../../registry/reference';
import { checkUpdates } from '../../registry/update/check';
import { boolFlag, stringFlag, usageError } from '../args';
import type { CliContext } from '../context';
import { exitCodeFor } from '../exit-codes';

export async function check(ctx: CliContext): Promise<number> {
  const images = ctx.parsed.positionals;
  if (!images.length) throw usageError('check needs at least one IMAGE', 'Usage: regdesk check IMAGE... [--digest D] [--platform P]');
  const digest = stringFlag(ctx.parsed, 'digest');
  if (digest !== undefined && images.length > 1) throw usageError('--digest applies to one IMAGE only');
  const platformText = stringFlag(ctx.parsed, 'platform');
  const platform = platformText === undefined ? undefined : parsePlatform(platformText);
  const targets = images.map((text) => ({
    image: parseReference(text),
    ...(platform ? { platform } : {}),
    ...(digest !== undefined ? { digest: parseDigest(digest).toString() } : {}),
  }));
  const client = await ctx.client();
  const results = await checkUpdates(client, targets, { signal: ctx.signal, explain: boolFlag(ctx.parsed, 'explain') });
  const failed = results.find((r) => r.error);
  if (ctx.json) ctx.printJson(results);
  else {
    for (const r of results) {
      const name = `${r.image}${r.platform ? ` (${r.platform})` : ''}`;
      if (r.error) {
        ctx.io.stderr.write(`regdesk: ${name}: ${r.error.message}\n`);
        continue;
      }
      const parts: string[] = [];
      if (r.digestChanged) parts.push(`new digest ${r.remoteDigest} (was ${r.currentDigest})`);
      if (r.newerVersions.length) parts.push(`newer versions ${r.newerVersions.join(', ')} (latest ${r.latestVersion})`);
      ctx.print(`${name}: ${parts.length ? parts.join('; ') : 'up to date'}`);
      if (r.verdicts) for (const v of r.verdicts) ctx.print(`  ${v.tag}: ${v.reason}`);
    }
  }
  if (!failed) return 0;
  return exitCodeFor(failed.error!.code);
}

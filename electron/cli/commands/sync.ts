/** `regdesk sync SRC_REPO DST_REPO [--tags PATTERN]`: copy the tags the destination lacks. */
import { syncRepository } from '../../registry/copy/sync';
import { parseRepository } from '../../registry/reference';
import { expectPositionals, intFlag, stringFlag } from '../args';
import type { CliContext } from '../context';
import { humanBytes } from '../../../shared/format';

export async function sync(ctx: CliContext): Promise<number> {
  const [srcArg, dstArg] = expectPositionals(ctx.parsed, ['SRC_REPO', 'DST_REPO'], 'sync');
  const source = parseRepository(srcArg!);
  const destination = parseRepository(dstArg!);
  const tags = stringFlag(ctx.parsed, 'tags');
  const concurrency = intFlag(ctx.parsed, 'concurrency', 1, 32);
  const client = await ctx.client();
  const result = await syncRepository(client, {
    source: { registry: source.registry, repository: source.repository },
    destination: { registry: destination.registry, repository: destination.repository },
    ...(tags !== undefined ? { tags } : {}),
  }, { signal: ctx.signal, ...(concurrency ? { concurrency } : {}) });
  if (ctx.json) ctx.printJson(result);
  else if (!ctx.quiet) {
    for (const c of result.copied) ctx.print(`copied ${c.source} → ${c.destination} (${humanBytes(c.bytesTransferred)})`);
    ctx.print(`${result.copied.length} tags copied, ${result.present.length} already present, ${result.matched.length} matched`);
  }
  return 0;
}

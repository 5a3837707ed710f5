/**
 * `login`, `logout` and `login --import`. The password comes only from
 * standard input (never a flag: flags end up in shell history and `ps`).
 */
import { importCredentials, login as loginTo, logout as logoutFrom } from '../../credentials/login';
import { parseRegistryUrl } from '../../registry/reference';
import { boolFlag, stringFlag, usageError } from '../args';
import type { CliContext } from '../context';

async function readPassword(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.length > 64 * 1024) throw usageError('the password on standard input is too long');
  }
  return text.replace(/\r?\n$/, '');
}

export async function login(ctx: CliContext): Promise<number> {
  if (boolFlag(ctx.parsed, 'import')) {
    if (ctx.parsed.positionals.length) throw usageError('login --import takes no registry');
    const imported = await importCredentials({ store: ctx.store(), env: ctx.io.env });
    if (ctx.json) ctx.printJson({ imported });
    else if (!imported.length) ctx.print('no credentials found in Docker or Podman configuration');
    else imported.forEach((i) => ctx.print(`imported ${i.registry}${i.username ? ` (${i.username})` : ''} from ${i.from}`));
    return 0;
  }
  const [registryArg, extra] = ctx.parsed.positionals;
  if (!registryArg || extra) throw usageError('login needs exactly one REGISTRY', 'Usage: regdesk login REGISTRY -u USER --password-stdin');
  const username = stringFlag(ctx.parsed, 'username');
  if (!username) throw usageError('login needs a user name (-u USER)');
  if (!boolFlag(ctx.parsed, 'password-stdin')) throw usageError('login reads the password from standard input', 'Pipe it in: echo "$PASSWORD" | regdesk login REGISTRY -u USER --password-stdin');
  const password = await readPassword(ctx.io.stdin);
  if (!password) throw usageError('no password on standard input');
  const { host } = parseRegistryUrl(registryArg);
  await loginTo(host, { username, password }, { store: ctx.store(), signal: ctx.signal, client: await ctx.transportOptions() });
  if (ctx.json) ctx.printJson({ registry: host, username, stored: true });
  else if (!ctx.quiet) ctx.print(`signed in to ${host} as ${username}`);
  return 0;
}

export async function logout(ctx: CliContext): Promise<number> {
  const [registryArg, extra] = ctx.parsed.positionals;
  if (!registryArg || extra) throw usageError('logout needs exactly one REGISTRY');
  const { host } = parseRegistryUrl(registryArg);
  const removed = await logoutFrom(host, ctx.store());
  if (ctx.json) ctx.printJson({ registry: host, removed });
  else if (!ctx.quiet) ctx.print(removed ? `signed out of ${host}` : `no stored credentials for ${host}`);
  return 0;
}

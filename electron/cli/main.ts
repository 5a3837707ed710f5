/**
 * The CLI's dispatcher: commands and their flags, help, exit codes, and the
 * one place errors are printed. Command names, flags, JSON shapes and exit
 * codes are a contract scripts rely on.
 */
import pkg from '../../package.json' with { type: 'json' };
import { isRegistryError, RegistryError } from '../../shared/errors';
import { parseArgs, usageError, type FlagSpecs } from './args';
import { createContext, GLOBAL_FLAGS, type CliContext, type Io } from './context';
import { exitCodeFor } from './exit-codes';

interface Command {
  usage: string;
  summary: string;
  flags: FlagSpecs;
  run: (ctx: CliContext) => Promise<number>;
}

const platformFlag: FlagSpecs = { platform: { value: true } };

/**
 * Each command's module loads only when that command runs: `regdesk tags` should not
 * parse the copy engine, the IPC contract or the web server first (start-up is most of
 * a short command's time).
 */
type Run = Command['run'];
const lazy = <M>(load: () => Promise<M>) => (pick: (m: M) => Run): Run => async (ctx) => pick(await load())(ctx);
const inspect = lazy(() => import('./commands/inspect'));
const layout = lazy(() => import('./commands/layout'));
const auth = lazy(() => import('./commands/auth'));

export const COMMANDS: Record<string, Command> = {
  catalog: { usage: 'catalog REGISTRY', summary: 'list repositories, one per line', flags: {}, run: inspect((m) => m.catalog) },
  tags: { usage: 'tags REPO [--sort semver|alpha]', summary: 'list tags, one per line (server order by default)', flags: { sort: { value: true } }, run: inspect((m) => m.tags) },
  digest: { usage: 'digest IMAGE [--platform P]', summary: "print the manifest digest (the index's unless --platform)", flags: platformFlag, run: inspect((m) => m.digest) },
  manifest: {
    usage: 'manifest IMAGE [--platform P] [--raw]',
    summary: 'print the manifest (--raw: exactly the bytes served)',
    flags: { ...platformFlag, raw: {} },
    run: inspect((m) => (ctx) => m.manifest(ctx, ctx.parsed.flags.raw === true)),
  },
  config: { usage: 'config IMAGE [--platform P]', summary: 'print the image config JSON', flags: platformFlag, run: inspect((m) => m.config) },
  platforms: { usage: 'platforms IMAGE', summary: 'list "os/arch[/variant] digest", one per line', flags: {}, run: inspect((m) => m.platforms) },
  exists: { usage: 'exists IMAGE', summary: 'exit 0 when present, 3 when not found, 4 on an auth failure', flags: {}, run: inspect((m) => m.exists) },
  cp: {
    usage: 'cp SRC DST [--all | --platform P[,P...]] [--dry-run] [--referrers] [--concurrency N]',
    summary: 'copy an image (all platforms of an index by default)',
    flags: { all: {}, platform: { value: true }, 'dry-run': {}, referrers: {}, concurrency: { value: true } },
    run: lazy(() => import('./commands/copy'))((m) => m.cp),
  },
  sync: {
    usage: 'sync SRC_REPO DST_REPO [--tags PATTERN] [--concurrency N]',
    summary: 'copy every tag (or those matching the regular expression PATTERN) the destination lacks',
    flags: { tags: { value: true }, concurrency: { value: true } },
    run: lazy(() => import('./commands/sync'))((m) => m.sync),
  },
  export: {
    usage: 'export IMAGE PATH [--platform P[,P...]] [--concurrency N]',
    summary: 'write an image as an OCI image layout: a directory, or a tar archive when PATH ends in .tar',
    flags: { platform: { value: true }, concurrency: { value: true } },
    run: layout((m) => m.exportCommand),
  },
  import: {
    usage: 'import PATH IMAGE [--ref NAME] [--concurrency N]',
    summary: "push an OCI image layout (directory or .tar) to IMAGE; the tag defaults to the layout's ref.name",
    flags: { ref: { value: true }, concurrency: { value: true } },
    run: layout((m) => m.importCommand),
  },
  extract: {
    usage: 'extract IMAGE FILE.tar [--platform P] [--max-size SIZE]',
    summary: "write one platform's flattened filesystem as a tar (unsafe entries refused; stops when the layers unpack to more than SIZE, 16GiB by default)",
    flags: { ...platformFlag, 'max-size': { value: true } },
    run: layout((m) => m.extractCommand),
  },
  check: {
    usage: 'check IMAGE... [--digest D] [--platform P] [--explain]',
    summary: 'report a moved tag (new digest) and newer version tags',
    flags: { digest: { value: true }, platform: { value: true }, explain: {} },
    run: lazy(() => import('./commands/check'))((m) => m.check),
  },
  serve: {
    usage: 'serve [--port N] [--registry URL]... [--open] [--demo]',
    summary: 'serve the user interface on loopback HTTP (prints the URL with its token); --demo adds two sample registries',
    flags: { port: { value: true }, registry: { value: true, repeat: true }, open: {}, demo: {} },
    run: lazy(() => import('./commands/serve'))((m) => m.serve),
  },
  login: {
    usage: 'login REGISTRY -u USER --password-stdin  |  login --import',
    summary: 'check credentials and keep them in the OS keychain; --import copies Docker/Podman logins',
    flags: { import: {} },
    run: auth((m) => m.login),
  },
  logout: { usage: 'logout REGISTRY', summary: 'remove stored credentials', flags: {}, run: auth((m) => m.logout) },
};

const GLOBAL_HELP = `global options:
  --json                 one JSON document on stdout (errors too)
  --insecure REGISTRY    allow plain HTTP and unverified TLS for REGISTRY (repeatable)
  --ca-file FILE         trust this PEM CA in addition to the system's
  -u, --username USER    with --password-stdin: credentials for this run
  --password-stdin       read the password from standard input
  --verbose              log every request (secrets redacted) and full errors
  -q, --quiet            print only results
  -h, --help             help`;

function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.split(' ')[0]!.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width + 2)}${c.summary}`);
  return `regdesk ${pkg.version}: browse and copy container images in OCI / Docker v2 registries

usage: regdesk <command> [options]

commands:
${lines.join('\n')}

References: REGISTRY is host[:port]; REPO is host/repo; IMAGE is host/repo:tag or
host/repo@digest (Docker Hub short names such as nginx:1.25 work); P is os/arch[/variant].

${GLOBAL_HELP}

Run 'regdesk help COMMAND' for one command.
`;
}

function commandHelp(name: string, command: Command): string {
  return `usage: regdesk ${command.usage}\n\n${command.summary}\n\n${GLOBAL_HELP}\n`;
}


function report(err: unknown, io: Io, json: boolean, verbose: boolean): number {
  const known = isRegistryError(err)
    ? err
    : new RegistryError('internal', `unexpected error: ${err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300)}`, {}, 'Run again with --verbose and report it.');
  if (json) io.stdout.write(`${JSON.stringify({ error: { code: known.code, message: known.message, ...(known.hint ? { hint: known.hint } : {}) } })}\n`);
  else {
    io.stderr.write(`regdesk: ${known.message}\n`);
    if (known.hint) io.stderr.write(`hint: ${known.hint}\n`);
  }
  if (verbose && !isRegistryError(err) && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return exitCodeFor(known.code);
}

/** Runs one CLI invocation; resolves to the exit code. */
export async function runCli(argv: string[], io: Io, signal: AbortSignal): Promise<number> {
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose');
  try {
    if (argv[0] === '--version' || argv[0] === 'version') {
      io.stdout.write(json ? `${JSON.stringify({ version: pkg.version })}\n` : `${pkg.version}\n`);
      return 0;
    }
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
      io.stdout.write(usage());
      return 0;
    }
    if (argv[0] === 'help') {
      const name = argv[1];
      if (!name) io.stdout.write(usage());
      else if (COMMANDS[name]) io.stdout.write(commandHelp(name, COMMANDS[name]));
      else throw usageError(`unknown command '${name.slice(0, 40)}'`, "Run 'regdesk --help' for the commands.");
      return 0;
    }
    const name = argv[0]!;
    const command = COMMANDS[name];
    if (!command) throw usageError(`unknown command '${name.slice(0, 40)}'`, "Run 'regdesk --help' for the commands.");
    const parsed = parseArgs(argv.slice(1), { ...GLOBAL_FLAGS, ...command.flags });
    if (parsed.flags.help) {
      io.stdout.write(commandHelp(name, command));
      return 0;
    }
    const ctx = createContext(parsed, io, signal);
    try {
      return await command.run(ctx);
    } finally {
      await ctx.close();
    }
  } catch (err) {
    const reported = signal.aborted && !isRegistryError(err, 'cancelled') ? new RegistryError('cancelled', 'cancelled', {}) : err;
    return report(reported, io, json, verbose);
  }
}

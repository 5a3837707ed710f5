/**
 * `regdesk`, the command-line front-end of the engine. Runs under plain Node.
 */
import pkg from '../../package.json' with { type: 'json' };

const USAGE = `regdesk ${pkg.version}: browse and copy container images in OCI / Docker v2 registries

usage: regdesk <command> [options]

options:
  --help, -h      show this help
  --version       print the version
`;

function main(argv: string[]): number {
  if (argv.includes('--version')) {
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(`regdesk: unknown command '${argv[0]!.slice(0, 40)}'\nRun 'regdesk --help' for the commands.\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));

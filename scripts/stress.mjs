// `npm run test:stress`: the whole suite several times in a row (3 by default) while
// busy processes keep every core loaded, stopping at the first failing run. A test
// that depends on timing fails here long before it fails in CI. Not part of CI.
//   node scripts/stress.mjs [--runs N] [--burners N] [vitest filters, e.g. test/integration/cli.test.ts]
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '3' }, burners: { type: 'string', default: String(availableParallelism()) } },
});
const runs = Number(values.runs);
const burnerCount = Number(values.burners);

/** A process that spins until stopped, and stops by itself when this script is gone. */
const BURNER = `
const parent = ${process.pid};
for (let i = 0; ; i++) if (i % 50_000_000 === 0 && process.ppid !== parent) process.exit(0);
`;

function run(command, args) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (chunk) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

const build = await run(process.execPath, ['scripts/build.mjs']);
if (build.code !== 0) process.exit(build.code ?? 1);

const burners = Array.from({ length: burnerCount }, () => spawn(process.execPath, ['-e', BURNER], { stdio: 'ignore' }));
const stopBurners = () => burners.forEach((b) => b.kill('SIGKILL'));
process.on('exit', stopBurners);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const lines = [];
let failed = false;
for (let i = 1; i <= runs && !failed; i++) {
  process.stdout.write(`\n=== stress run ${i} of ${runs}, ${burnerCount} busy processes ===\n`);
  const started = Date.now();
  const { code, output } = await run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...positionals]);
  const closing = output.trimEnd().split('\n').at(-1) ?? '';
  lines.push(`run ${i}: ${closing} (exit ${code}, ${Math.round((Date.now() - started) / 1000)} s)`);
  failed = code !== 0;
}
stopBurners();
process.stdout.write(`\n${lines.join('\n')}\n${failed ? 'stress: FAILED' : `stress: ${runs} runs passed`}\n`);
process.exitCode = failed ? 1 : 0;

// `npm run bench [-- --smoke]`: bundles test/bench/bench.ts and runs it (after a build, for dist/cli.js).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';

await build({ entryPoints: ['test/bench/bench.ts'], outfile: 'dist/bench.mjs', bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning' });
const result = spawnSync(process.execPath, ['dist/bench.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);

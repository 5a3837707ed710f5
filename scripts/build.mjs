// Builds everything that ships: the Electron main process and preload, the CLI, and the renderer.
// Node-side bundles carry their npm dependencies (undici included) but keytar, a native module
// resolved from node_modules, and electron, which the app provides.
import { build } from 'esbuild';
import { chmod, readdir, rename, rm } from 'node:fs/promises';
import { build as viteBuild } from 'vite';

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning', packages: 'external', minifySyntax: true, minifyWhitespace: true };

// Build into a private folder and swap it in, so a test or a second build running meanwhile
// never sees a half-written dist/.
const out = `dist.build-${process.pid}`;
await rm(out, { recursive: true, force: true });
await Promise.all([
  // The app bundles its npm dependencies (electron-store and conf are ESM-only) but keytar, a native module.
  build({ ...common, entryPoints: ['electron/main.ts'], outfile: `${out}/main.cjs`, format: 'cjs', packages: undefined, external: ['electron', 'keytar'] }),
  // Sandboxed preloads must be CommonJS and may only require 'electron'.
  build({ ...common, entryPoints: ['electron/preload.ts'], outfile: `${out}/preload.cjs`, format: 'cjs', packages: undefined, external: ['electron'] }),
  // The CLI bundles its dependencies too (start-up time matters for scripts), all but keytar.
  // CommonJS dependencies inside an ES module bundle need a real `require`.
  // Split into chunks loaded per command, so a short command parses only what it runs.
  build({
    ...common,
    entryPoints: { cli: 'electron/cli/index.ts' },
    outdir: out,
    splitting: true,
    chunkNames: 'cli-chunks/[name]-[hash]',
    format: 'esm',
    packages: undefined,
    external: ['keytar'],
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __regdeskCreateRequire } from 'node:module';\nconst require = __regdeskCreateRequire(import.meta.url);" },
  }),
]);
await chmod(`${out}/cli.js`, 0o755);
await viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn', build: { outDir: `${process.cwd()}/${out}/renderer` } });
// Two builds at once: the other may put its dist/ in place between our two renames; move it aside again.
const old = `dist.old-${process.pid}`;
for (let attempt = 1; ; attempt++) {
  await rename('dist', `${old}-${attempt}`).catch((error) => { if (error.code !== 'ENOENT') throw error; });
  try {
    await rename(out, 'dist');
    break;
  } catch (error) {
    if (!['ENOTEMPTY', 'EEXIST'].includes(error.code) || attempt >= 10) throw error;
  }
}
for (const name of await readdir('.')) if (name.startsWith(`${old}-`)) await rm(name, { recursive: true, force: true });

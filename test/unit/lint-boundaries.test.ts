/**
 * README's layout table is enforced: a probe file with one forbidden import is
 * written into each layer's folder and the project's ESLint config must report
 * it (an allowed import must pass, so the check cannot pass by refusing all);
 * two probe modules importing each other must be found as a cycle. The probes
 * are removed afterwards.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without types.
import { findCycles } from '../../scripts/check-cycles.mjs';

const ROOT = resolve(__dirname, '../..');
const written: string[] = [];

function probe(folder: string, source: string): string {
  const path = join(ROOT, folder, `zz-lint-probe-${process.pid}-${written.length}.ts`);
  writeFileSync(path, `${source}\n`);
  written.push(path);
  return path;
}

afterAll(() => {
  for (const path of written) rmSync(path, { force: true });
});

/** Folder of the probe, its one import, and what the report must say. */
const FORBIDDEN: Array<[string, string, RegExp]> = [
  ['electron/registry', 'electron', /may not import the package electron/],
  ['electron/registry', 'react', /may not import the package react/],
  ['electron/registry', 'keytar', /may not import the package keytar/],
  ['electron/registry', '../ipc/handlers', /the engine .* may not import electron\/ipc\//],
  ['electron/registry', '../cli/args', /may not import electron\/cli\//],
  ['electron/registry', '../credentials/keychain', /may not import electron\/credentials\//],
  ['electron/registry', '../settings/schema', /may not import electron\/settings\//],
  ['electron/registry', '../demo/demo', /may not import electron\/demo\//],
  ['electron/registry', '../update-service', /may not import electron\/update-service\.ts/],
  ['electron/registry', '../main', /may not import the Electron shell/],
  ['electron/registry', '../../renderer/src/api', /may not import renderer\//],
  ['electron/registry/api', '../../ipc/wire', /may not import electron\/ipc\//],
  ['electron/ipc', 'electron', /electron\/ipc\/ may not import the package electron/],
  ['electron/ipc', '../cli/args', /electron\/ipc\/ may not import electron\/cli\//],
  ['electron/ipc', '../services', /electron\/ipc\/ may not import electron\/services\.ts/],
  ['electron/cli', 'electron', /electron\/cli\/ may not import the package electron/],
  ['electron/cli/commands', '../../main', /electron\/cli\/ may not import the Electron shell/],
  ['electron/settings', '../ipc/handlers', /electron\/settings\/ may not import electron\/ipc\//],
  ['electron/settings', '../credentials/keychain', /electron\/settings\/ may not import electron\/credentials\//],
  ['electron/credentials', '../settings/schema', /electron\/credentials\/ may not import electron\/settings\//],
  ['electron/demo', '../ipc/handlers', /electron\/demo\/ may not import electron\/ipc\//],
  ['shared', '../electron/registry/digest', /shared\/ may not import the engine/],
  ['shared', '../renderer/src/api', /shared\/ may not import renderer\//],
  ['shared', 'node:path', /shared\/ may not import Node's node:path/],
  ['shared', 'react', /shared\/ may not import the package react/],
  ['renderer/src', '../../electron/registry/digest', /renderer\/ may not import the engine/],
  ['renderer/src/components', '../../../electron/ipc/handlers', /renderer\/ may not import electron\/ipc\//],
  ['renderer/src', 'node:fs', /renderer\/ may not import Node's node:fs/],
  ['renderer/src', 'undici', /renderer\/ may not import the package undici/],
  ['renderer/src', '../../test/rig/registry', /is in no layer/],
];

describe('the layout table', () => {
  it('reports every forbidden import and passes the allowed ones', async () => {
    const forbidden = FORBIDDEN.map(([folder, spec, says]) => ({ path: probe(folder, `import '${spec}';`), spec, says }));
    const allowed = [
      probe('electron/registry', "import '../../shared/errors';\nimport 'node:fs';\nimport 'undici';"),
      probe('electron/ipc', "import '../registry/digest';\nimport '../settings/schema';\nimport '../credentials/keychain';\nimport '../update-service';"),
      probe('electron/cli', "import '../ipc/serve';\nimport '../demo/demo';\nimport '../../package.json';"),
      probe('electron/settings', "import '../registry/reference';\nimport 'zod';"),
      probe('renderer/src', "import '../../shared/contract';\nimport 'react';"),
      probe('shared', "import './errors';\nimport 'zod';"),
    ];
    const results = await new ESLint({ cwd: ROOT }).lintFiles([...forbidden.map((f) => f.path), ...allowed]);
    const messages = new Map(results.map((r) => [r.filePath, r.messages.map((m) => m.message)]));
    for (const f of forbidden) {
      const said = messages.get(f.path) ?? [];
      expect(said, `import '${f.spec}' in ${f.path}`).toHaveLength(1);
      expect(said[0], `import '${f.spec}' in ${f.path}`).toMatch(f.says);
    }
    for (const path of allowed) expect(messages.get(path), path).toEqual([]);
  });

  it('finds an import cycle, and none in the project itself', () => {
    const before = findCycles();
    expect(before).toEqual([]);
    const n = written.length;
    const a = `zz-lint-probe-${process.pid}-${n}`;
    const b = `zz-lint-probe-${process.pid}-${n + 1}`;
    probe('electron/registry', `import './${b}';`);
    probe('electron/registry', `import './${a}';`);
    expect(findCycles()).toEqual([[`electron/registry/${a}.ts`, `electron/registry/${b}.ts`]]);
  });
});

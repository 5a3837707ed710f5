/**
 * README's layout table is enforced: a probe with one forbidden import, linted
 * as if it were a file of each layer (ESLint's lintText with that path, so
 * nothing is written into the checkout and single-file layers are probed too),
 * must be reported, and allowed imports must pass (so the check cannot pass by
 * refusing all). A new file in no layer is reported. Two modules importing each
 * other, in a copy of the layout under a temporary folder, are found as a cycle.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without types.
import { findCycles } from '../../scripts/check-cycles.mjs';

const ROOT = resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

/** The messages ESLint gives `source` as the file `path` (from the repository root). */
async function lintAs(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\n`, { filePath: join(ROOT, path) });
  return result!.messages.map((m) => m.message);
}

/** The file the probe stands as, its one import, and what the report must say. */
const FORBIDDEN: Array<[string, string, RegExp]> = [
  ['electron/registry/zz-probe.ts', 'electron', /may not import the package electron/],
  ['electron/registry/zz-probe.ts', 'react', /may not import the package react/],
  ['electron/registry/zz-probe.ts', 'keytar', /may not import the package keytar/],
  ['electron/registry/zz-probe.ts', '../ipc/handlers', /the engine .* may not import electron\/ipc\//],
  ['electron/registry/zz-probe.ts', '../cli/args', /may not import electron\/cli\//],
  ['electron/registry/zz-probe.ts', '../credentials/keychain', /may not import electron\/credentials\//],
  ['electron/registry/zz-probe.ts', '../settings/schema', /may not import electron\/settings\//],
  ['electron/registry/zz-probe.ts', '../demo/demo', /may not import electron\/demo\//],
  ['electron/registry/zz-probe.ts', '../update-service', /may not import electron\/update-service\.ts/],
  ['electron/registry/zz-probe.ts', '../services', /may not import electron\/services\.ts/],
  ['electron/registry/zz-probe.ts', '../main', /may not import the Electron shell/],
  ['electron/registry/zz-probe.ts', '../../renderer/src/api', /may not import renderer\//],
  ['electron/registry/api/zz-probe.ts', '../../ipc/wire', /may not import electron\/ipc\//],
  ['electron/ipc/zz-probe.ts', 'electron', /electron\/ipc\/ may not import the package electron/],
  ['electron/ipc/zz-probe.ts', '../cli/args', /electron\/ipc\/ may not import electron\/cli\//],
  ['electron/ipc/zz-probe.ts', '../services', /electron\/ipc\/ may not import electron\/services\.ts/],
  ['electron/ipc/zz-probe.ts', '../demo/demo', /electron\/ipc\/ may not import electron\/demo\//],
  ['electron/ipc/zz-probe.ts', '../main', /electron\/ipc\/ may not import the Electron shell/],
  ['electron/cli/zz-probe.ts', 'electron', /electron\/cli\/ may not import the package electron/],
  ['electron/cli/commands/zz-probe.ts', '../../main', /electron\/cli\/ may not import the Electron shell/],
  ['electron/settings/zz-probe.ts', '../ipc/handlers', /electron\/settings\/ may not import electron\/ipc\//],
  ['electron/settings/zz-probe.ts', '../credentials/keychain', /electron\/settings\/ may not import electron\/credentials\//],
  ['electron/settings/zz-probe.ts', 'electron', /electron\/settings\/ may not import the package electron/],
  ['electron/credentials/zz-probe.ts', '../settings/schema', /electron\/credentials\/ may not import electron\/settings\//],
  ['electron/credentials/zz-probe.ts', '../ipc/handlers', /electron\/credentials\/ may not import electron\/ipc\//],
  ['electron/credentials/zz-probe.ts', '../cli/args', /electron\/credentials\/ may not import electron\/cli\//],
  ['electron/credentials/zz-probe.ts', 'electron', /electron\/credentials\/ may not import the package electron/],
  ['electron/demo/zz-probe.ts', '../ipc/handlers', /electron\/demo\/ may not import electron\/ipc\//],
  ['electron/demo/zz-probe.ts', '../credentials/keychain', /electron\/demo\/ may not import electron\/credentials\//],
  ['electron/demo/zz-probe.ts', '../settings/schema', /electron\/demo\/ may not import electron\/settings\//],
  ['electron/demo/zz-probe.ts', 'electron', /electron\/demo\/ may not import the package electron/],
  ['electron/update-service.ts', './credentials/keychain', /electron\/update-service\.ts may not import electron\/credentials\//],
  ['electron/update-service.ts', './ipc/handlers', /electron\/update-service\.ts may not import electron\/ipc\//],
  ['electron/update-service.ts', 'electron', /electron\/update-service\.ts may not import the package electron/],
  ['electron/services.ts', './ipc/handlers', /electron\/services\.ts may not import electron\/ipc\//],
  ['electron/services.ts', 'electron', /electron\/services\.ts may not import the package electron/],
  ['electron/main.ts', './cli/args', /the Electron shell may not import electron\/cli\//],
  ['electron/main.ts', './demo/demo', /the Electron shell may not import electron\/demo\//],
  ['electron/app-probe.ts', './cli/args', /the Electron shell may not import electron\/cli\//],
  ['shared/zz-probe.ts', '../electron/registry/digest', /shared\/ may not import the engine/],
  ['shared/zz-probe.ts', '../renderer/src/api', /shared\/ may not import renderer\//],
  ['shared/zz-probe.ts', 'node:path', /shared\/ may not import Node's node:path/],
  ['shared/zz-probe.ts', 'react', /shared\/ may not import the package react/],
  ['renderer/src/zz-probe.ts', '../../electron/registry/digest', /renderer\/ may not import the engine/],
  ['renderer/src/components/zz-probe.tsx', '../../../electron/ipc/handlers', /renderer\/ may not import electron\/ipc\//],
  ['renderer/src/zz-probe.ts', 'node:fs', /renderer\/ may not import Node's node:fs/],
  ['renderer/src/zz-probe.ts', 'undici', /renderer\/ may not import the package undici/],
  ['renderer/src/zz-probe.ts', '../../test/rig/registry', /is in no layer/],
];

/** What each layer may import: none of it may be reported. */
const ALLOWED: Array<[string, string]> = [
  ['electron/registry/zz-probe.ts', "import '../../shared/errors';\nimport 'node:fs';\nimport 'undici';"],
  ['electron/ipc/zz-probe.ts', "import '../registry/digest';\nimport '../settings/schema';\nimport '../credentials/keychain';\nimport '../update-service';"],
  ['electron/cli/zz-probe.ts', "import '../ipc/serve';\nimport '../demo/demo';\nimport '../services';\nimport '../../package.json';"],
  ['electron/settings/zz-probe.ts', "import '../registry/reference';\nimport 'zod';"],
  ['electron/services.ts', "import './registry/client';\nimport './credentials/keychain';\nimport './settings/schema';"],
  ['electron/main.ts', "import 'electron';\nimport './services';\nimport './ipc/handlers';"],
  ['renderer/src/zz-probe.ts', "import '../../shared/contract';\nimport 'react';"],
  ['shared/zz-probe.ts', "import './errors';\nimport 'zod';"],
];

describe('the layout table', () => {
  it.each(FORBIDDEN)('reports %s importing %s', async (path, spec, says) => {
    const said = await lintAs(path, `import '${spec}';`);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(says);
  });

  it.each(ALLOWED)('lets %s import what its row allows', async (path, source) => {
    expect(await lintAs(path, source)).toEqual([]);
  });

  it('reports code outside the engine that reaches into the client\'s transport', async () => {
    const said = await lintAs('electron/ipc/zz-probe.ts', "import type { RegistryClient } from '../registry/client';\nexport const peek = (client: RegistryClient, deps: { client: RegistryClient }): unknown[] => [client.transport, deps.client.transport];");
    expect(said).toEqual(Array(2).fill('Reach a registry through RegistryClient operations, not its transport (README, Layout).'));
  });

  it('reports a new file under electron/ that belongs to no layer', async () => {
    expect(await lintAs('electron/zz-new-module.ts', 'export const x = 1;')).toEqual([expect.stringMatching(/electron\/zz-new-module\.ts is in no layer of README's layout table/)]);
  });
});

describe('import cycles', () => {
  it('finds none in the project, and finds two modules that import each other', () => {
    expect(findCycles()).toEqual([]);
    const root = mkdtempSync(join(tmpdir(), 'regdesk-cycles-'));
    try {
      const write = (path: string, source: string): void => {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), source);
      };
      write('electron/registry/a.ts', "import { b } from './b';\nexport const a = (): number => b();\n");
      write('electron/registry/b.ts', "import { a } from './a';\nexport const b = (): number => a();\n");
      // A type-only import is erased before anything runs: no cycle.
      write('electron/registry/c.ts', "import type { D } from './d';\nexport type C = D;\n");
      write('electron/registry/d.ts', "import type { C } from './c';\nexport type D = C | number;\n");
      expect(findCycles(root)).toEqual([['electron/registry/a.ts', 'electron/registry/b.ts']]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

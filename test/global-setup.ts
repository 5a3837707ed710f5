/**
 * Run-wide rig: one anonymous registry with the standard images and the large
 * fixtures, built once because they take seconds. Tests that write or need
 * auth/TLS start their own registries (see test/rig/registry.ts).
 */
import type { TestProject } from 'vitest/node';
import { pushManyRepos, pushManyTags, pushStandardFixtures, type StandardFixtures } from './rig/fixtures';
import { setUpNetworkAddress } from './rig/network-address';
import { startRegistry } from './rig/registry';

export interface SharedRig {
  /** Anonymous registry, read-only for tests. */
  registry: { host: string; url: string };
  fixtures: StandardFixtures;
  manyTags: { repo: string; tags: string[] };
  manyRepos: { prefix: string; names: string[] };
}

declare module 'vitest' {
  export interface ProvidedContext {
    rig: SharedRig;
  }
}

export const MANY_TAGS = 1200;
export const MANY_REPOS = 1050;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const registry = await startRegistry();
  try {
    const started = Date.now();
    const [fixtures, tags, names] = await Promise.all([
      pushStandardFixtures(registry),
      pushManyTags(registry, 'fixtures/many-tags', MANY_TAGS),
      pushManyRepos(registry, 'bulk', MANY_REPOS),
    ]);
    if (process.env.RIG_VERBOSE) console.log(`rig fixtures ready in ${Date.now() - started} ms`);
    project.provide('rig', {
      registry: { host: registry.host, url: registry.url },
      fixtures,
      manyTags: { repo: 'fixtures/many-tags', tags },
      manyRepos: { prefix: 'bulk', names },
    });
  } catch (err) {
    await registry.stop();
    throw err;
  }
  const network = await setUpNetworkAddress();
  project.provide('networkAddress', network.value);
  return async () => {
    await network.release();
    await registry.stop();
  };
}

import { describe, expect, it } from 'vitest';
import { canonicalRegistry, DOCKER_HUB_HOST, formatReference, isDockerHub } from '../../shared/names';
import { formatPlatform } from '../../shared/platform';
import { parseReference, parseRegistryHost } from '../../electron/registry/reference';

describe('canonicalRegistry: one key per registry', () => {
  it.each([
    ['docker.io', DOCKER_HUB_HOST],
    ['index.docker.io', DOCKER_HUB_HOST],
    ['registry-1.docker.io', DOCKER_HUB_HOST],
    ['registry.hub.docker.com', DOCKER_HUB_HOST],
    ['Docker.IO', DOCKER_HUB_HOST],
    ['REGISTRY.HUB.DOCKER.COM', DOCKER_HUB_HOST],
    ['docker.io:443', DOCKER_HUB_HOST],
    ['registry-1.docker.io:443', DOCKER_HUB_HOST],
    ['https://index.docker.io/v1/', DOCKER_HUB_HOST],
    ['https://index.docker.io/v1', DOCKER_HUB_HOST],
    ['docker.io:5000', 'docker.io:5000'],
    ['ghcr.io:443', 'ghcr.io'],
    ['GHCR.io', 'ghcr.io'],
    ['[2001:DB8::1]:443', '[2001:db8::1]'],
    ['10.0.0.1:4430', '10.0.0.1:4430'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://ghcr.io/v2/', 'ghcr.io'],
    ['  Registry.LAN:5000/some/path ', 'registry.lan:5000'],
  ])('%s → %s', (key, canonical) => {
    expect(canonicalRegistry(key)).toBe(canonical);
  });

  it('isDockerHub knows every alias', () => {
    for (const alias of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com', 'Docker.io:443']) expect(isDockerHub(alias)).toBe(true);
    expect(isDockerHub('ghcr.io')).toBe(false);
    expect(isDockerHub('docker.io:5000')).toBe(false);
  });

  it('the engine parses a host to the same key the credentials and settings look up', () => {
    for (const host of ['docker.io', 'index.docker.io', 'registry.hub.docker.com', 'Registry-1.Docker.IO:443', 'ghcr.io:443', 'GHCR.IO', '[::1]:443', 'localhost:5000']) {
      expect(parseRegistryHost(host)).toBe(canonicalRegistry(host));
      expect(parseReference(`${host}/team/app:1`).registry).toBe(canonicalRegistry(host));
    }
  });
});

describe('formatReference', () => {
  it('writes a repository, a tag or a digest', () => {
    const repo = { registry: 'ghcr.io', repository: 'team/app' };
    expect(formatReference(repo)).toBe('ghcr.io/team/app');
    expect(formatReference(repo, '1.0')).toBe('ghcr.io/team/app:1.0');
    expect(formatReference(repo, `sha256:${'a'.repeat(64)}`)).toBe(`ghcr.io/team/app@sha256:${'a'.repeat(64)}`);
    expect(formatReference({ registry: 'localhost:5000', repository: 'x' }, 'v1')).toBe('localhost:5000/x:v1');
  });

  it('matches what a parsed reference writes', () => {
    for (const text of ['ghcr.io/team/app:1.0', `localhost:5000/a/b@sha256:${'b'.repeat(64)}`]) {
      const r = parseReference(text);
      expect(formatReference(r, r.digest ?? r.tag)).toBe(r.toString());
    }
  });
});

describe('formatPlatform', () => {
  it('writes os/architecture[/variant]', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux/arm/v7');
    expect(formatPlatform({ os: 'windows', architecture: 'amd64', osVersion: '10.0' })).toBe('windows/amd64');
  });
});

/** The pull command as Docker writes it. */
import { describe, expect, it } from 'vitest';
import { pullCommand } from '../../renderer/src/pull-command';

describe('pullCommand', () => {
  it('writes Docker Hub images in the short form, others with their host', () => {
    expect(pullCommand('registry-1.docker.io', 'library/nginx', { tag: '1.27' })).toBe('docker pull nginx:1.27');
    expect(pullCommand('docker.io', 'grafana/grafana', { tag: 'latest' })).toBe('docker pull grafana/grafana:latest');
    expect(pullCommand('registry-1.docker.io', 'library/a/b', { tag: '1' })).toBe('docker pull library/a/b:1');
    expect(pullCommand('ghcr.io', 'org/app', { tag: '2.0' })).toBe('docker pull ghcr.io/org/app:2.0');
    expect(pullCommand('localhost:5000', 'x', { digest: 'sha256:' + 'a'.repeat(64) })).toBe(`docker pull localhost:5000/x@sha256:${'a'.repeat(64)}`);
    expect(pullCommand('registry-1.docker.io', 'library/nginx', { digest: 'sha256:' + 'b'.repeat(64) })).toBe(`docker pull nginx@sha256:${'b'.repeat(64)}`);
  });
});

import { describe, expect, it } from 'vitest';
import type { WatchedImage } from '../../electron/settings/schema';
import { watchView } from '../../electron/update-service';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const now = new Date('2026-11-23T10:00:00Z');

function watch(patch: Partial<WatchedImage> = {}): WatchedImage {
  return {
    id: 'w1', image: 'registry.example/team/app:1.0', rule: 'both', digest: D1, addedAt: '2026-11-01T00:00:00Z', ignored: [],
    lastCheck: { at: '2026-11-23T09:00:00Z', remoteDigest: D2, newerVersions: ['1.1', '2.0'], latestVersion: '2.0' },
    ...patch,
  };
}

describe('watchView', () => {
  it('reports a moved digest and newer versions, with the image parts', () => {
    expect(watchView(watch(), now)).toMatchObject({
      registry: 'registry.example', repository: 'team/app', tag: '1.0',
      update: { digestChanged: true, remoteDigest: D2, newerVersions: ['1.1', '2.0'], latestVersion: '2.0' },
    });
  });

  it('follows the rule: a digest watch ignores versions, a version watch ignores digests', () => {
    expect(watchView(watch({ rule: 'digest' }), now).update).toMatchObject({ digestChanged: true, newerVersions: [] });
    expect(watchView(watch({ rule: 'version' }), now).update).toMatchObject({ digestChanged: false, newerVersions: ['1.1', '2.0'] });
  });

  it('leaves out what the user ignored, and is quiet when nothing is left', () => {
    expect(watchView(watch({ ignored: [D2, '1.1'] }), now).update).toMatchObject({ digestChanged: false, newerVersions: ['2.0'] });
    expect(watchView(watch({ ignored: [D2, '1.1', '2.0'] }), now).update).toBeNull();
    expect(watchView(watch({ lastCheck: { at: 'x', remoteDigest: D1, newerVersions: [], latestVersion: null } }), now).update).toBeNull();
  });

  it('hides updates while snoozed, and shows them again after', () => {
    expect(watchView(watch({ snoozedUntil: '2026-11-24T00:00:00Z' }), now)).toMatchObject({ update: null, snoozedUntil: '2026-11-24T00:00:00Z' });
    expect(watchView(watch({ snoozedUntil: '2026-11-22T00:00:00Z' }), now)).toMatchObject({ snoozedUntil: null, update: { digestChanged: true } });
  });
});

import { describe, expect, it } from 'vitest';
import { newerVersions, parseTagVersion, sortTagsByVersion } from '../../shared/versions';

describe('parseTagVersion', () => {
  it.each([
    ['1.25', { parts: [1, 25], suffix: '' }],
    ['v2.0.1', { parts: [2, 0, 1], suffix: '' }],
    ['1.1-alpine', { parts: [1, 1], suffix: 'alpine' }],
    ['2.0.0-rc1', { parts: [2, 0, 0], prerelease: 'rc1', suffix: '' }],
    ['3.12-rc2-slim', { parts: [3, 12], prerelease: 'rc2', suffix: 'slim' }],
    ['16', { parts: [16], suffix: '' }],
  ])('%s', (tag, expected) => {
    expect(parseTagVersion(tag)).toEqual({ tag, ...expected });
  });

  it.each(['latest', 'sha-3f2a9c1', 'main', '3f2a9c1b', '20240101', '', 'v', '1..2', '.1', '1.2.3.4.5.6.7'])('%s is not a version', (tag) => {
    expect(parseTagVersion(tag)).toBeUndefined();
  });
});

describe('sortTagsByVersion', () => {
  it('orders numerically, pre-releases before releases, other tags last', () => {
    expect(sortTagsByVersion(['latest', '1.10', '1.9', '2.0', '2.0.0-rc1', '1.2', 'edge'])).toEqual(['1.2', '1.9', '1.10', '2.0.0-rc1', '2.0', 'edge', 'latest']);
  });
});

describe('newerVersions', () => {
  const tags = ['0.9', '1.0', '1.0.1', '1.1', '1.10', '2.0', '2.0.0-rc1', '1.1-alpine', '2.0-alpine', 'latest', 'sha-3f2a9c1'];

  it('matches the issue examples', () => {
    expect(newerVersions('1.0', tags)).toMatchObject({ newer: ['1.1', '1.10', '2.0'], latest: '2.0' });
    expect(newerVersions('1.1-alpine', tags)).toMatchObject({ newer: ['2.0-alpine'], latest: '2.0-alpine' });
    expect(newerVersions('2.0', tags).newer).toEqual([]);
    expect(newerVersions('2.0', tags).latest).toBeUndefined();
  });

  it('counts pre-releases only when the current tag is one', () => {
    expect(newerVersions('2.0.0-rc1', ['2.0.0-rc1', '2.0.0-rc2', '2.0.0', '2.0.1-beta1']).newer).toEqual(['2.0.0-rc2', '2.0.0', '2.0.1-beta1']);
    expect(newerVersions('1.0.0', ['1.0.1-rc1', '1.0.1']).newer).toEqual(['1.0.1']);
  });

  it('says why for every tag, and nothing is newer than a non-version tag', () => {
    const { verdicts } = newerVersions('latest', ['1.0']);
    expect(verdicts).toEqual([{ tag: '1.0', newer: false, reason: 'the current tag latest is not a version' }]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  comparePlatforms,
  formatPlatform,
  isAttestation,
  normalisePlatform,
  parsePlatform,
  platformMatches,
  type Platform,
} from '../../electron/registry/platform';
import { RegistryError } from '../../shared/errors';
import { errorOf } from '../helpers/errors';
import { withinHangGuard } from '../helpers/hang-guard';


describe('parsePlatform', () => {
  it.each<[string, Platform]>([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/arm64', { os: 'linux', architecture: 'arm64' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/arm/7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/x86_64', { os: 'linux', architecture: 'amd64' }],
    ['linux/x86-64', { os: 'linux', architecture: 'amd64' }],
    ['linux/aarch64', { os: 'linux', architecture: 'arm64' }],
    ['linux/armhf', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/armel', { os: 'linux', architecture: 'arm', variant: 'v6' }],
    ['linux/i386', { os: 'linux', architecture: '386' }],
    ['Linux/AMD64', { os: 'linux', architecture: 'amd64' }],
    ['macos/arm64', { os: 'darwin', architecture: 'arm64' }],
    ['windows/amd64', { os: 'windows', architecture: 'amd64' }],
    ['linux/amd64/v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }],
    ['linux/ppc64le', { os: 'linux', architecture: 'ppc64le' }],
  ])('%s', (input, expected) => {
    expect(parsePlatform(input)).toEqual(expected);
  });

  it.each([
    '', 'linux', 'linux/', '/amd64', 'linux/amd64/', 'linux/arm/v7/x', 'linux//amd64', ' linux/amd64', 'linux/amd64 ',
    'linux/amd\0', 'linux/../amd64', 'linux/-amd64', '../..', 'linux/amd64\n', `linux/${'a'.repeat(33)}`, `linux/${'a/'.repeat(50_000)}`,
    'linux\\amd64', 'línux/amd64',
  ])('rejects %j with part platform', (input) => {
    const error = errorOf(() => parsePlatform(input));
    expect(error.code).toBe('invalid_reference');
    expect(error.context).toEqual({ part: 'platform' });
    expect(error.hint).toContain('linux/amd64');
    expect(error.message.length).toBeLessThan(130);
    expect(error.message).not.toMatch(/[\0\n]/);
  });

  it('quotes the input visibly and bounded', () => {
    expect(errorOf(() => parsePlatform('linux\0')).message).toBe('invalid platform "linux\\u0000"');
    expect(errorOf(() => parsePlatform('x'.repeat(1000))).message).toBe(`invalid platform "${'x'.repeat(100)}…"`);
    expect(errorOf(() => parsePlatform(undefined as unknown as string)).message).toBe('invalid platform ""');
  });

  it('is fast on a 100k-character string', () => {
    withinHangGuard(() => expect(() => parsePlatform(`${'a'.repeat(100_000)}/b`)).toThrow(RegistryError));
  });
});

describe('normalisePlatform', () => {
  it('folds aliases and keeps os.version', () => {
    expect(normalisePlatform({ os: 'Windows', architecture: 'X86_64', osVersion: '10.0.20348.1' }))
      .toEqual({ os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.1' });
    expect(normalisePlatform({ os: 'linux', architecture: 'armhf', variant: 'v6' })).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
    expect(normalisePlatform({ os: 'linux', architecture: 'arm64', variant: '' })).toEqual({ os: 'linux', architecture: 'arm64' });
  });

  it('does not treat Object.prototype names as aliases', () => {
    expect(normalisePlatform({ os: 'constructor', architecture: 'toString' })).toEqual({ os: 'constructor', architecture: 'tostring' });
    expect(normalisePlatform({ os: 'linux', architecture: '__proto__' })).toEqual({ os: 'linux', architecture: '__proto__' });
  });
});

describe('formatPlatform', () => {
  it('writes os/arch[/variant]', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux/arm/v7');
    expect(formatPlatform({ os: 'windows', architecture: 'amd64', osVersion: '10.0' })).toBe('windows/amd64');
    expect(formatPlatform(parsePlatform('linux/aarch64'))).toBe('linux/arm64');
  });
});

describe('platformMatches', () => {
  const p = parsePlatform;
  it.each<[string, string, boolean]>([
    ['linux/amd64', 'linux/amd64', true],
    ['linux/x86_64', 'linux/amd64', true],
    ['linux/amd64', 'linux/arm64', false],
    ['linux/amd64', 'windows/amd64', false],
    ['linux/arm64', 'linux/arm64/v8', true],
    ['linux/arm64/v8', 'linux/arm64', true],
    ['linux/aarch64', 'linux/arm64/v8', true],
    ['linux/arm64', 'linux/arm64/v9', false],
    ['linux/arm', 'linux/arm/v7', true],
    ['linux/arm/v7', 'linux/arm', true],
    ['linux/arm', 'linux/arm/v6', false],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['linux/armel', 'linux/arm/v6', true],
    ['linux/armhf', 'linux/arm', true],
    ['linux/arm/v7', 'linux/arm64', false],
    ['linux/amd64', 'linux/amd64/v3', true],
    ['linux/amd64/v3', 'linux/amd64', false],
    ['linux/amd64/v2', 'linux/amd64/v3', false],
  ])('%s wanted, %s candidate → %s', (wanted, candidate, expected) => {
    expect(platformMatches(p(wanted), p(candidate))).toBe(expected);
  });

  it('normalises raw index entries too', () => {
    expect(platformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'Linux', architecture: 'aarch64', variant: 'V8' })).toBe(true);
  });
});

describe('comparePlatforms', () => {
  it('sorts by os, architecture, variant (none first), then os.version', () => {
    const list: Platform[] = [
      { os: 'windows', architecture: 'amd64', osVersion: '10.0.2' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      { os: 'linux', architecture: 's390x' },
      { os: 'windows', architecture: 'amd64', osVersion: '10.0.1' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'linux', architecture: 'arm' },
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v6' },
    ];
    expect([...list].sort(comparePlatforms).map((x) => `${formatPlatform(x)}${x.osVersion ? `@${x.osVersion}` : ''}`)).toEqual([
      'linux/amd64', 'linux/arm', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm64/v8', 'linux/s390x', 'windows/amd64@10.0.1', 'windows/amd64@10.0.2',
    ]);
  });

  it('is antisymmetric and zero only for equal keys', () => {
    const a = { os: 'linux', architecture: 'amd64' };
    const b = { os: 'linux', architecture: 'amd64', variant: 'v2' };
    expect(comparePlatforms(a, b)).toBe(-1);
    expect(comparePlatforms(b, a)).toBe(1);
    expect(comparePlatforms(a, { ...a })).toBe(0);
    // Code-unit order, not locale order: upper case sorts before lower case.
    expect(comparePlatforms({ os: 'Z', architecture: 'a' }, { os: 'a', architecture: 'a' })).toBe(-1);
  });
});

describe('isAttestation', () => {
  it('recognises unknown/unknown and the attestation annotation', () => {
    expect(isAttestation({ platform: { os: 'unknown', architecture: 'unknown' } })).toBe(true);
    expect(isAttestation({ annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } })).toBe(true);
    expect(isAttestation({ platform: { os: 'linux', architecture: 'amd64' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } })).toBe(true);
  });

  it('does not flag ordinary entries', () => {
    expect(isAttestation({ platform: { os: 'linux', architecture: 'amd64' } })).toBe(false);
    expect(isAttestation({ platform: { os: 'unknown', architecture: 'amd64' } })).toBe(false);
    expect(isAttestation({ platform: { os: 'linux', architecture: 'unknown' } })).toBe(false);
    expect(isAttestation({})).toBe(false);
    expect(isAttestation({ annotations: { 'vnd.docker.reference.type': 'something-else' } })).toBe(false);
  });
});

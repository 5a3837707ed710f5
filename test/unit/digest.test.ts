import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestVerifier, digestOf, digestParts, isDigest, parseDigest, shortDigest } from '../../electron/registry/digest';
import { errorOf } from '../helpers/errors';

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const EMPTY_SHA512 = 'sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';
const HELLO_SHA256 = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';


describe('parseDigest', () => {
  it('parses sha256 and sha512 into the wire form, with algorithm and hex parts', () => {
    const d = parseDigest(EMPTY_SHA256);
    expect(d).toBe(EMPTY_SHA256);
    expect(digestParts(d)).toEqual({ algorithm: 'sha256', hex: EMPTY_SHA256.slice(7) });
    const e = parseDigest(EMPTY_SHA512);
    expect(digestParts(e).algorithm).toBe('sha512');
    expect(digestParts(e).hex).toHaveLength(128);
  });

  const bad: Array<[string, string]> = [
    ['empty', ''],
    ['no algorithm', EMPTY_SHA256.slice(7)],
    ['unknown algorithm', `md5:${'a'.repeat(32)}`],
    ['sha384 (not supported)', `sha384:${'a'.repeat(96)}`],
    ['upper-case algorithm', `SHA256:${'a'.repeat(64)}`],
    ['upper-case hex', `sha256:${'A'.repeat(64)}`],
    ['63 hex digits', `sha256:${'a'.repeat(63)}`],
    ['65 hex digits', `sha256:${'a'.repeat(65)}`],
    ['sha512 length on sha256', `sha256:${'a'.repeat(128)}`],
    ['sha256 length on sha512', `sha512:${'a'.repeat(64)}`],
    ['non-hex digit', `sha256:${'g'.repeat(64)}`],
    ['path traversal', 'sha256:../x'],
    ['path traversal at full length', `sha256:../${'a'.repeat(61)}`],
    ['leading space', ` ${EMPTY_SHA256}`],
    ['trailing space', `${EMPTY_SHA256} `],
    ['trailing newline', `${EMPTY_SHA256}\n`],
    ['NUL inside', `sha256:${'a'.repeat(32)}\0${'a'.repeat(31)}`],
    ['trailing NUL', `${EMPTY_SHA256}\0`],
    ['double colon', `sha256::${'a'.repeat(64)}`],
    ['only a colon', ':'],
    ['100k characters', `sha256:${'a'.repeat(100_000)}`],
  ];
  it.each(bad)('rejects %s with invalid_reference, part digest', (_label, input) => {
    const error = errorOf(() => parseDigest(input));
    expect(error.code).toBe('invalid_reference');
    expect(error.context).toEqual({ part: 'digest' });
    expect(error.message.startsWith('invalid digest "')).toBe(true);
    expect(error.hint).toContain('64 lower-case hex digits');
    // Bounded and printable: never echoes unbounded input or raw control characters.
    expect(error.message.length).toBeLessThan(140);
    expect(error.message).not.toMatch(/[\0\n]/);
  });

  it('makes control characters visible in the message', () => {
    expect(errorOf(() => parseDigest('sha256:\0x')).message).toBe('invalid digest "sha256:\\u0000x"');
  });

  it('rejects non-strings without crashing', () => {
    expect(errorOf(() => parseDigest(undefined as unknown as string)).code).toBe('invalid_reference');
    expect(errorOf(() => parseDigest(42 as unknown as string)).context.part).toBe('digest');
  });
});

describe('isDigest', () => {
  it('agrees with parseDigest', () => {
    expect(isDigest(EMPTY_SHA256)).toBe(true);
    expect(isDigest(EMPTY_SHA512)).toBe(true);
    expect(isDigest(EMPTY_SHA256.toUpperCase())).toBe(false);
    expect(isDigest('sha256:../x')).toBe(false);
    expect(isDigest(`${EMPTY_SHA256}\n`)).toBe(false);
    expect(isDigest('')).toBe(false);
    expect(isDigest(undefined)).toBe(false);
    expect(isDigest({ toString: () => EMPTY_SHA256 })).toBe(false);
  });
});

describe('shortDigest', () => {
  it('keeps the algorithm and the first 12 hex digits', () => {
    expect(shortDigest(EMPTY_SHA256)).toBe('sha256:e3b0c44298fc');
    expect(shortDigest(parseDigest(EMPTY_SHA512))).toBe('sha512:cf83e1357eef');
  });

  it('refuses a non-digest instead of displaying it', () => {
    expect(errorOf(() => shortDigest('sha256:../../etc/passwd')).code).toBe('invalid_reference');
  });
});

describe('digestOf', () => {
  it('hashes with sha256 by default and sha512 on request', () => {
    expect(digestOf(new Uint8Array())).toBe(EMPTY_SHA256);
    expect(digestOf(new Uint8Array(), 'sha512')).toBe(EMPTY_SHA512);
    expect(digestOf(new TextEncoder().encode('hello'))).toBe(HELLO_SHA256);
  });
});

describe('DigestVerifier', () => {
  it('accepts matching content fed in chunks and counts the bytes', () => {
    const v = new DigestVerifier(parseDigest(HELLO_SHA256));
    v.update(new TextEncoder().encode('he'));
    v.update(new Uint8Array());
    v.update(new TextEncoder().encode('llo'));
    expect(v.bytes).toBe(5);
    expect(() => v.verify()).not.toThrow();
    expect(v.digest()).toBe(HELLO_SHA256);
  });

  it('verifies sha512 with sha512', () => {
    const bytes = new TextEncoder().encode('regdesk');
    const expected = `sha512:${createHash('sha512').update(bytes).digest('hex')}`;
    const v = new DigestVerifier(parseDigest(expected));
    v.update(bytes);
    v.verify();
    expect(v.digest()).toBe(expected);
  });

  it('throws digest_mismatch naming expected and actual short digests', () => {
    const v = new DigestVerifier(parseDigest(HELLO_SHA256));
    v.update(new TextEncoder().encode('hell'));
    const error = errorOf(() => v.verify());
    expect(error.code).toBe('digest_mismatch');
    const actual = digestOf(new TextEncoder().encode('hell'));
    expect(error.message).toBe(`content digest mismatch: expected sha256:2cf24dba5fb0, got ${shortDigest(actual)} after 4 bytes`);
    expect(error.hint).toBeTruthy();
  });

  it('can be asked twice and refuses data after it finished', () => {
    const v = new DigestVerifier(parseDigest(EMPTY_SHA256));
    v.verify();
    v.verify();
    expect(v.digest()).toBe(EMPTY_SHA256);
    const error = errorOf(() => v.update(new Uint8Array([1])));
    expect(error.code).toBe('internal');
    expect(v.bytes).toBe(0);
  });

  it('handles chunks larger than a typical buffer', () => {
    const big = new Uint8Array(3 * 1024 * 1024).fill(7);
    const v = new DigestVerifier(parseDigest(digestOf(big)));
    for (let i = 0; i < big.length; i += 65_536) v.update(big.subarray(i, i + 65_536));
    expect(v.bytes).toBe(big.length);
    v.verify();
  });
});

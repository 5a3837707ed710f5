import { describe, expect, it } from 'vitest';
import { formatByteSize, parseByteSize } from '../../shared/byte-size';

describe('parseByteSize', () => {
  it('reads bytes, decimal and binary units, any case, with or without a space', () => {
    expect(parseByteSize('1048576')).toBe(1048576);
    expect(parseByteSize('512B')).toBe(512);
    expect(parseByteSize('500MB')).toBe(500_000_000);
    expect(parseByteSize('500 mb')).toBe(500_000_000);
    expect(parseByteSize('16GiB')).toBe(16 * 1024 ** 3);
    expect(parseByteSize('1.5 GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseByteSize('2kB')).toBe(2000);
    expect(parseByteSize('3KiB')).toBe(3072);
    expect(parseByteSize('1TB')).toBe(1e12);
  });

  it('refuses what is not a size of at least one byte', () => {
    for (const bad of ['', 'lots', '16G', '12XB', '1.5.2GB', '-5', '0', '0.1B', '1e9', `${'9'.repeat(17)}`, '99999999 TiB']) {
      expect(parseByteSize(bad), bad).toBeUndefined();
    }
  });
});

describe('formatByteSize', () => {
  it('shows a limit in the unit it was likely written in, else in bytes', () => {
    expect(formatByteSize(16 * 1024 ** 3)).toBe('16 GiB');
    expect(formatByteSize(100 * 1024 ** 2)).toBe('100 MiB');
    expect(formatByteSize(500_000_000)).toBe('500 MB');
    expect(formatByteSize(2000)).toBe('2 kB');
    expect(formatByteSize(12799)).toBe('12799 bytes');
    expect(formatByteSize(1)).toBe('1 byte');
  });
});

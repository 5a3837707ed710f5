/** What is open, in the address's fragment: read back as written, in order, nothing else. */
import { afterEach, describe, expect, it } from 'vitest';
import { openStateHash, readOpenState, writeOpenState } from '../../renderer/src/url-state';

afterEach(() => {
  window.history.replaceState(null, '', '/');
});

describe('open state in the URL', () => {
  it('reads back what was written, names with slashes, colons and spaces included', () => {
    const state = { registry: 'localhost:5000', repository: 'a/b c/d', tag: '1.0+build', platform: 'linux/arm64/v8' };
    writeOpenState(state);
    expect(readOpenState()).toEqual(state);
    writeOpenState({});
    expect(window.location.hash).toBe('');
  });

  it('stops at the first missing key, and ignores other keys (a token)', () => {
    expect(openStateHash({ registry: 'r', tag: 't' })).toBe('#registry=r');
    expect(readOpenState('#registry=r&tag=t')).toEqual({ registry: 'r' });
    expect(readOpenState('#token=abc&registry=r&repository=x')).toEqual({ registry: 'r', repository: 'x' });
    expect(readOpenState('')).toEqual({});
  });
});

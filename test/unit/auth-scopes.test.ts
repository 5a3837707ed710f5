/**
 * Token scopes: canonical merging (one cache key however requests listed
 * them) and coverage checks.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG_SCOPE, deleteScope, mergeScopes, pullScope, pushScope } from '../../electron/registry/auth/scopes';
import { withinHangGuard } from '../helpers/hang-guard';

describe('scope builders', () => {
  it('build the Docker scope strings', () => {
    expect(pullScope('library/nginx')).toBe('repository:library/nginx:pull');
    expect(pushScope('team/app')).toBe('repository:team/app:pull,push');
    expect(deleteScope('a/b/c')).toBe('repository:a/b/c:delete');
    expect(CATALOG_SCOPE).toBe('registry:catalog:*');
  });
});

describe('mergeScopes', () => {
  it('is empty for nothing', () => {
    expect(mergeScopes()).toEqual([]);
    expect(mergeScopes(undefined)).toEqual([]);
    expect(mergeScopes([], undefined, [''])).toEqual([]);
  });

  it('unions the actions per resource, sorted', () => {
    expect(mergeScopes(['repository:a:push'], ['repository:a:pull'])).toEqual(['repository:a:pull,push']);
    expect(mergeScopes(['repository:a:push,pull', 'repository:a:delete', 'repository:a:pull'])).toEqual(['repository:a:delete,pull,push']);
  });

  it('keeps different resources apart and sorts them', () => {
    expect(mergeScopes(['repository:b:pull', 'repository:a:pull,push', 'registry:catalog:*', 'repository:b:push'])).toEqual([
      'registry:catalog:*',
      'repository:a:pull,push',
      'repository:b:pull,push',
    ]);
  });

  it('is the same key whatever the order and grouping of its input', () => {
    const one = mergeScopes(['repository:x:pull', 'repository:y:push'], ['repository:x:push']);
    const two = mergeScopes(['repository:x:push,pull repository:y:push']);
    const three = mergeScopes(['repository:y:push'], ['repository:x:pull'], ['repository:x:push', 'repository:x:pull']);
    expect(one).toEqual(['repository:x:pull,push', 'repository:y:push']);
    expect(two).toEqual(one);
    expect(three).toEqual(one);
    // Idempotent.
    expect(mergeScopes(one)).toEqual(one);
    expect(mergeScopes(one, one)).toEqual(one);
  });

  it('splits space-separated input (as a challenge’s scope parameter carries it), ignoring extra spaces', () => {
    expect(mergeScopes(['  repository:a:pull   repository:b:pull repository:a:push '])).toEqual(['repository:a:pull,push', 'repository:b:pull']);
  });

  it('keeps a repository name that itself contains colons (host:port prefix)', () => {
    expect(mergeScopes(['repository:localhost:5000/app:pull', 'repository:localhost:5000/app:push'])).toEqual(['repository:localhost:5000/app:pull,push']);
  });

  it('keeps the wildcard action and drops empty actions', () => {
    expect(mergeScopes(['repository:a:*', 'repository:a:pull'])).toEqual(['repository:a:*,pull']);
    expect(mergeScopes(['repository:a:pull,,push,'])).toEqual(['repository:a:pull,push']);
    expect(mergeScopes(['repository:a:'])).toEqual(['repository:a:']);
    expect(mergeScopes(['repository:a:', 'repository:a:pull'])).toEqual(['repository:a:pull']);
  });

  it('keeps opaque (unparseable) scopes as they are, once, sorted with the rest', () => {
    expect(mergeScopes(['openid', 'repository:a:pull', 'openid', 'a:b', ':x:y'])).toEqual([':x:y', 'a:b', 'openid', 'repository:a:pull'].sort());
    expect(mergeScopes(['zeta', 'alpha'])).toEqual(['alpha', 'zeta']);
  });

  it('treats type and name case-sensitively', () => {
    expect(mergeScopes(['repository:A:pull', 'repository:a:pull'])).toEqual(['repository:A:pull', 'repository:a:pull']);
  });

  it('does not change its input', () => {
    const input = ['repository:b:push', 'repository:a:pull'];
    mergeScopes(input, ['repository:b:pull']);
    expect(input).toEqual(['repository:b:push', 'repository:a:pull']);
  });

  it('does not let a hostile name reach Object.prototype', () => {
    expect(mergeScopes(['repository:__proto__:pull', 'repository:constructor:push'])).toEqual(['repository:__proto__:pull', 'repository:constructor:push']);
    expect(({} as Record<string, unknown>).pull).toBeUndefined();
  });

  it('copes with many scopes quickly', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `repository:r${i % 100}:${Math.floor(i / 100) % 2 ? 'pull' : 'push'}`);
    const merged = withinHangGuard(() => mergeScopes(many));
    expect(merged).toHaveLength(100);
    expect(merged.every((s) => s.endsWith(':pull,push'))).toBe(true);
  });
});

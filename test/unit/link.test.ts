import { describe, expect, it } from 'vitest';
import { nextLink, parseLinks } from '../../electron/registry/link';
import { errorOf } from '../helpers/errors';
import { withinHangGuard } from '../helpers/hang-guard';

const base = new URL('https://registry.example:5000/v2/_catalog?n=100');


describe('nextLink', () => {
  it('resolves the relative link distribution sends', () => {
    expect(nextLink('</v2/_catalog?last=x&n=100>; rel="next"', base)?.href).toBe('https://registry.example:5000/v2/_catalog?last=x&n=100');
  });

  it('resolves a path-relative and a query-only link against the page URL', () => {
    expect(nextLink('<list?last=b>; rel="next"', new URL('https://r.example/v2/app/tags/list?n=2'))?.href).toBe('https://r.example/v2/app/tags/list?last=b');
    expect(nextLink('<?last=b&n=2>; rel=next', new URL('https://r.example/v2/app/tags/list?n=2'))?.href).toBe('https://r.example/v2/app/tags/list?last=b&n=2');
  });

  it('accepts an absolute link on the same origin, default port written or not', () => {
    expect(nextLink('<https://registry.example:5000/v2/_catalog?last=y>; rel="next"', base)?.href).toBe('https://registry.example:5000/v2/_catalog?last=y');
    expect(nextLink('<https://R.example:443/v2/_catalog?last=y>; rel="next"', new URL('https://r.example/v2/_catalog'))?.href).toBe('https://r.example/v2/_catalog?last=y');
  });

  it('finds next among several links and rel values, quoted or not, any case', () => {
    const header = '</v2/_catalog?last=a>; rel="prev", </v2/_catalog?last=z>; title="a, b; rel=next"; rel="first NEXT"';
    expect(nextLink(header, base)?.search).toBe('?last=z');
    expect(nextLink('</p>; rel=prev, </n>; rel=next', base)?.pathname).toBe('/n');
    expect(nextLink('</n> ;rel = "next"', base)?.pathname).toBe('/n');
    expect(nextLink('</n>; REL="Next"', base)?.pathname).toBe('/n');
  });

  it('ignores rel hidden in other parameters and all but the first rel', () => {
    expect(nextLink('</x>; title="; rel=next"', base)).toBeUndefined();
    expect(nextLink('</x>; rel="prev"; rel="next"', base)).toBeUndefined();
    expect(nextLink('</x>; relx="next"', base)).toBeUndefined();
    expect(nextLink('</x>; rel="nextpage"', base)).toBeUndefined();
  });

  it('keeps commas that are part of the target', () => {
    expect(nextLink('</v2/_catalog?last=a,b&n=1>; rel="next"', base)?.search).toBe('?last=a,b&n=1');
  });

  it('returns undefined when there is no next link', () => {
    expect(nextLink(undefined, base)).toBeUndefined();
    expect(nextLink(null, base)).toBeUndefined();
    expect(nextLink('', base)).toBeUndefined();
    expect(nextLink('</v2/_catalog?last=a>; rel="prev"', base)).toBeUndefined();
    expect(nextLink('</v2/_catalog?last=a>', base)).toBeUndefined();
    expect(nextLink('garbage', base)).toBeUndefined();
    expect(nextLink('<unterminated; rel="next"', base)).toBeUndefined();
  });

  it('skips garbage between links', () => {
    expect(nextLink('junk "a,b" , </n>; rel=next', base)?.pathname).toBe('/n');
    expect(nextLink(';;;, </n>; rel="next', base)?.pathname).toBe('/n');
  });

  it.each([
    ['another host', '<https://evil.example/v2/_catalog?last=x>; rel="next"'],
    ['another port', '<https://registry.example:5001/v2/_catalog>; rel="next"'],
    ['default port instead of 5000', '<https://registry.example/v2/_catalog>; rel="next"'],
    ['http instead of https', '<http://registry.example:5000/v2/_catalog>; rel="next"'],
    ['a protocol-relative link', '<//evil.example/v2/_catalog>; rel="next"'],
    ['a javascript: link', '<javascript:alert(1)>; rel="next"'],
    ['a data: link', '<data:text/plain,hi>; rel="next"'],
  ])('refuses %s with a protocol error', (_label, header) => {
    const error = errorOf(() => nextLink(header, base));
    expect(error.code).toBe('protocol');
    expect(error.context).toEqual({ registry: 'registry.example:5000' });
    expect(error.message.startsWith('registry.example:5000: pagination link to another origin (')).toBe(true);
    expect(error.hint).toContain('does not follow');
  });

  it('names the refused origin, bounded', () => {
    expect(errorOf(() => nextLink('<https://evil.example/x>; rel="next"', base)).message)
      .toBe('registry.example:5000: pagination link to another origin (https://evil.example) refused');
    const long = errorOf(() => nextLink(`<https://${'a'.repeat(200)}.example/x>; rel="next"`, base));
    expect(long.message.length).toBeLessThan(200);
  });

  it('refuses user credentials and unparsable targets', () => {
    expect(errorOf(() => nextLink('<https://u:p@registry.example:5000/v2/_catalog>; rel="next"', base)).message)
      .toBe('registry.example:5000: pagination link with user credentials refused');
    expect(errorOf(() => nextLink('<http://[::1>; rel="next"', base)).message).toBe('registry.example:5000: invalid pagination link <http://[::1>');
  });

  it('refuses a header over 16 KiB and parses one just under it quickly', () => {
    expect(errorOf(() => nextLink(`</n>; rel="next"${' '.repeat(16 * 1024)}`, base)).code).toBe('protocol');
    withinHangGuard(() => {
      expect(nextLink(`${'<a>; rel=prev, '.repeat(1000)}</n>; rel=next`, base)?.pathname).toBe('/n');
      expect(nextLink('"'.repeat(16_000), base)).toBeUndefined();
      expect(nextLink(`</x>${'; a=b'.repeat(3000)}`, base)).toBeUndefined();
      expect(nextLink('<'.repeat(16_000), base)).toBeUndefined();
    });
  });
});

describe('parseLinks', () => {
  it('lists every link with its rel values', () => {
    expect(parseLinks('</a>; rel="prev first", <https://x.example/b>; anchor="#c"; rel=next, <c>')).toEqual([
      { target: '/a', rels: ['prev', 'first'] },
      { target: 'https://x.example/b', rels: ['next'] },
      { target: 'c', rels: [] },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  bearerScopes,
  insufficientScope,
  MAX_WWW_AUTHENTICATE,
  parseWwwAuthenticate,
  type Challenge,
} from '../../electron/registry/www-authenticate';
import { RegistryError } from '../../shared/errors';
import { withinHangGuard } from '../helpers/hang-guard';

/** Plain objects for comparison (params has no prototype). */
function plain(challenges: Challenge[]): Array<{ scheme: string; params: Record<string, string>; token68?: string }> {
  return challenges.map((c) => ({ scheme: c.scheme, params: { ...c.params }, ...(c.token68 !== undefined ? { token68: c.token68 } : {}) }));
}

const parse = (header: string) => plain(parseWwwAuthenticate(header));

describe('parseWwwAuthenticate', () => {
  it('parses the Docker Hub challenge', () => {
    expect(parse('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } },
    ]);
  });

  it('parses several challenges in one header', () => {
    expect(parse('Basic realm="x", Bearer realm="y",service="z"')).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'y', service: 'z' } },
    ]);
    expect(parse('Bearer realm="y", Basic realm="x", Negotiate')).toEqual([
      { scheme: 'bearer', params: { realm: 'y' } },
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'negotiate', params: {} },
    ]);
  });

  it('keeps commas, "=", semicolons and escapes inside quoted strings', () => {
    expect(parse('Bearer realm="https://a/t?x=1,y=2", service="s\\"q\\\\", scope="a b"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://a/t?x=1,y=2', service: 's"q\\', scope: 'a b' } },
    ]);
    expect(parse('Basic realm="a, Bearer realm=b", Bearer realm="c"')).toEqual([
      { scheme: 'basic', params: { realm: 'a, Bearer realm=b' } },
      { scheme: 'bearer', params: { realm: 'c' } },
    ]);
    expect(parse('Basic realm=""')).toEqual([{ scheme: 'basic', params: { realm: '' } }]);
  });

  it('lower-cases scheme and parameter names but not values', () => {
    expect(parse('BEARER Realm="HTTPS://A/T", SERVICE=Svc')).toEqual([{ scheme: 'bearer', params: { realm: 'HTTPS://A/T', service: 'Svc' } }]);
  });

  it('accepts parameters in any order, extra whitespace, empty list elements and unquoted tokens', () => {
    expect(parse('  Bearer   scope="s" ,\t service = svc ,, realm =\t"r"  ,  ')).toEqual([
      { scheme: 'bearer', params: { scope: 's', service: 'svc', realm: 'r' } },
    ]);
    expect(parse(', , Basic , , Bearer realm=r')).toEqual([
      { scheme: 'basic', params: {} },
      { scheme: 'bearer', params: { realm: 'r' } },
    ]);
  });

  it('reads unquoted URLs leniently', () => {
    expect(parse('Bearer realm=https://auth.example/token,service=example')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'example' } },
    ]);
  });

  it('reads token68', () => {
    expect(parse('Negotiate dXNlcjpwYXNz==')).toEqual([{ scheme: 'negotiate', params: {}, token68: 'dXNlcjpwYXNz==' }]);
    expect(parse('Negotiate abc=, Basic realm="r"')).toEqual([
      { scheme: 'negotiate', params: {}, token68: 'abc=' },
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
    expect(parse('Foo a/b+c~d')).toEqual([{ scheme: 'foo', params: {}, token68: 'a/b+c~d' }]);
  });

  it('keeps the first of duplicate parameters', () => {
    expect(parse('Bearer realm="first", realm="second"')).toEqual([{ scheme: 'bearer', params: { realm: 'first' } }]);
  });

  it('tolerates parameters separated only by spaces', () => {
    expect(parse('Bearer realm="r" service="s"')).toEqual([{ scheme: 'bearer', params: { realm: 'r', service: 's' } }]);
  });

  it('returns nothing for an empty or missing header', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate('   ,  ,')).toEqual([]);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
  });

  it('returns what it can read from garbage, without throwing', () => {
    expect(parse('"unterminated')).toEqual([]);
    expect(parse('=')).toEqual([]);
    expect(parse('realm="x"')).toEqual([]);
    expect(parse('Bearer realm="unterminated')).toEqual([{ scheme: 'bearer', params: { realm: 'unterminated' } }]);
    expect(parse('Bearer realm="r"junk, service="s"')).toEqual([{ scheme: 'bearer', params: { realm: 'r', service: 's' } }]);
    expect(parse('@@@, Basic realm="x"')).toEqual([{ scheme: 'basic', params: { realm: 'x' } }]);
    expect(parse('Bearer"x", Basic realm="y"')).toEqual([{ scheme: 'bearer', params: {} }, { scheme: 'basic', params: { realm: 'y' } }]);
    expect(parse('Bearer realm=\\')).toEqual([{ scheme: 'bearer', params: { realm: '\\' } }]);
    expect(parse('Bearer realm="a\\')).toEqual([{ scheme: 'bearer', params: { realm: 'a\\' } }]);
    for (const junk of ['\0\0\0', '"""', '\\\\"', ';;;', '= = =', ',=,', 'Bearer =', 'Bearer ,=x', '\u{1F600}']) {
      expect(() => parseWwwAuthenticate(junk)).not.toThrow();
    }
  });

  it('is not fooled by Object.prototype names', () => {
    const [c] = parseWwwAuthenticate('Bearer __proto__="x", constructor="y", toString="z", realm="r"');
    expect(c).toBeDefined();
    expect(Object.getPrototypeOf(c!.params)).toBeNull();
    expect(c!.params.constructor).toBe('y');
    expect(c!.params.tostring).toBe('z');
    expect(Object.keys(c!.params)).toEqual(['__proto__', 'constructor', 'tostring', 'realm']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(insufficientScope(parseWwwAuthenticate('Bearer realm="r"')[0]!)).toBe(false);
  });

  it('refuses headers over 16 KiB with a protocol error', () => {
    const header = `Bearer realm="${'a'.repeat(MAX_WWW_AUTHENTICATE)}"`;
    let caught: unknown;
    try {
      parseWwwAuthenticate(header);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegistryError);
    expect((caught as RegistryError).code).toBe('protocol');
    expect((caught as RegistryError).message).toBe(`WWW-Authenticate header too long (${header.length} characters, limit 16384)`);
    expect(() => parseWwwAuthenticate('x'.repeat(20 * 1024 * 1024))).toThrow(RegistryError);
  });

  it('parses worst-case headers just under the cap quickly', () => {
    const n = MAX_WWW_AUTHENTICATE;
    const inputs = [
      'a='.repeat(n / 2),
      ','.repeat(n),
      ' '.repeat(n),
      '"'.repeat(n),
      '\\'.repeat(n),
      `Bearer ${'a=b '.repeat(n / 4 - 2)}`,
      `Bearer ${'a=b,'.repeat(n / 4 - 2)}`,
      `B ${'x,'.repeat(n / 2 - 1)}`,
      `Bearer realm="${'\\"'.repeat(n / 2 - 10)}"`,
      `Bearer ${'a '.repeat(n / 2 - 4)}`,
      'a '.repeat(n / 2),
      `${'a'.repeat(n - 2)}==`,
    ];
    withinHangGuard(() => {
      for (const input of inputs) {
        expect(input.length).toBeLessThanOrEqual(n);
        expect(Array.isArray(parseWwwAuthenticate(input))).toBe(true);
      }
    });
  });

  it('reads the first bare token after a scheme as its token68, later ones as new challenges', () => {
    const challenges = parseWwwAuthenticate(`B ${'x,'.repeat(10)}`);
    expect(challenges.map((c) => c.scheme)).toEqual(['b', ...Array(9).fill('x')]);
    expect(challenges[0]!.token68).toBe('x');
  });
});

describe('bearerScopes', () => {
  it('splits scope on spaces', () => {
    const [c] = parseWwwAuthenticate('Bearer realm="r",scope="repository:a/b:pull  repository:c/d:pull,push"');
    expect(bearerScopes(c!)).toEqual(['repository:a/b:pull', 'repository:c/d:pull,push']);
  });

  it('is empty without a scope', () => {
    expect(bearerScopes(parseWwwAuthenticate('Bearer realm="r"')[0]!)).toEqual([]);
    expect(bearerScopes(parseWwwAuthenticate('Bearer realm="r",scope=""')[0]!)).toEqual([]);
  });
});

describe('insufficientScope', () => {
  it('is true only for error="insufficient_scope"', () => {
    const [yes] = parseWwwAuthenticate('Bearer realm="r",error="insufficient_scope",scope="repository:a:push"');
    const [token] = parseWwwAuthenticate('Bearer realm="r",error="invalid_token"');
    const [none] = parseWwwAuthenticate('Bearer realm="r"');
    expect(insufficientScope(yes!)).toBe(true);
    expect(insufficientScope(token!)).toBe(false);
    expect(insufficientScope(none!)).toBe(false);
    expect(insufficientScope(parseWwwAuthenticate('Bearer error=insufficient_scope')[0]!)).toBe(true);
  });
});

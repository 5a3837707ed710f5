/**
 * Host facts that decide transport policy (loopback, link-local/metadata,
 * origins) and the redaction of URLs, headers and secrets.
 */
import { describe, expect, it } from 'vitest';
import { hostnameOf, isLinkLocalOrMetadata, isLoopbackHost, isRegistryUrl, sameOrigin } from '../../electron/registry/transport/hosts';
import { secretsOf } from '../../electron/registry/auth/credentials';
import { redactApiUrl, redactUrl, scrubSecrets } from '../../electron/registry/transport/redact';

describe('isLoopbackHost', () => {
  it.each([
    '127.0.0.1',
    '127.5.6.7',
    '127.255.255.254',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    'localhost',
    'LOCALHOST',
    'LocalHost',
    'foo.localhost',
    'a.b.localhost',
  ])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    '128.0.0.1',
    '126.255.255.255',
    '10.0.0.1',
    '0.0.0.0',
    '::',
    '::2',
    '[::2]',
    'localhost.evil.com',
    'evil-localhost',
    'notlocalhost',
    '127.0.0.1.nip.io',
    '127.evil.com',
    'example.com',
    '',
    '[]',
  ])('%s is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('agrees with the URL parser for the hostnames it produces', () => {
    expect(isLoopbackHost(new URL('http://[::1]:5000/').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('http://[0:0:0:0:0:0:0:1]/').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('http://127.1/').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('http://2130706433/').hostname)).toBe(true);
  });

  // BUG (hosts.ts isLoopbackHost): the WHATWG URL parser writes an IPv4-mapped address in hex
  // (`[::ffff:127.0.0.1]` → `[::ffff:7f00:1]`), and the check only knows the dotted form, so a URL's
  // hostname for a mapped loopback address is not recognised. Fix: normalise mapped addresses (parse
  // the last 32 bits, hex or dotted) before comparing, e.g. via `new URL('http://[h]').hostname` and
  // a check on both `::ffff:7f..:` and `::ffff:127.`.
  it('recognises an IPv4-mapped loopback address in the form URL hostnames use', () => {
    expect(isLoopbackHost(new URL('http://[::ffff:127.0.0.1]/').hostname)).toBe(true);
  });
});

describe('isLinkLocalOrMetadata', () => {
  it.each([
    '169.254.169.254',
    '169.254.0.1',
    '169.254.255.255',
    '100.100.100.200',
    'fe80::1',
    '[fe80::1]',
    'FE80::abcd',
    'febf::1',
    'fea0::1',
    'fd00:ec2::254',
    '[fd00:ec2::254]',
    '::ffff:169.254.169.254',
    'metadata.google.internal',
    'METADATA.GOOGLE.INTERNAL',
    'metadata',
    'instance-data',
  ])('%s is link-local or metadata', (host) => {
    expect(isLinkLocalOrMetadata(host)).toBe(true);
  });

  it.each([
    '10.0.0.1',
    '169.253.255.255',
    '169.255.0.1',
    '127.0.0.1',
    '192.168.1.1',
    'fec0::1',
    'fe7f::1',
    '::1',
    'fd00::1',
    'metadata.example.com',
    'registry.example.com',
    '169.254.169.254.nip.io',
    '',
  ])('%s is not', (host) => {
    expect(isLinkLocalOrMetadata(host)).toBe(false);
  });

  it('agrees with the URL parser for decimal and hex IPv4 forms', () => {
    expect(isLinkLocalOrMetadata(new URL('http://2852039166/').hostname)).toBe(true);
    expect(isLinkLocalOrMetadata(new URL('http://0xA9FEA9FE/').hostname)).toBe(true);
    expect(isLinkLocalOrMetadata(new URL('http://[fe80::1]/').hostname)).toBe(true);
  });

  // BUG (hosts.ts isLinkLocalOrMetadata): token realms are checked on `new URL(realm).hostname`,
  // and the URL parser rewrites `[::ffff:169.254.169.254]` to `[::ffff:a9fe:a9fe]`, which the
  // `/^::ffff:169\.254\./` test does not match. A registry can then send clients (and their
  // credentials) to the cloud metadata service through an IPv4-mapped realm. Fix: also match
  // `::ffff:a9fe:` (and `::ffff:6464:64c8` for 100.100.100.200), or decode the mapped IPv4 first.
  it('recognises an IPv4-mapped metadata address in the form URL hostnames use', () => {
    expect(isLinkLocalOrMetadata(new URL('http://[::ffff:169.254.169.254]/token').hostname)).toBe(true);
  });

  // BUG (hosts.ts isLinkLocalOrMetadata): a fully-qualified name with a trailing dot resolves to the
  // same address, but `metadata.google.internal.` is not in the list. Fix: strip one trailing dot.
  it('recognises a metadata name written with a trailing dot (FQDN)', () => {
    expect(isLinkLocalOrMetadata(new URL('http://metadata.google.internal./').hostname)).toBe(true);
  });
});

describe('hostnameOf', () => {
  it.each([
    ['registry.example.com', 'registry.example.com'],
    ['registry.example.com:5000', 'registry.example.com'],
    ['127.0.0.1:5000', '127.0.0.1'],
    ['localhost', 'localhost'],
    ['[::1]:5000', '[::1]'],
    ['[::1]', '[::1]'],
    ['[fe80::1]:443', '[fe80::1]'],
    ['[2001:db8::1]:5000', '[2001:db8::1]'],
  ])('%s → %s', (registry, host) => {
    expect(hostnameOf(registry)).toBe(host);
  });
});

describe('sameOrigin and isRegistryUrl', () => {
  it('compares scheme, host and port', () => {
    expect(sameOrigin(new URL('https://a.example.com/x'), new URL('https://a.example.com:443/y?z'))).toBe(true);
    expect(sameOrigin(new URL('https://a.example.com/'), new URL('http://a.example.com/'))).toBe(false);
    expect(sameOrigin(new URL('http://127.0.0.1:5000/'), new URL('http://127.0.0.1:5001/'))).toBe(false);
    expect(sameOrigin(new URL('https://a.example.com/'), new URL('https://b.a.example.com/'))).toBe(false);
    expect(sameOrigin(new URL('https://user:pw@a.example.com/'), new URL('https://a.example.com/'))).toBe(true);
  });

  it('tells the registry’s own URLs from others', () => {
    expect(isRegistryUrl('registry.example.com', new URL('https://registry.example.com/v2/'))).toBe(true);
    expect(isRegistryUrl('registry.example.com:443', new URL('https://registry.example.com/v2/'))).toBe(true);
    expect(isRegistryUrl('127.0.0.1:5000', new URL('http://127.0.0.1:5000/v2/'))).toBe(true);
    expect(isRegistryUrl('127.0.0.1:5000', new URL('http://127.0.0.1:5001/v2/'))).toBe(false);
    expect(isRegistryUrl('registry.example.com', new URL('https://storage.example.com/blob'))).toBe(false);
    expect(isRegistryUrl('registry.example.com', new URL('https://registry.example.com.evil.com/'))).toBe(false);
    expect(isRegistryUrl('[::1]:5000', new URL('http://[::1]:5000/v2/'))).toBe(true);
    expect(isRegistryUrl('bad host name', new URL('https://x/'))).toBe(false);
  });
});

describe('redactUrl', () => {
  it('removes user info, query and fragment', () => {
    expect(redactUrl('https://user:pa55@storage.example.com/blob/sha256:abc?X-Amz-Signature=s3cr3t&X-Amz-Credential=AKIA#frag')).toBe(
      'https://storage.example.com/blob/sha256:abc?<redacted>',
    );
    expect(redactUrl(new URL('https://token@example.com/path'))).toBe('https://example.com/path');
    expect(redactUrl('https://example.com/v2/')).toBe('https://example.com/v2/');
    expect(redactUrl('https://example.com/v2/#only-fragment')).toBe('https://example.com/v2/');
  });

  it('never leaks the secrets it removes', () => {
    const out = redactUrl('https://alice:hunter22@example.com/x?token=abcdef&sig=zzz');
    for (const secret of ['alice', 'hunter22', 'abcdef', 'zzz', 'token=']) expect(out).not.toContain(secret);
  });

  it('does not modify a URL object it was given', () => {
    const url = new URL('https://u:p@example.com/x?q=1');
    redactUrl(url);
    expect(url.toString()).toBe('https://u:p@example.com/x?q=1');
  });

  it('says so for something that is not a URL', () => {
    expect(redactUrl('not a url')).toBe('<invalid url>');
    expect(redactUrl('')).toBe('<invalid url>');
  });
});

describe('redactApiUrl', () => {
  it('keeps the query of API URLs with only harmless parameters', () => {
    expect(redactApiUrl('https://r.example.com/v2/a/tags/list?n=100&last=v1.2')).toBe('https://r.example.com/v2/a/tags/list?n=100&last=v1.2');
    expect(redactApiUrl('https://r.example.com/v2/_catalog?n=50')).toBe('https://r.example.com/v2/_catalog?n=50');
    expect(redactApiUrl('https://r.example.com/v2/b/blobs/uploads/?mount=sha256:1&from=a')).toBe('https://r.example.com/v2/b/blobs/uploads/?mount=sha256:1&from=a');
    expect(redactApiUrl('https://r.example.com/v2/')).toBe('https://r.example.com/v2/');
  });

  it('redacts the whole query as soon as any other parameter is there', () => {
    expect(redactApiUrl('https://r.example.com/v2/a/blobs/uploads/uuid?_state=SIGNEDSTATE&digest=sha256:1')).toBe('https://r.example.com/v2/a/blobs/uploads/uuid?<redacted>');
    expect(redactApiUrl('https://s.example.com/blob?n=1&X-Amz-Signature=sig')).toBe('https://s.example.com/blob?<redacted>');
    expect(redactApiUrl('https://s.example.com/blob?N=1')).toBe('https://s.example.com/blob?<redacted>');
  });

  it('redacts user info even with harmless parameters', () => {
    const out = redactApiUrl('https://bob:secretpw@r.example.com/v2/a/tags/list?n=10');
    expect(out).toBe('https://r.example.com/v2/a/tags/list?<redacted>');
    expect(out).not.toContain('secretpw');
  });

  it('says so for something that is not a URL', () => {
    expect(redactApiUrl('::::')).toBe('<invalid url>');
  });
});

describe('scrubSecrets', () => {
  const secret = 'p@ss w/rd+Secret';

  it('removes the raw, base64 and URL-encoded forms', () => {
    const b64 = Buffer.from(secret).toString('base64');
    const enc = encodeURIComponent(secret);
    expect(enc).not.toBe(secret);
    const text = `raw=${secret} b64=${b64} url=${enc} again=${secret}`;
    expect(scrubSecrets(text, [secret])).toBe('raw=<redacted> b64=<redacted> url=<redacted> again=<redacted>');
  });

  it('removes the forms a form body and a JSON echo give it: + for a space, escaped quotes and backslashes', () => {
    const tricky = `it's "a" pass\\word (1)!~`;
    const form = new URLSearchParams({ password: tricky }).toString().slice('password='.length);
    const json = JSON.stringify({ message: `bad password ${tricky}` });
    expect(form).not.toBe(encodeURIComponent(tricky));
    const out = scrubSecrets(`form=${form} json=${json}`, [tricky]);
    expect(out).toBe(`form=<redacted> json={"message":"bad password <redacted>"}`);
  });

  it('with secretsOf, a Basic header echoed back (base64 of user:password) is removed too', () => {
    const basic = Buffer.from(`reader:${secret}`).toString('base64');
    expect(scrubSecrets(`you sent Basic ${basic}`, secretsOf({ username: 'reader', password: secret }))).toBe('you sent Basic <redacted>');
  });

  it('handles several secrets, and skips undefined, empty and very short ones', () => {
    expect(scrubSecrets('token abcd and pw efgh and ab', [undefined, '', 'ab', 'abcd', 'efgh'])).toBe('token <redacted> and pw <redacted> and ab');
  });

  it('leaves text without secrets alone, including regex metacharacters in the secret', () => {
    expect(scrubSecrets('nothing to see', ['.*+?'])).toBe('nothing to see');
    expect(scrubSecrets('a.*+?b', ['.*+?'])).toBe('a<redacted>b');
  });

  it('accepts any iterable of secrets', () => {
    expect(scrubSecrets('one-secret two-secret', new Set(['one-secret', 'two-secret']))).toBe('<redacted> <redacted>');
  });

  it('leaves no trace of the secret in any supported form', () => {
    const forms = [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
    const out = scrubSecrets(forms.join('|'), [secret]);
    for (const f of forms) expect(out).not.toContain(f);
    expect(out).toBe('<redacted>|<redacted>|<redacted>');
  });
});

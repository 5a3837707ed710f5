import { describe, expect, it } from 'vitest';
import {
  checkRepositoryName,
  parseTag,
  parseTagOrDigest,
  DOCKER_HUB_HOST,
  parseReference,
  parseRegistryHost,
  parseRegistryUrl,
  parseRepository,
} from '../../electron/registry/reference';
import { RegistryError } from '../../shared/errors';
import { errorOf } from '../helpers/errors';
import { withinHangGuard } from '../helpers/hang-guard';

const D = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';


function partOf(fn: () => unknown): string | undefined {
  const error = errorOf(fn);
  expect(error.code).toBe('invalid_reference');
  return error.context.part;
}

function fields(input: string, options?: Parameters<typeof parseReference>[1]) {
  const r = parseReference(input, options);
  return { registry: r.registry, repository: r.repository, tag: r.tag, digest: r.digest, full: r.toString(), familiar: r.familiar() };
}

describe('parseReference: Docker Hub', () => {
  it.each([
    ['nginx', 'library/nginx', 'latest', 'registry-1.docker.io/library/nginx:latest', 'nginx:latest'],
    ['nginx:1.25', 'library/nginx', '1.25', 'registry-1.docker.io/library/nginx:1.25', 'nginx:1.25'],
    ['docker.io/nginx:1.25', 'library/nginx', '1.25', 'registry-1.docker.io/library/nginx:1.25', 'nginx:1.25'],
    ['index.docker.io/library/nginx', 'library/nginx', 'latest', 'registry-1.docker.io/library/nginx:latest', 'nginx:latest'],
    ['registry-1.docker.io/nginx', 'library/nginx', 'latest', 'registry-1.docker.io/library/nginx:latest', 'nginx:latest'],
    ['DOCKER.IO/nginx', 'library/nginx', 'latest', 'registry-1.docker.io/library/nginx:latest', 'nginx:latest'],
    ['user/app:tag', 'user/app', 'tag', 'registry-1.docker.io/user/app:tag', 'user/app:tag'],
    ['docker.io/user/app', 'user/app', 'latest', 'registry-1.docker.io/user/app:latest', 'user/app:latest'],
    ['library/nginx/extra', 'library/nginx/extra', 'latest', 'registry-1.docker.io/library/nginx/extra:latest', 'library/nginx/extra:latest'],
  ])('%s', (input, repository, tag, full, familiar) => {
    expect(fields(input)).toEqual({ registry: DOCKER_HUB_HOST, repository, tag, digest: undefined, full, familiar });
  });
});

describe('parseReference: other registries', () => {
  it.each([
    ['ghcr.io/owner/app:1.0', 'ghcr.io', 'owner/app', '1.0'],
    ['localhost/app', 'localhost', 'app', 'latest'],
    ['localhost:5000/app', 'localhost:5000', 'app', 'latest'],
    ['127.0.0.1:5000/a/b/c:v1', '127.0.0.1:5000', 'a/b/c', 'v1'],
    ['[::1]:5000/app:t', '[::1]:5000', 'app', 't'],
    ['[::1]/app', '[::1]', 'app', 'latest'],
    ['[2001:DB8::1]:443/x', '[2001:db8::1]', 'x', 'latest'],
    ['Registry.Example.COM:65535/app', 'registry.example.com:65535', 'app', 'latest'],
    ['my-registry.local:1/app', 'my-registry.local:1', 'app', 'latest'],
  ])('%s', (input, registry, repository, tag) => {
    const r = parseReference(input);
    expect([r.registry, r.repository, r.tag, r.digest]).toEqual([registry, repository, tag, undefined]);
    expect(r.toString()).toBe(`${registry}/${repository}:${tag}`);
    expect(r.familiar()).toBe(`${registry}/${repository}:${tag}`);
  });

  it('does not add library/ outside Docker Hub', () => {
    expect(parseReference('localhost:5000/nginx').repository).toBe('nginx');
  });

  it('treats a first segment without ".", ":" or localhost as a Docker Hub user', () => {
    expect(fields('myhost/app')).toMatchObject({ registry: DOCKER_HUB_HOST, repository: 'myhost/app' });
    expect(fields('localhostx/app')).toMatchObject({ registry: DOCKER_HUB_HOST, repository: 'localhostx/app' });
  });

  it('accepts the repository path grammar separators', () => {
    expect(parseReference('ghcr.io/a.b/c_d/e__f/g-h/i---j/0').repository).toBe('a.b/c_d/e__f/g-h/i---j/0');
  });
});

describe('parseReference: tags and digests', () => {
  it('parses a digest-only reference without a default tag', () => {
    expect(fields(`nginx@${D}`)).toEqual({
      registry: DOCKER_HUB_HOST, repository: 'library/nginx', tag: undefined, digest: D,
      full: `registry-1.docker.io/library/nginx@${D}`, familiar: `nginx@${D}`,
    });
  });

  it('keeps both tag and digest', () => {
    expect(fields(`ghcr.io/o/r:1.0@${D}`)).toMatchObject({ tag: '1.0', digest: D, full: `ghcr.io/o/r:1.0@${D}` });
    expect(fields(`localhost:5000/r:v@${D}`)).toMatchObject({ registry: 'localhost:5000', repository: 'r', tag: 'v', digest: D });
  });

  it('honours defaultTag, and false leaves tag and digest empty', () => {
    expect(parseReference('nginx', { defaultTag: 'stable' }).tag).toBe('stable');
    const bare = parseReference('ghcr.io/o/r', { defaultTag: false });
    expect(bare.tag).toBeUndefined();
    expect('tag' in bare).toBe(false);
    expect(bare.toString()).toBe('ghcr.io/o/r');
    expect(bare.familiar()).toBe('ghcr.io/o/r');
    expect(parseReference('r:given', { defaultTag: false }).tag).toBe('given');
  });

  it('accepts tags at the grammar limits', () => {
    const longest = `_${'a'.repeat(127)}`;
    expect(parseReference(`r:${longest}`).tag).toBe(longest);
    expect(parseReference('r:A.b-C_9').tag).toBe('A.b-C_9');
  });

  it('round-trips through toString', () => {
    for (const input of ['nginx', `user/app:t@${D}`, '[::1]:5000/a/b:c', `ghcr.io/o/r@${D}`]) {
      const once = parseReference(input);
      expect(parseReference(once.toString()).toString()).toBe(once.toString());
      expect(parseReference(once.familiar()).toString()).toBe(once.toString());
    }
  });

  it('returns an immutable value', () => {
    const r = parseReference('nginx') as { tag?: string };
    expect(() => {
      r.tag = 'x';
    }).toThrow(TypeError);
  });
});

describe('parseReference: errors name the part at fault', () => {
  it.each([
    ['', 'repository'],
    [':', 'repository'],
    ['@', 'repository'],
    ['nginx:', 'tag'],
    ['nginx@', 'digest'],
    ['nginx:@', 'tag'],
    ['nginx@sha256:abc', 'digest'],
    ['nginx@sha256:../x', 'digest'],
    [`nginx@SHA256:${D.slice(7)}`, 'digest'],
    [`nginx@${D}@${D}`, 'digest'],
    ['nginx:-bad', 'tag'],
    ['nginx:.bad', 'tag'],
    [`nginx:${'a'.repeat(129)}`, 'tag'],
    ['nginx:a b', 'tag'],
    ['nginx:a+b', 'tag'],
    ['nginx:a\0', 'tag'],
    ['Nginx', 'repository'],
    ['ghcr.io/Owner/app', 'repository'],
    ['ghcr.io/', 'repository'],
    ['ghcr.io//app', 'repository'],
    ['/app', 'repository'],
    ['app/', 'repository'],
    ['a//b', 'repository'],
    ['..', 'repository'],
    ['a/../b', 'repository'],
    ['a..b/../c', 'host'],
    ['../etc/passwd', 'host'],
    ['app_', 'repository'],
    ['a___b', 'repository'],
    ['a.-b', 'repository'],
    ['-app', 'repository'],
    ['a b', 'repository'],
    [' nginx', 'repository'],
    ['nginx\n', 'repository'],
    ['nginx:1\n', 'tag'],
    ['ngi\0nx', 'repository'],
    ['ngi\u00e9nx', 'repository'],
    ['ghcr.io:0/app', 'host'],
    ['ghcr.io:65536/app', 'host'],
    ['ghcr.io:080/app', 'host'],
    ['ghcr.io:/app', 'host'],
    ['ghcr.io:x/app', 'host'],
    ['-ghcr.io/app', 'host'],
    ['ghcr-.io/app', 'host'],
    ['gh_cr.io/app', 'host'],
    ['999.1.1.1/app', 'host'],
    ['1.2.3/app', 'host'],
    ['[::1/app', 'host'],
    ['[::g]/app', 'host'],
    ['[::1]x/app', 'host'],
    ['::1/app', 'host'],
    ['user:pw@ghcr.io/app', 'digest'],
  ])('%j → %s', (input, part) => {
    expect(partOf(() => parseReference(input))).toBe(part);
  });

  it('explains upper case with a lower-case hint', () => {
    const error = errorOf(() => parseReference('ghcr.io/Owner/App:1'));
    expect(error.message).toBe('repository "Owner/App" must be lower case');
    expect(error.hint).toBe('Use "owner/app": repository names are lower case.');
    expect(errorOf(() => parseReference('Nginx')).message).toBe('repository "Nginx" must be lower case');
  });

  it('says what was wrong, where', () => {
    expect(errorOf(() => parseReference('nginx:')).message).toBe('empty tag after ":"');
    expect(errorOf(() => parseReference('a b')).message).toBe('repository "a b" contains a space at position 2');
    expect(errorOf(() => parseReference('a\u0007b')).message).toBe('repository "a\\u0007b" contains a control character (U+0007) at position 2');
    expect(errorOf(() => parseReference('a//b')).message).toContain('empty path component');
    expect(errorOf(() => parseReference('ghcr.io:99999/x')).message).toBe('invalid port "99999" in registry host "ghcr.io:99999"');
  });

  it('limits the full name to 255 characters including the host', () => {
    const host = 'r.io';
    const fits = 'a'.repeat(255 - host.length - 1);
    expect(parseReference(`${host}/${fits}`).repository).toBe(fits);
    const error = errorOf(() => parseReference(`${host}/${fits}a`));
    expect(error.context.part).toBe('repository');
    expect(error.message).toBe('image name too long (256 characters, limit 255 including the host)');
  });

  it('refuses non-string input', () => {
    expect(partOf(() => parseReference(undefined as unknown as string))).toBe('repository');
    expect(partOf(() => parseReference({} as unknown as string))).toBe('repository');
  });
});

describe('parseReference: hostile input', () => {
  const adversarial: Array<[string, string]> = [
    ['10k characters', 'a'.repeat(10_000)],
    ['100k path separators', `${'a-'.repeat(50_000)}!`],
    ['100k underscores', `a${'_a'.repeat(50_000)}_`],
    ['100k dashes', `a${'-'.repeat(100_000)}`],
    ['100k dots in the host', `${'a.'.repeat(50_000)}/x`],
    ['100k colons', ':'.repeat(100_000)],
    ['100k at signs', '@'.repeat(100_000)],
    ['100k slashes', '/'.repeat(100_000)],
  ];
  it.each(adversarial)('%s fails fast with a bounded message', (_label, input) => {
    const error = withinHangGuard(() => errorOf(() => parseReference(input)));
    expect(error.code).toBe('invalid_reference');
    expect(error.message.length).toBeLessThan(300);
  });

  it('stays linear just under the input cap', () => {
    // Long enough to hurt a backtracking regex, short enough to pass the length cap.
    const inputs = [`${'a-'.repeat(500)}!`, `${'a_'.repeat(500)}_`, `${'a.'.repeat(120)}/x`, `r:${'a'.repeat(1000)}`];
    withinHangGuard(() => {
      for (const input of inputs) expect(() => parseReference(input)).toThrow(RegistryError);
    });
  });

  it('never echoes more than ~100 characters of the input', () => {
    const error = errorOf(() => parseReference(`ghcr.io/${'A'.repeat(240)}`));
    expect(error.message).toBe(`repository "${'A'.repeat(100)}…" must be lower case`);
  });

  it('does not echo credentials from a userinfo host', () => {
    const error = errorOf(() => parseRegistryHost('alice:s3cret@ghcr.io'));
    expect(error.message).not.toContain('s3cret');
    expect(error.context.part).toBe('host');
  });
});

describe('parseRepository', () => {
  it('parses host/repo and Docker Hub names', () => {
    const r = parseRepository('ghcr.io/owner/app');
    expect([r.registry, r.repository, r.toString(), r.familiar()]).toEqual(['ghcr.io', 'owner/app', 'ghcr.io/owner/app', 'ghcr.io/owner/app']);
    const hub = parseRepository('nginx');
    expect([hub.registry, hub.repository, hub.toString(), hub.familiar()]).toEqual([DOCKER_HUB_HOST, 'library/nginx', 'registry-1.docker.io/library/nginx', 'nginx']);
    expect(parseRepository('localhost:5000/a/b').repository).toBe('a/b');
    expect(parseRepository('[::1]:5000/a').registry).toBe('[::1]:5000');
  });

  it('rejects tags and digests', () => {
    expect(partOf(() => parseRepository('nginx:1'))).toBe('tag');
    expect(partOf(() => parseRepository('localhost:5000/a:1'))).toBe('tag');
    expect(partOf(() => parseRepository(`nginx@${D}`))).toBe('digest');
    expect(partOf(() => parseRepository(''))).toBe('repository');
    expect(partOf(() => parseRepository('ghcr.io/'))).toBe('repository');
    expect(partOf(() => parseRepository('ghcr.io/A'))).toBe('repository');
  });
});

describe('parseRegistryHost', () => {
  it.each([
    ['ghcr.io', 'ghcr.io'],
    ['GHCR.IO', 'ghcr.io'],
    ['localhost', 'localhost'],
    ['localhost:5000', 'localhost:5000'],
    ['10.0.0.1', '10.0.0.1'],
    ['10.0.0.1:443', '10.0.0.1'],
    ['[::1]', '[::1]'],
    ['[::1]:5000', '[::1]:5000'],
    ['[FE80::1]:1', '[fe80::1]:1'],
    ['docker.io', DOCKER_HUB_HOST],
    ['index.docker.io', DOCKER_HUB_HOST],
    ['registry-1.docker.io', DOCKER_HUB_HOST],
    ['registry.hub.docker.com', DOCKER_HUB_HOST],
    ['docker.io:5000', 'docker.io:5000'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
  ])('%s → %s', (input, host) => {
    expect(parseRegistryHost(input)).toBe(host);
  });

  it.each([
    '', ' ', 'ghcr.io ', 'https://ghcr.io', 'http://ghcr.io', 'ghcr.io/v2', 'ghcr.io/', 'ghcr.io?x', 'ghcr.io#x', 'ghcr.io\\x',
    'user@ghcr.io', 'ghcr.io:0', 'ghcr.io:65536', 'ghcr.io:', 'ghcr.io:1:2', '::1', '[::1', '[]', '[zz]:1', '[::1]5000', 'gh\0cr.io',
    'a..b', '.ghcr.io', 'ghcr.io.', `${'a'.repeat(64)}.io`, '256.0.0.1', 'bücher.example', 'x'.repeat(100_000),
  ])('rejects %j with part host', (input) => {
    expect(partOf(() => parseRegistryHost(input))).toBe('host');
  });

  it('explains a scheme and an unbracketed IPv6 address', () => {
    const scheme = errorOf(() => parseRegistryHost('https://ghcr.io'));
    expect(scheme.message).toBe('registry host "https://ghcr.io" must not include a scheme');
    expect(errorOf(() => parseRegistryHost('fe80::1')).hint).toBe('Put an IPv6 address in brackets, e.g. [::1]:5000.');
  });
});

describe('parseRegistryUrl', () => {
  it.each([
    ['ghcr.io', { host: 'ghcr.io' }],
    ['https://ghcr.io', { host: 'ghcr.io', scheme: 'https' }],
    ['HTTPS://GHCR.io/', { host: 'ghcr.io', scheme: 'https' }],
    ['http://localhost:5000', { host: 'localhost:5000', scheme: 'http' }],
    ['http://[::1]:5000/', { host: '[::1]:5000', scheme: 'http' }],
    ['https://docker.io', { host: DOCKER_HUB_HOST, scheme: 'https' }],
    ['  https://ghcr.io  ', { host: 'ghcr.io', scheme: 'https' }],
  ])('%s', (input, expected) => {
    expect(parseRegistryUrl(input)).toEqual(expected);
  });

  it.each(['ftp://ghcr.io', 'https://ghcr.io/v2/', 'https://ghcr.io//', 'https://ghcr.io?x=1', 'https://', 'https://user:pw@ghcr.io', 'file:///etc/passwd', 'https://ghcr.io:0'])(
    'rejects %j with part host',
    (input) => {
      const error = errorOf(() => parseRegistryUrl(input));
      expect(error.context.part).toBe('host');
      expect(error.message).not.toContain('pw@');
    },
  );
});

describe('parts given apart (as IPC carries them)', () => {
  const D = `sha256:${'a'.repeat(64)}`;

  it('checkRepositoryName: the registry\'s own path, no Docker Hub shorthand', () => {
    expect(checkRepositoryName('nginx')).toBe('nginx');
    expect(checkRepositoryName('team/sub/app')).toBe('team/sub/app');
    for (const [bad, message] of [['../x', /invalid path component/], ['a//b', /empty path component/], ['Team/app', /lower case/], ['a b', /a space/], ['a?x', /invalid path component/], ['', /empty repository/], ['x'.repeat(256), /too long/]] as const) {
      const err = errorOf(() => checkRepositoryName(bad));
      expect(err.code, bad).toBe('invalid_reference');
      expect(err.context.part, bad).toBe('repository');
      expect(err.message, bad).toMatch(message);
    }
  });

  it('parseTagOrDigest: a tag, or a digest when it holds a ":"', () => {
    expect(parseTagOrDigest('v1.2')).toBe('v1.2');
    expect(parseTagOrDigest(D)).toBe(D);
    expect(errorOf(() => parseTagOrDigest('a/b')).context.part).toBe('tag');
    expect(errorOf(() => parseTagOrDigest('-x')).context.part).toBe('tag');
    expect(errorOf(() => parseTagOrDigest('sha256:abc')).context.part).toBe('digest');
    expect(errorOf(() => parseTagOrDigest('')).context.part).toBe('tag');
  });

  it('parseTag: never a digest', () => {
    expect(parseTag('latest')).toBe('latest');
    expect(errorOf(() => parseTag(D)).context.part).toBe('tag');
  });
});

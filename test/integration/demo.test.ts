/** `regdesk serve --demo`: two sample registries that a newcomer can browse at once, gone when serve stops. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startServe } from '../helpers/cli';

const run = promisify(execFile);

async function demoProcesses(): Promise<string> {
  return run('pgrep', ['-af', 'docker-registry serve .*regdesk-demo-']).then((r) => r.stdout.trim(), () => '');
}

describe('serve --demo', () => {
  it('starts an open and a password registry with samples, signed in, and stops them with serve', async () => {
    const serve = await startServe(['--demo']);
    const rpc = serve.rpc;
    let result: Awaited<ReturnType<typeof serve.stop>>;
    try {
      const registries = (await rpc('registries.list', {})).result as Array<{ host: string; name: string; credentials: { origin: string; username?: string } | null }>;
      const [open, closed] = registries.filter((r) => r.name.startsWith('demo-'));
      expect(registries.map((r) => r.name)).toEqual(['Docker Hub', 'demo-open', 'demo-private']);
      expect(closed!.credentials).toEqual({ origin: 'session', username: 'demo', removable: true });
      const catalog = await rpc('catalog.list', { registry: open!.host });
      expect(catalog.result.repositories).toEqual(['samples/hello', 'samples/tools', 'samples/web', 'team/api/server']);
      const tags = await rpc('tags.list', { registry: open!.host, repository: 'samples/web' });
      expect([...tags.result.tags].sort()).toEqual(['1.0', '1.1', '2.0', 'latest']);
      const privateCatalog = await rpc('catalog.list', { registry: closed!.host });
      expect(privateCatalog.result.repositories).toEqual(['private/base']);

      // The demo's password is printed (made up for this run): signed out, the user can sign in again with it.
      const said = new RegExp(`demo: demo-private \\(${closed!.host.replace(/\./g, '\\.')}\\) signs in as demo with password (\\w+) \\(this run only\\)`);
      const password = (await serve.printed(said))[1]!;
      expect(await rpc('registries.logout', { host: closed!.host })).toEqual({ ok: true, result: { removed: true, remaining: null } });
      expect(await rpc('catalog.list', { registry: closed!.host, fresh: true })).toMatchObject({ ok: false, error: { code: 'authentication' } });
      const signedIn = await rpc('registries.login', { host: closed!.host, username: 'demo', password, remember: 'session' });
      expect(signedIn).toMatchObject({ ok: true, result: { credentials: { origin: 'session', username: 'demo', removable: true } } });
      expect((await rpc('catalog.list', { registry: closed!.host, fresh: true })).result.repositories).toEqual(['private/base']);
      expect(await demoProcesses()).not.toBe('');
    } finally {
      result = await serve.stop();
    }
    expect(result.code).toBe(0);
    expect(await demoProcesses()).toBe('');
  });
});

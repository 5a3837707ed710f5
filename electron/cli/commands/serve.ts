/**
 * `regdesk serve [--port N] [--registry URL]... [--open]`: the UI in a browser,
 * over loopback HTTP. Prints the URL (with its token) on stdout and runs until
 * SIGINT or SIGTERM.
 */
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalRegistry } from '../../credentials/registry-keys';
import { createDiscovery } from '../../credentials/discovery';
import { startDemo } from '../../demo/demo';
import { createHandlers } from '../../ipc/handlers';
import { RegistryClient } from '../../registry/client';
import { startServer, type Server } from '../../ipc/serve';
import { parseRegistryUrl } from '../../registry/reference';
import { boolFlag, intFlag, listFlag } from '../args';
import type { CliContext } from '../context';

/** The built renderer sits beside the bundled CLI (dist/cli.js); this code may run from a chunk in dist/cli-chunks/. */
export function rendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(basename(here) === 'cli-chunks' ? dirname(here) : here, 'renderer');
}

export async function serve(ctx: CliContext): Promise<number> {
  const port = intFlag(ctx.parsed, 'port', 0, 65535);
  const extra = listFlag(ctx.parsed, 'registry').map((u) => parseRegistryUrl(u));
  const { settings } = await ctx.services();
  const transport = await ctx.transportOptions();
  const demo = boolFlag(ctx.parsed, 'demo')
    ? await startDemo((credentialFor) => new RegistryClient({ ...transport, credentials: async (host) => credentialFor(host) }))
    : undefined;
  // Demo passwords live in memory for this session only; they are never printed or stored.
  const demoCredentials = new Map((demo?.registries ?? []).filter((r) => r.credential).map((r) => [r.host, r.credential!]));
  const discovery = createDiscovery({ explicit: (host) => demoCredentials.get(host), store: ctx.store(), env: ctx.io.env });
  const client = new RegistryClient({ ...transport, credentials: discovery.source });
  // The handlers emit through the server, which needs the handlers first.
  const bound: { server?: Server } = {};
  const handlers = createHandlers({
    client,
    settings,
    store: ctx.store(),
    discovery,
    transport,
    // --registry and the demo: shown for this session, not saved.
    sessionRegistries: [
      ...(demo?.registries ?? []).map((r) => ({ host: r.host, name: r.name, insecure: true, skipVerify: false })),
      ...extra.map((r) => ({ host: canonicalRegistry(r.host), insecure: r.scheme === 'http', skipVerify: false })),
    ],
    emit: (event, payload) => bound.server?.emit(event, payload),
  });
  handlers.updates.start();
  const server = (bound.server = await startServer({ handlers, staticDir: rendererDir(), ...(port ? { port } : {}) }));
  ctx.print(server.url);
  if (boolFlag(ctx.parsed, 'open')) {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    spawn(opener, [server.url], { stdio: 'ignore', detached: true }).on('error', () => ctx.warn(`open ${server.url} in a browser`)).unref();
  }
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  handlers.updates.stop();
  await server.close();
  await client.close();
  await demo?.stop();
  return 0;
}

/**
 * `regdesk serve [--port N] [--registry URL]... [--open]`: the UI in a browser,
 * over loopback HTTP. Prints the URL (its token in the fragment) on stdout and
 * runs until SIGINT or SIGTERM. A promise rejected with nobody to catch it is
 * logged on one redacted line, and serving goes on.
 */
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalRegistry } from '../../../shared/names';
import { encodeCredential } from '../../credentials/keychain';
import { startDemo } from '../../demo/demo';
import { createHandlers } from '../../ipc/handlers';
import { RegistryClient } from '../../registry/client';
import { startServer, type Server } from '../../ipc/serve';
import { parseRegistryUrl } from '../../registry/reference';
import { redactUrl, scrubSecrets } from '../../registry/transport/redact';
import { boolFlag, intFlag, listFlag } from '../args';
import type { CliContext } from '../context';

/** The built renderer sits beside the bundled CLI (dist/cli.js); this code may run from a chunk in dist/cli-chunks/. */
export function rendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(basename(here) === 'cli-chunks' ? dirname(here) : here, 'renderer');
}

/**
 * One line for stderr about a rejection nobody handled: its kind and the first
 * line of its message, without URLs' queries and user info or the serve token.
 */
export function describeRejection(reason: unknown, secrets: Iterable<string>): string {
  const kind = reason instanceof Error ? reason.name : typeof reason;
  const text = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
  const firstLine = text.split('\n', 1)[0]!.slice(0, 300).replace(/\bhttps?:\/\/\S+/g, (url) => redactUrl(url));
  const line = scrubSecrets(firstLine, secrets);
  return `unexpected error kept from stopping serve (${kind})${line ? `: ${line}` : ''}`;
}

export async function serve(ctx: CliContext): Promise<number> {
  const port = intFlag(ctx.parsed, 'port', 0, 65535);
  const extra = listFlag(ctx.parsed, 'registry').map((u) => parseRegistryUrl(u));
  const { settings, store, session, discovery, client, transport } = await ctx.services();
  const demo = boolFlag(ctx.parsed, 'demo')
    ? await startDemo((credentialFor) => new RegistryClient({ ...transport, credentials: async (host) => credentialFor(host) }))
    : undefined;
  // Signed in for this session only (memory, never stored): the demo's password, and sign-ins without a keychain.
  const demoCredentials = (demo?.registries ?? []).flatMap((r) => (r.credential ? [{ name: r.name, host: r.host, credential: r.credential }] : []));
  for (const d of demoCredentials) await session.set(d.host, encodeCredential(d.credential));
  // The handlers emit through the server, which needs the handlers first.
  const bound: { server?: Server } = {};
  const handlers = createHandlers({
    client,
    settings,
    store,
    session,
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
  const server = (bound.server = await startServer({ handlers, staticDir: rendererDir(), port }));
  // A long-running server outlives any one request: a stray rejection is reported, never fatal.
  const secrets = [server.token, ...demoCredentials.map((d) => d.credential.password ?? '')];
  const onRejection = (reason: unknown): void => ctx.warn(describeRejection(reason, secrets));
  process.on('unhandledRejection', onRejection);
  ctx.print(server.url);
  // The demo's password is made up for this run: the user needs it to sign in again after signing out, or from another tool.
  for (const d of demoCredentials) ctx.warn(`demo: ${d.name} (${d.host}) signs in as ${d.credential.username} with password ${d.credential.password} (this run only)`);
  if (boolFlag(ctx.parsed, 'open')) {
    // Other local users can read a command line: the browser gets a one-time code, not the token.
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    spawn(opener, [server.openUrl()], { stdio: 'ignore', detached: true }).on('error', () => ctx.warn('could not start a browser: open the URL above')).unref();
  }
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  process.off('unhandledRejection', onRejection);
  handlers.updates.stop();
  await server.close();
  await demo?.stop();
  return 0;
}

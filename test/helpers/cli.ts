/**
 * Runs the built CLI (dist/cli.js) as a subprocess with a private HOME and
 * settings folder, so nothing of the machine's Docker or keychain leaks in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listenTracked } from '../rig/listen';

export const CLI = resolve('dist/cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'regdesk-cli-home-'));
  return {
    PATH: process.env.PATH,
    HOME: home,
    REGDESK_CONFIG_DIR: join(home, 'config'),
    DOCKER_CONFIG: join(home, 'docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CONFIG_HOME: join(home, '.config'),
    // No session bus: the keychain is unavailable unless a test provides one.
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/regdesk-test-bus',
    LANG: 'C.UTF-8',
    ...extra,
  };
}

export interface RunningCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Resolves with the match once what the CLI printed on stderr so far matches `pattern`; rejects if it exits first. */
  printed(pattern: RegExp): Promise<RegExpExecArray>;
}

export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): RunningCli {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const child = spawn(process.execPath, [CLI, ...args], { env: options.env ?? cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(options.stdin ?? '');
  const done = new Promise<CliResult>((resolveDone) => {
    child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr }));
  });
  const printed = (pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolvePrinted, reject) => {
      const check = (): void => {
        const match = pattern.exec(stderr);
        if (!match) return;
        child.stderr!.off('data', check);
        resolvePrinted(match);
      };
      // Registered after the collector above, so each check sees the text that just arrived.
      child.stderr!.on('data', check);
      check();
      void done.then((r) => reject(new Error(`the CLI exited (${r.code ?? r.signal}) before printing ${pattern}: ${r.stderr.slice(-500)}`)));
    });
  return { child, done, printed };
}

export function cli(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** An answer of serve's /rpc: a result, or a typed error. */
export interface RpcAnswer {
  ok: boolean;
  result?: any;
  error?: { code: string; message: string; status?: number };
}

export interface Serve {
  /** The URL serve printed, its token in the fragment. */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The token from the URL's fragment, as the page reads it. */
  token: string;
  /** Calls one handler the way the page does: POST with the token in its header. */
  rpc(channel: string, body: unknown): Promise<RpcAnswer>;
  /** Resolves once serve's stderr so far matches `pattern`. */
  printed: RunningCli['printed'];
  /** Stops serve (SIGTERM) and returns how it ended and what it printed. */
  stop(): Promise<CliResult>;
}

/** Starts `regdesk serve` with `args` and waits for the URL it prints. */
export async function startServe(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<Serve> {
  const serve = startCli(['serve', ...args], options.env ? { env: options.env } : {});
  const url = await new Promise<string>((resolve, reject) => {
    // The URL may arrive split across reads: match what has arrived so far.
    let printed = '';
    serve.child.stdout!.on('data', (d: Buffer) => {
      printed += d.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/#token=\w+\n/.exec(printed);
      if (match) resolve(match[0].trimEnd());
    });
    void serve.done.then((r) => reject(new Error(`serve exited: ${r.stderr}`)));
  });
  const { origin, hash } = new URL(url);
  const token = new URLSearchParams(hash.slice(1)).get('token')!;
  return {
    url,
    origin,
    token,
    printed: serve.printed,
    async rpc(channel, body) {
      const res = await fetch(`${origin}/rpc/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-regdesk-token': token }, body: JSON.stringify(body) });
      return (await res.json()) as RpcAnswer;
    },
    async stop() {
      serve.child.kill('SIGTERM');
      return serve.done;
    },
  };
}

export interface FakeOpener {
  /** serve's environment, with the stand-in first on PATH. */
  env: NodeJS.ProcessEnv;
  /** The arguments `serve --open` started the browser with. */
  opened: Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A stand-in for xdg-open, first on PATH, that reports the arguments it was
 * started with: what `serve --open` puts on a command line other users can read.
 */
export async function fakeOpener(): Promise<FakeOpener> {
  let report!: (args: string[]) => void;
  const opened = new Promise<string[]>((resolveOpened) => (report = resolveOpened));
  const listening = await listenTracked(createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.end();
      report(JSON.parse(body) as string[]);
    });
  }));
  const bin = mkdtempSync(join(tmpdir(), 'regdesk-opener-'));
  writeFileSync(join(bin, 'xdg-open'), `#!${process.execPath}\nfetch('http://127.0.0.1:${listening.port}/', { method: 'POST', body: JSON.stringify(process.argv.slice(2)) });\n`);
  chmodSync(join(bin, 'xdg-open'), 0o755);
  return { env: cliEnv({ PATH: `${bin}:${process.env.PATH}` }), opened, close: listening.close };
}

/**
 * The UI as a user gets it: `regdesk serve` (the built CLI) and Debian's
 * Chromium driven by playwright-core. Used by the e2e tests and the UI
 * benchmark.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startCli } from './cli';

export const CHROMIUM = '/usr/bin/chromium';

export interface Serve {
  /** The URL serve printed, token included. */
  url: string;
  /** Stops serve and returns what it printed. */
  stop(): Promise<{ stdout: string; stderr: string }>;
}

/** Starts `regdesk serve` with `args` and waits for the URL it prints. */
export async function startServe(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<Serve> {
  const serve = startCli(['serve', ...args], options.env ? { env: options.env } : {});
  const url = await new Promise<string>((resolve, reject) => {
    serve.child.stdout!.on('data', (d: Buffer) => {
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=\w+/.exec(d.toString());
      if (match) resolve(match[0]);
    });
    void serve.done.then((r) => reject(new Error(`serve exited: ${r.stderr}`)));
  });
  return {
    url,
    async stop() {
      serve.child.kill('SIGTERM');
      return serve.done;
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error('Chromium is missing: apt-get install chromium');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

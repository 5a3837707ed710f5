/**
 * What every CLI command shares: the global flags, the app's services
 * (electron/services.ts: one engine client built from settings,
 * registries.json, the keychain and the other credential sources), output
 * helpers, and a cancel signal wired to Ctrl-C.
 */
import { canonicalRegistry } from '../../shared/names';
import { keytarStore, type SecretStore } from '../credentials/keychain';
import type { Credential } from '../registry/auth/credentials';
import type { RegistryClient } from '../registry/client';
import type { AppServices, TransportOptions } from '../services';
import { readCaFile } from '../settings/ca-file';
import type { SettingsFile } from '../settings/settings-file';
import { boolFlag, listFlag, stringFlag, type FlagSpecs, type Parsed } from './args';

export const GLOBAL_FLAGS: FlagSpecs = {
  json: {},
  insecure: { value: true, repeat: true },
  'ca-file': { value: true },
  username: { value: true, alias: 'u' },
  'password-stdin': {},
  verbose: {},
  quiet: { alias: 'q' },
  help: { alias: 'h' },
};

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export interface CliContext {
  parsed: Parsed;
  io: Io;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  signal: AbortSignal;
  /** The engine client, created on first use. */
  client(): Promise<RegistryClient>;
  /** Transport settings (CA, insecure, proxy, logging) without credentials: for checks like login. */
  transportOptions(): Promise<TransportOptions>;
  /** The settings file, read once (a command's limits and preferences). */
  settings(): Promise<SettingsFile>;
  /** Everything a long-running command (serve) needs: the client, settings that follow registries.json, the credential sources. */
  services(): Promise<AppServices>;
  /** The keychain; absent when it cannot be opened. */
  store(): SecretStore;
  print(line: string): void;
  /** Many lines in one write: a 10,000-tag listing is one syscall, not 10,000. */
  printLines(lines: readonly string[]): void;
  printJson(value: unknown): void;
  warn(line: string): void;
  /** Closes pooled connections so the process can exit. */
  close(): Promise<void>;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.length > 64 * 1024) break;
  }
  return text.replace(/\r?\n$/, '');
}

export function createContext(parsed: Parsed, io: Io, signal: AbortSignal): CliContext {
  const json = boolFlag(parsed, 'json');
  const quiet = boolFlag(parsed, 'quiet');
  const verbose = boolFlag(parsed, 'verbose');
  let store: SecretStore | undefined;
  const warn = (line: string): void => {
    if (!quiet) io.stderr.write(`regdesk: ${line}\n`);
  };
  const getStore = (): SecretStore => (store ??= keytarStore());

  // The engine (undici) and the settings schema (zod) load on first use: --help,
  // --version and usage errors answer without them.
  const build = async (): Promise<AppServices> => {
    const [{ openSettings, settingsDir }, { createAppServices }] = await Promise.all([import('../settings/settings-file'), import('../services')]);
    const dir = settingsDir(io.env);
    const settings = openSettings({ dir });
    if (settings.notice) warn(settings.notice);
    const insecure = listFlag(parsed, 'insecure').map(canonicalRegistry);
    const caFile = stringFlag(parsed, 'ca-file');
    const ca = caFile ? await readCaFile(caFile, { hint: 'Give the path of a PEM file with --ca-file.' }) : undefined;
    const services = createAppServices({
      settings,
      dir,
      store: getStore(),
      userAgent: 'regdesk-cli',
      insecure,
      // --insecure: plain HTTP allowed and TLS not verified, for that registry only; --ca-file for every registry.
      hostConfig: (registry, base) => ({ ...base, ...(insecure.includes(canonicalRegistry(registry)) ? { insecure: true, skipVerify: true } : {}), ...(ca ? { ca } : {}) }),
      // The transport's log lines carry no secrets: URLs are redacted there.
      transport: verbose
        ? { log: (line) => io.stderr.write(`> ${line}\n`), retry: { onRetry: ({ delayMs, reason }) => io.stderr.write(`> retrying in ${delayMs} ms: ${reason}\n`) } }
        : {},
      env: io.env,
      explicit: () => explicit,
      onKeychainError: (err) => {
        if (verbose) warn(`${err.message} (using the other credential sources)`);
      },
    });
    const problem = services.live.problem();
    if (problem) warn(problem);
    return services;
  };
  let servicesPromise: Promise<AppServices> | undefined;
  const services = (): Promise<AppServices> => (servicesPromise ??= build());

  // --password-stdin is read when a command asks for the client, not before: `login` reads stdin itself.
  let explicit: Credential | undefined;
  let explicitRead: Promise<void> | undefined;
  const readExplicit = (): Promise<void> =>
    (explicitRead ??= (async () => {
      if (!boolFlag(parsed, 'password-stdin')) return;
      const username = stringFlag(parsed, 'username');
      const password = await readStdin(io.stdin);
      explicit = { ...(username ? { username } : {}), password };
    })());

  return {
    parsed,
    io,
    json,
    quiet,
    verbose,
    signal,
    client: async () => {
      await readExplicit();
      return (await services()).client;
    },
    transportOptions: async () => (await services()).transport,
    settings: async () => (await services()).settings,
    services: async () => {
      const built = await services();
      // Only a long-running command asks for these: it also follows hand edits of registries.json.
      built.live.watch();
      return built;
    },
    close: async () => {
      if (servicesPromise) await (await servicesPromise.catch(() => undefined))?.close();
    },
    store: getStore,
    print: (line) => io.stdout.write(`${line}\n`),
    printLines: (lines) => {
      if (lines.length) io.stdout.write(`${lines.join('\n')}\n`);
    },
    printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    warn,
  };
}

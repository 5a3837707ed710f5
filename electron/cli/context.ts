/**
 * What every CLI command shares: the global flags, one engine client built
 * from settings, registries.json, the keychain and the other credential
 * sources, output helpers, and a cancel signal wired to Ctrl-C.
 */
import type { createDiscovery } from '../credentials/discovery';
import { keytarStore, type SecretStore } from '../credentials/keychain';
import { canonicalRegistry } from '../../shared/names';
import type { RegistryClient, RegistryClientOptions } from '../registry/client';
import type { Credential } from '../registry/auth/credentials';
import type { RegistryHostConfig } from '../registry/transport/types';
import { readCaFile } from '../settings/ca-file';
import type { LiveHostConfig } from '../settings/live-host-config';
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
  transportOptions(): Promise<Omit<RegistryClientOptions, 'credentials'>>;
  /** The settings file, read once (a command's limits and preferences). */
  settings(): Promise<SettingsFile>;
  /** Everything a long-running command (serve) needs besides the client. */
  services(): Promise<{ settings: SettingsFile; discovery: ReturnType<typeof createDiscovery> }>;
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
  let clientPromise: Promise<RegistryClient> | undefined;
  let store: SecretStore | undefined;
  const warn = (line: string): void => {
    if (!quiet) io.stderr.write(`regdesk: ${line}\n`);
  };
  const getStore = (): SecretStore => (store ??= keytarStore());

  let settingsFile: SettingsFile | undefined;
  let liveConfig: LiveHostConfig | undefined;
  // The engine (undici) and the settings schema (zod) load on first use: --help,
  // --version and usage errors answer without them.
  const settingsOf = async (): Promise<SettingsFile> => {
    if (!settingsFile) {
      const [{ openSettings, settingsDir }, { notifyingUpdates }] = await Promise.all([import('../settings/settings-file'), import('../settings/live-host-config')]);
      const opened = openSettings({ dir: settingsDir(io.env) });
      if (opened.notice) warn(opened.notice);
      // A long-running command (serve) changes registries while it runs: the transport follows.
      settingsFile = notifyingUpdates(opened, () => liveConfig?.refresh());
    }
    return settingsFile;
  };
  let discovery: ReturnType<typeof createDiscovery> | undefined;

  const buildTransport = async (): Promise<Omit<RegistryClientOptions, 'credentials'>> => {
    const [{ settingsDir }, { liveHostConfig }] = await Promise.all([import('../settings/settings-file'), import('../settings/live-host-config')]);
    const settings = await settingsOf();
    const insecure = listFlag(parsed, 'insecure').map(canonicalRegistry);
    const caFile = stringFlag(parsed, 'ca-file');
    const ca = caFile ? await readCaFile(caFile, { hint: 'Give the path of a PEM file with --ca-file.' }) : undefined;
    liveConfig = liveHostConfig({ settings, dir: settingsDir(io.env), fixed: { insecure } });
    const problem = liveConfig.problem();
    if (problem) warn(problem);
    const fromSettings = liveConfig.hostConfig;
    const proxy = settings.get().proxy;
    const hostConfig = (registry: string): RegistryHostConfig => {
      const base = fromSettings(registry) ?? {};
      // --insecure: plain HTTP allowed and TLS not verified, for that registry only.
      const cliInsecure = insecure.includes(canonicalRegistry(registry));
      return { ...base, ...(cliInsecure ? { insecure: true, skipVerify: true } : {}), ...(ca ? { ca } : {}) };
    };
    return {
      // The settings' CA files are read asynchronously: requests wait until they are in place.
      hostConfig: Object.assign(hostConfig, { ready: fromSettings.ready }),
      ...(proxy ? { proxy } : {}),
      // The transport's log lines carry no secrets: URLs are redacted there.
      ...(verbose ? { log: (line: string) => io.stderr.write(`> ${line}\n`) } : {}),
      ...(verbose ? { retry: { onRetry: ({ delayMs, reason }: { delayMs: number; reason: string }) => io.stderr.write(`> retrying in ${delayMs} ms: ${reason}\n`) } } : {}),
      userAgent: 'regdesk-cli',
    };
  };
  let transportPromise: ReturnType<typeof buildTransport> | undefined;
  const transportOptions = () => (transportPromise ??= buildTransport());

  const build = async (): Promise<RegistryClient> => {
    const options = await transportOptions();
    let explicit: Credential | undefined;
    const username = stringFlag(parsed, 'username');
    if (boolFlag(parsed, 'password-stdin')) {
      const password = await readStdin(io.stdin);
      explicit = { ...(username ? { username } : {}), password };
    }
    const [{ createDiscovery }, { RegistryClient }] = await Promise.all([import('../credentials/discovery'), import('../registry/client')]);
    discovery = createDiscovery({
      explicit: () => explicit,
      store: getStore(),
      env: io.env,
      onKeychainError: (err) => {
        if (verbose) warn(`${err.message} (using the other credential sources)`);
      },
    });
    return new RegistryClient({ ...options, credentials: discovery.source });
  };

  return {
    parsed,
    io,
    json,
    quiet,
    verbose,
    signal,
    client: () => (clientPromise ??= build()),
    transportOptions,
    settings: settingsOf,
    services: async () => {
      await (clientPromise ??= build());
      // Only a long-running command asks for these: it also follows hand edits of registries.json.
      liveConfig?.watch();
      return { settings: await settingsOf(), discovery: discovery! };
    },
    close: async () => {
      liveConfig?.close();
      if (clientPromise) await (await clientPromise.catch(() => undefined))?.close();
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

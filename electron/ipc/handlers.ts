/**
 * The one handler table: a function per channel of shared/contract.ts, used
 * unchanged by the Electron main process (ipcMain) and by `regdesk serve`
 * (HTTP). `dispatch` validates every request against the channel's schema and
 * turns every failure into one serialised error; no handler returns a secret.
 */
import type { CopyJobView, CredentialsView, EventMap, EventName, ParsedRequestOf, RegistryView, ResponseOf, WatchView } from '../../shared/contract';
import { CHANNELS, isChannel, type Channel, type Envelope } from '../../shared/contract';
import { RegistryError, isRegistryError } from '../../shared/errors';
import { canonicalRegistry } from '../../shared/names';
import type { createDiscovery } from '../credentials/discovery';
import type { SecretStore } from '../credentials/keychain';
import { importCredentials, login, logout } from '../credentials/login';
import type { RegistryClient, RegistryClientOptions } from '../registry/client';
import { planCopy, type CopyRequest } from '../registry/copy/plan';
import { parsePlatform } from '../registry/platform';
import { checkRepositoryName, parseRegistryHost, parseTag } from '../registry/reference';
import { readCaFile } from '../settings/ca-file';
import type { RegistryEntry } from '../settings/schema';
import type { SettingsFile } from '../settings/settings-file';
import { createUpdateService, type UpdateService } from '../update-service';
import { createCopyJobs, type CopyJobs } from './copy-jobs';
import { createCopyPlans } from './copy-plans';
import { imageView } from './image-view';
import { tagDetails } from './tag-details';
import { checkRegistryAnswers } from './registry-check';
import { blobTarget, manifestTarget, repositoryTarget } from './targets';

export interface HandlerDeps {
  client: RegistryClient;
  settings: SettingsFile;
  store: SecretStore;
  /** Credentials kept for this session only (memory): sign-in without a keychain, the demo's password. */
  session: SecretStore;
  discovery: ReturnType<typeof createDiscovery>;
  /** Transport options for credential checks at login. */
  transport?: Omit<RegistryClientOptions, 'credentials'>;
  /** Registries shown for this session only (`serve --registry`), not saved. */
  sessionRegistries?: RegistryEntry[];
  /** Desktop notification for a check run that found updates (the app's; serve has none). */
  notify?: (count: number, updates: WatchView[]) => void;
  emit<E extends EventName>(event: E, payload: EventMap[E]): void;
}

export type Handlers = { [C in Channel]: (request: ParsedRequestOf<C>, signal: AbortSignal) => Promise<ResponseOf<C>> };

function copyRequest(r: ParsedRequestOf<'copy.plan'>): CopyRequest {
  return {
    source: manifestTarget(r.source),
    destination: { ...repositoryTarget(r.destination), ...(r.destination.tag ? { tag: parseTag(r.destination.tag) } : {}) },
    platforms: r.platforms === 'all' ? 'all' : r.platforms.map(parsePlatform),
    referrers: r.referrers,
  };
}

export function createHandlers(deps: HandlerDeps): Handlers & { jobs: CopyJobs; updates: UpdateService } {
  const { client, settings } = deps;
  const jobs = createCopyJobs(client, (job: CopyJobView) => deps.emit('copy.updated', job));
  const plans = createCopyPlans();
  const updates = createUpdateService({
    client,
    settings,
    changed: (views) => deps.emit('updates.changed', views),
    notify: deps.notify,
  });

  /** Matches a registry entry by its canonical key (entries keep the host as the user wrote it). */
  const hostIs = (hostKey: string) => (entry: { host: string }): boolean => canonicalRegistry(entry.host) === hostKey;
  // Session registries (serve --registry) the user removed: gone for the rest of the session.
  const removedFromSession = new Set<string>();
  const registries = (): RegistryEntry[] => {
    const saved = settings.get().registries;
    const session = (deps.sessionRegistries ?? []).filter((r) => {
      const key = canonicalRegistry(r.host);
      return !removedFromSession.has(key) && !saved.some(hostIs(key));
    });
    return [...saved, ...session];
  };

  const credentialsOf = async (hostKey: string): Promise<CredentialsView | null> => {
    const found = await deps.discovery.discover(hostKey);
    if (!found) return null;
    return {
      origin: found.origin,
      ...(found.credential.username ? { username: found.credential.username } : {}),
      ...(found.detail ? { detail: found.detail } : {}),
      removable: found.origin === 'session' || found.origin === 'keychain',
    };
  };

  const view = async (hostKey: string): Promise<RegistryView> => {
    const entry = registries().find(hostIs(hostKey));
    const rate = client.rateLimit(hostKey);
    return {
      host: hostKey,
      name: entry?.name ?? hostKey,
      insecure: Boolean(entry?.insecure),
      credentials: await credentialsOf(hostKey),
      opened: settings.get().openedRepositories[hostKey] ?? [],
      ...(rate ? { rateLimit: { limit: rate.limit, remaining: rate.remaining, ...(rate.windowSeconds ? { windowSeconds: rate.windowSeconds } : {}) } } : {}),
    };
  };

  const handlers: Handlers = {
    'registries.list': async () => Promise.all(registries().map((r) => view(canonicalRegistry(r.host)))),
    'registries.add': async (r, signal) => {
      const hostKey = canonicalRegistry(parseRegistryHost(r.host));
      // Adding an address again would silently rename it or change its settings: the entry already there says how to edit it.
      const known = registries().find(hostIs(hostKey));
      if (known) {
        throw new RegistryError('usage', `${hostKey} is already in your registries${known.name && known.name !== hostKey ? ` as "${known.name}"` : ''}`, { registry: hostKey },
          'Pick it in the list; ✎ beside it changes its name, credentials and plain HTTP.');
      }
      // A CA file named here is checked now (a regular file, size-capped): a bad one is refused at once, never saved.
      const ca = r.caFile ? await readCaFile(r.caFile, { registry: hostKey, hint: 'Give the path of the registry\'s CA certificate file (PEM).' }) : undefined;
      if (!r.unchecked) await checkRegistryAnswers(hostKey, { insecure: r.insecure, ...(ca ? { ca } : {}) }, { transport: deps.transport, signal });
      removedFromSession.delete(hostKey);
      settings.update((s) => {
        s.registries.push({ host: hostKey, ...(r.name ? { name: r.name } : {}), insecure: r.insecure, skipVerify: false, ...(r.caFile ? { caFile: r.caFile } : {}) });
      });
      return view(hostKey);
    },
    'registries.update': async (r) => {
      const hostKey = canonicalRegistry(parseRegistryHost(r.host));
      const listed = registries().find(hostIs(hostKey));
      if (!listed) throw new RegistryError('not_found', `${hostKey} is not in the list of registries`, { registry: hostKey }, 'Add it with + first.');
      settings.update((s) => {
        let entry = s.registries.find(hostIs(hostKey));
        // A session registry (serve --registry) is saved once the user edits it: the edit is meant to last.
        if (!entry) s.registries.push((entry = { ...listed }));
        const name = r.name?.trim();
        if (name) entry.name = name;
        else if (r.name !== undefined) delete entry.name;
        if (r.insecure !== undefined) entry.insecure = r.insecure;
      });
      return view(hostKey);
    },
    'registries.remove': async (r) => {
      const hostKey = canonicalRegistry(parseRegistryHost(r.host));
      const listed = registries().some(hostIs(hostKey));
      settings.update((s) => {
        s.registries = s.registries.filter((e) => !hostIs(hostKey)(e));
      });
      if ((deps.sessionRegistries ?? []).some(hostIs(hostKey))) removedFromSession.add(hostKey);
      return { removed: listed };
    },
    'registries.login': async (r, signal) => {
      const hostKey = canonicalRegistry(parseRegistryHost(r.host));
      // Checked against the registry first; then kept in the keychain, or in memory for this session only.
      const store = r.remember === 'session' ? deps.session : deps.store;
      await login(hostKey, { username: r.username, password: r.password }, { store, signal, client: deps.transport });
      deps.discovery.forget(hostKey);
      client.forgetCredentials(hostKey);
      // Listings read with the old credentials (or none) may differ now.
      client.invalidate(hostKey);
      return view(hostKey);
    },
    'registries.logout': async (r) => {
      const hostKey = canonicalRegistry(parseRegistryHost(r.host));
      // Both places regdesk keeps credentials; a keychain that cannot be reached only matters when the session held none.
      const fromSession = await logout(hostKey, deps.session);
      const fromKeychain = await logout(hostKey, deps.store).catch((err: unknown) => {
        if (fromSession && isRegistryError(err, 'keychain')) return false;
        throw err;
      });
      deps.discovery.forget(hostKey);
      client.forgetCredentials(hostKey);
      // What was listed while signed in is not served from the cache once signed out.
      client.invalidate(hostKey);
      // Credentials in a file or a variable still apply: say where, so the user can remove them there.
      return { removed: fromSession || fromKeychain, remaining: await credentialsOf(hostKey) };
    },
    'registries.remember': async (r) => {
      const hostKey = canonicalRegistry(parseRegistryHost(r.host));
      settings.update((s) => {
        const repository = checkRepositoryName(r.repository);
        s.openedRepositories[hostKey] = [repository, ...(s.openedRepositories[hostKey] ?? []).filter((x) => x !== repository)].slice(0, 50);
      });
      return view(hostKey);
    },
    'registries.ping': async (r, signal) => {
      await client.ping(parseRegistryHost(r.host), { signal });
      return { ok: true as const };
    },
    'catalog.list': async (r, signal) => ({ repositories: await client.catalog(parseRegistryHost(r.registry), { signal, fresh: r.fresh }) }),
    'tags.list': async (r, signal) => ({ tags: await client.tags(repositoryTarget(r), { signal, fresh: r.fresh }) }),
    'tags.details': async (r, signal) => tagDetails(client, r, signal),
    'image.get': async (r, signal) => imageView(client, { ...r, ...manifestTarget(r) }, signal),
    'image.referrers': async (r, signal) => {
      const found = await client.referrers(blobTarget(r), { signal });
      return {
        source: found.source,
        referrers: found.referrers.map((d) => ({ digest: d.digest, mediaType: d.mediaType, size: d.size, ...(d.artifactType ? { artifactType: d.artifactType } : {}), ...(d.annotations ? { annotations: d.annotations } : {}) })),
      };
    },
    'copy.plan': async (r, signal) => {
      // Counted before planning: a copy that ends while the plan HEADs may have sent blobs the plan calls missing.
      const copiesFinished = jobs.finished();
      return plans.keep({ plan: await planCopy(client, { ...copyRequest(r), signal }), copiesFinished });
    },
    'copy.start': async ({ planId, ...asked }) => {
      const request = copyRequest(asked);
      const reviewed = planId ? plans.take(planId, request) : undefined;
      return { id: jobs.start(request, asked, { concurrency: settings.get().copy.concurrency, ...(reviewed ? { reviewed } : {}) }) };
    },
    'copy.cancel': async (r) => ({ cancelled: jobs.cancel(r.id) }),
    'copy.list': async () => jobs.list(),
    'copy.clear': async (r) => ({ cleared: jobs.clear(r.id) }),
    'watch.list': async () => updates.list(),
    'watch.add': async (r) => updates.add(r.image, r.platform, r.rule),
    'watch.update': async (r) => updates.update(r.id, { ...(r.rule ? { rule: r.rule } : {}), ...(r.platform !== undefined ? { platform: r.platform } : {}) }),
    'watch.remove': async (r) => ({ removed: updates.remove(r.id) }),
    'watch.dismiss': async (r) => updates.dismiss(r.id),
    'watch.snooze': async (r) => updates.snooze(r.id, r.hours),
    'updates.check': async (_r, signal) => updates.checkNow(signal),
    'credentials.importable': async () => {
      const listed = new Set(registries().map((r) => canonicalRegistry(r.host)));
      const found = await importCredentials({ store: deps.store, dryRun: true });
      return found.filter((f) => !listed.has(f.registry));
    },
    'credentials.import': async () => {
      const listed = new Set(registries().map((r) => canonicalRegistry(r.host)));
      const imported = (await importCredentials({ store: deps.store })).filter((f) => !listed.has(f.registry));
      settings.update((s) => {
        for (const f of imported) s.registries.push({ host: f.registry, insecure: false, skipVerify: false });
      });
      deps.discovery.forget();
      return Promise.all(imported.map((f) => view(f.registry)));
    },
  };
  return Object.assign(handlers, { jobs, updates });
}

/** Validates and runs one call; every outcome is an envelope. Unknown failures never leak their details. */
export async function dispatch(handlers: Handlers, channel: string, payload: unknown, signal: AbortSignal): Promise<Envelope<unknown>> {
  if (!isChannel(channel)) {
    return { ok: false, error: new RegistryError('usage', `unknown channel ${channel.slice(0, 60)}`, {}).toWire() };
  }
  const parsed = CHANNELS[channel].request.safeParse(payload ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'request';
    return { ok: false, error: new RegistryError('usage', `invalid ${channel} request: ${where}: ${issue?.message ?? 'invalid'}`, {}).toWire() };
  }
  try {
    const handler = handlers[channel] as (request: unknown, signal: AbortSignal) => Promise<unknown>;
    return { ok: true, result: await handler(parsed.data, signal) };
  } catch (err) {
    if (isRegistryError(err)) return { ok: false, error: err.toWire() };
    return { ok: false, error: new RegistryError('internal', 'an unexpected error occurred; see the log', {}).toWire() };
  }
}

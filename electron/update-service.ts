/**
 * Watched images: add, remove, acknowledge, and check them on a schedule
 * (interval from settings, 5 minutes at least, a first check shortly after
 * start-up, and "check now"). Results are stored in settings; one
 * notification per check run, with the count, when something new appeared.
 */
import { randomUUID } from 'node:crypto';
import type { WatchView } from '../shared/contract';
import { RegistryError } from '../shared/errors';
import type { RegistryClient } from './registry/client';
import { parsePlatform } from './registry/platform';
import { parseReference } from './registry/reference';
import { sharedFlights } from './registry/shared-flight';
import { checkUpdates, type WatchTarget } from './registry/update/check';
import type { WatchedImage } from './settings/schema';
import type { SettingsFile } from './settings/settings-file';

export const FIRST_CHECK_DELAY_MS = 30_000;
export const MIN_INTERVAL_MINUTES = 5;

export interface UpdateServiceOptions {
  client: RegistryClient;
  settings: SettingsFile;
  /** Called once per check run that found updates not seen before. */
  notify?: (count: number, updates: WatchView[]) => void;
  /** Called after every change to the watch list or its results. */
  changed?: (views: WatchView[]) => void;
  now?: () => Date;
}

/** What changed relative to the acknowledged state, minus what the user ignored; nothing while snoozed. */
export function watchView(w: WatchedImage, now: Date = new Date()): WatchView {
  const last = w.lastCheck;
  const snoozed = w.snoozedUntil !== undefined && Date.parse(w.snoozedUntil) > now.getTime();
  const ignored = new Set(w.ignored);
  const digestChanged = Boolean(last?.remoteDigest && w.digest && last.remoteDigest !== w.digest && !ignored.has(last.remoteDigest) && w.rule !== 'version');
  const newer = w.rule === 'digest' ? [] : (last?.newerVersions ?? []).filter((v) => !ignored.has(v));
  const hasUpdate = !snoozed && (digestChanged || newer.length > 0);
  const ref = parseReference(w.image);
  return {
    id: w.id,
    image: w.image,
    registry: ref.registry,
    repository: ref.repository,
    tag: ref.tag ?? null,
    platform: w.platform ?? null,
    rule: w.rule,
    digest: w.digest ?? null,
    lastCheckAt: last?.at ?? null,
    update: hasUpdate ? { digestChanged, remoteDigest: last?.remoteDigest ?? null, newerVersions: newer, latestVersion: newer.at(-1) ?? null } : null,
    error: last?.error ?? null,
    snoozedUntil: snoozed ? w.snoozedUntil! : null,
  };
}

function target(w: WatchedImage): WatchTarget {
  return { image: parseReference(w.image), ...(w.platform ? { platform: parsePlatform(w.platform) } : {}), ...(w.digest ? { digest: w.digest } : {}), rule: w.rule };
}

export function createUpdateService(options: UpdateServiceOptions) {
  const { client, settings } = options;
  const now = options.now ?? (() => new Date());
  let timer: ReturnType<typeof setTimeout> | undefined;
  const running = sharedFlights<'check', WatchView[]>();
  const views = (): WatchView[] => settings.get().watched.map((w) => watchView(w, now()));
  const changed = (): WatchView[] => {
    const list = views();
    options.changed?.(list);
    return list;
  };

  /**
   * The state the watch compares against: the digest now (of its platform's manifest when it watches
   * one) and, with `versions`, the newer version tags that already exist (they are not news).
   */
  const current = async (w: Pick<WatchedImage, 'image' | 'platform'>, versions = false): Promise<{ digest?: string; newerVersions: string[] }> => {
    const image = parseReference(w.image);
    const [first] = await checkUpdates(client, [{ image, ...(w.platform ? { platform: parsePlatform(w.platform) } : {}), rule: versions ? 'both' : 'digest' }]);
    if (first?.error) throw RegistryError.fromWire(first.error);
    return { ...(first?.remoteDigest ? { digest: first.remoteDigest } : {}), newerVersions: first?.newerVersions ?? [] };
  };
  const baseline = async (w: Pick<WatchedImage, 'image' | 'platform'>): Promise<string | undefined> => (await current(w)).digest;

  const find = (id: string): WatchedImage => {
    const w = settings.get().watched.find((x) => x.id === id);
    if (!w) throw new RegistryError('not_found', 'that watched image no longer exists', {});
    return w;
  };

  const run = async (signal?: AbortSignal): Promise<WatchView[]> => {
    const watched = settings.get().watched;
    const before = new Set(views().filter((v) => v.update).map((v) => `${v.id}:${JSON.stringify(v.update)}`));
    const results = await checkUpdates(client, watched.map(target), { signal });
    const at = now().toISOString();
    settings.update((s) => {
      for (const w of s.watched) {
        const i = watched.findIndex((x) => x.id === w.id);
        const r = i >= 0 ? results[i] : undefined;
        // Changed while the check ran (another platform or image): this result compared something else.
        if (!r || w.image !== watched[i]!.image || (w.platform ?? null) !== (watched[i]!.platform ?? null)) continue;
        w.lastCheck = { at, remoteDigest: r.remoteDigest, newerVersions: r.newerVersions, latestVersion: r.latestVersion, ...(r.error ? { error: r.error.message.slice(0, 500) } : {}) };
        // The first successful check sets the baseline digest.
        if (!w.digest && r.remoteDigest) w.digest = r.remoteDigest;
      }
      s.updates.lastCheckAt = at;
    });
    const list = changed();
    const fresh = list.filter((v) => v.update && !before.has(`${v.id}:${JSON.stringify(v.update)}`));
    if (fresh.length) options.notify?.(list.filter((v) => v.update).length, fresh);
    return list;
  };

  /** A check already under way is joined; it stops only when every caller waiting for it has cancelled. */
  const checkNow = (signal?: AbortSignal): Promise<WatchView[]> => running.join('check', signal, run);

  const schedule = (delayMs: number): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(async () => {
      await checkNow().catch(() => undefined);
      schedule(Math.max(MIN_INTERVAL_MINUTES, settings.get().updates.intervalMinutes) * 60_000);
    }, delayMs);
    timer.unref?.();
  };

  return {
    list: views,
    checkNow,
    async add(image: string, platform: string | undefined, rule: WatchedImage['rule']): Promise<WatchView> {
      const ref = parseReference(image);
      if (platform) parsePlatform(platform);
      const id = randomUUID();
      const entry: WatchedImage = { id, image: ref.familiar(), ...(platform ? { platform } : {}), rule, addedAt: now().toISOString(), ignored: [] };
      // The state at the time of watching is the baseline: its digest, and the newer versions already
      // there (taken as seen, whatever the rule, so a later change of rule does not report them either).
      const state = await current(entry, true);
      if (state.digest) entry.digest = state.digest;
      entry.ignored = state.newerVersions.slice(-1000);
      settings.update((s) => {
        s.watched.push(entry);
      });
      changed();
      return watchView(find(id), now());
    },
    /** Another rule keeps the baseline; another platform (null: the whole index) compares another manifest, so it takes a new one. */
    async update(id: string, change: { rule?: WatchedImage['rule']; platform?: string | null }): Promise<WatchView> {
      const w = find(id);
      const platform = change.platform === undefined ? w.platform : (change.platform ?? undefined);
      if (platform) parsePlatform(platform);
      const moved = (platform ?? null) !== (w.platform ?? null);
      const digest = moved ? await baseline({ image: w.image, ...(platform ? { platform } : {}) }) : w.digest;
      settings.update((s) => {
        const x = s.watched.find((y) => y.id === w.id);
        if (!x) return;
        if (change.rule) x.rule = change.rule;
        if (!moved) return;
        if (platform) x.platform = platform;
        else delete x.platform;
        if (digest) x.digest = digest;
        else delete x.digest;
        // The last result compared the other manifest.
        delete x.lastCheck;
      });
      changed();
      return watchView(find(id), now());
    },
    remove(id: string): boolean {
      const before = settings.get().watched.length;
      settings.update((s) => {
        s.watched = s.watched.filter((w) => w.id !== id);
      });
      changed();
      return settings.get().watched.length < before;
    },
    dismiss(id: string): WatchView {
      const w = find(id);
      settings.update((s) => {
        const x = s.watched.find((y) => y.id === w.id)!;
        if (x.lastCheck?.remoteDigest) x.digest = x.lastCheck.remoteDigest;
        x.ignored = [...new Set([...x.ignored, ...(x.lastCheck?.newerVersions ?? [])])].slice(-1000);
      });
      changed();
      return watchView(find(id), now());
    },
    /** Hides this image's updates for `hours`; they show again afterwards if still there. */
    snooze(id: string, hours: number): WatchView {
      const w = find(id);
      settings.update((s) => {
        s.watched.find((y) => y.id === w.id)!.snoozedUntil = new Date(now().getTime() + hours * 3_600_000).toISOString();
      });
      changed();
      return watchView(find(id), now());
    },
    /** Starts the schedule: a first check shortly after start-up, then every interval. */
    start(firstDelayMs = FIRST_CHECK_DELAY_MS): void {
      schedule(firstDelayMs);
    },
    stop(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

export type UpdateService = ReturnType<typeof createUpdateService>;

/**
 * The IPC contract: one table of channels, each with its request schema and
 * response type. The preload bridge, `regdesk serve`'s HTTP routes and the
 * renderer's hooks are all derived from this table, never paired by hand; the
 * main side validates every request against its schema.
 */
import * as z from 'zod';
import type { CopyPlanSummary, CopyProgress, CopyResult, PlannedCopy } from './copy';
import type { WireError } from './errors';
import type { EventMap, EventName } from './events';
import type { Platform } from './platform';

const host = z.string().min(1).max(300);
const repository = z.string().min(1).max(256);
const reference = z.string().min(1).max(200);
const platform = z.string().min(3).max(100);

const Target = z.object({ registry: host, repository, reference });
/** What a watch reports: new digests of its tag, newer version tags, or both. */
const WatchRule = z.enum(['digest', 'version', 'both']);

export interface RegistryView {
  host: string;
  name: string;
  insecure: boolean;
  /** Where credentials for it come from, if any (never the secret). */
  credentials: CredentialsView | null;
  rateLimit?: { limit: number; remaining: number; windowSeconds?: number };
  /** Repositories opened by name (for registries that do not list theirs), most recent first. */
  opened: string[];
}

/** Where a registry's credentials come from, and whether signing out here removes them. */
export interface CredentialsView {
  /** `session` (this session only), `keychain`, `env-registry`, `docker-config`, … */
  origin: string;
  username?: string;
  /** The file or variable they come from (never the secret). */
  detail?: string;
  /** Sign out removes them (kept by regdesk: this session or the keychain); the others are removed where they live. */
  removable: boolean;
}

export interface PlatformView extends Platform {
  digest: string;
  /** Of the platform's manifest document. */
  size: number;
  /** What the platform's image weighs: its config and layers (absent when its manifest could not be read). */
  imageSize?: number;
}

/** An index entry that is not an image to run but describes one (BuildKit's attestation manifests). */
export interface AttestationView {
  digest: string;
  mediaType: string;
  size: number;
  /** The index entry it describes (`vnd.docker.reference.digest`). */
  describes?: string;
  /** `vnd.docker.reference.type`, e.g. attestation-manifest. */
  type?: string;
}

export interface ImageView {
  registry: string;
  repository: string;
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  /** The manifest exactly as served, for display. */
  manifest: string;
  platforms: PlatformView[];
  /** Attestation manifests the index holds beside its platforms. */
  attestations?: AttestationView[];
  /** The chosen (or only) image. */
  image?: {
    digest: string;
    mediaType: string;
    /** Its manifest exactly as served (for an index: the chosen platform's). */
    manifest: string;
    totalSize: number;
    layers: Array<{ digest: string; mediaType: string; size: number }>;
    config: {
      os?: string;
      architecture?: string;
      variant?: string;
      created?: string;
      author?: string;
      entrypoint?: string[];
      cmd?: string[];
      env?: string[];
      labels?: Record<string, string>;
      workingDir?: string;
      user?: string;
      history: Array<{ created?: string; createdBy?: string; emptyLayer?: boolean; comment?: string }>;
    };
  };
  /** Fields the registry served malformed, left out of this view (the manifest text above is as served). */
  warnings?: string[];
}

/** What the tag list shows beside a tag: read lazily for the rows in view. */
export interface TagDetailView {
  tag: string;
  digest: string;
  mediaType: string;
  /** `os/arch[/variant]` of each image (one for a single image; attestations left out). */
  platforms: string[];
  /** What an image weighs (config and layers); for an index the smallest and largest platform (absent when none could be read). */
  size?: { min: number; max: number };
  /** The image config's `created` (for an index, its first platform's), as the registry wrote it. */
  created?: string;
}

/** One tag's details, or why they could not be read (the other tags are unaffected). */
export type TagDetailResult = TagDetailView | { tag: string; error: WireError };

/** The most tags one `tags.details` call reads: a screenful or two, never a whole repository. */
export const MAX_TAG_DETAILS = 50;

export interface CopyJobView {
  id: string;
  source: string;
  destination: string;
  /** What was asked, so the job can be started again. */
  request: RequestOf<'copy.start'>;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** Counts the job's changes: of two views of one job, the higher is the newer (events and lists may cross). */
  version: number;
  startedAt: string;
  /** Queued behind this job, which copies into the same repository (blobs they share cross once). */
  waitingFor?: string;
  plan?: CopyPlanSummary;
  /** What moved between the plan the user reviewed and the start (the source tag), said plainly. */
  changedSincePlan?: string[];
  progress?: CopyProgress;
  result?: CopyResult;
  error?: WireError;
}

const CopyRequestSchema = z.object({
  source: Target,
  destination: z.object({ registry: host, repository, tag: reference.optional() }),
  /** `all`, or `os/arch[/variant]` strings. */
  platforms: z.union([z.literal('all'), z.array(platform).min(1).max(64)]).default('all'),
  referrers: z.boolean().default(false),
});

/** Every channel: its request schema and (as a phantom type) its response. */
export const CHANNELS = {
  'registries.list': { request: z.object({}), response: null as unknown as RegistryView[] },
  'registries.add': {
    // unchecked: add it even though it does not answer now (the user said so after the check failed).
    request: z.object({ host, name: z.string().max(200).optional(), insecure: z.boolean().default(false), caFile: z.string().max(4096).optional(), unchecked: z.boolean().default(false) }),
    response: null as unknown as RegistryView,
  },
  /** Edits what does not change the address: the display name (empty: the host) and plain-HTTP permission. */
  'registries.update': {
    request: z.object({ host, name: z.string().max(200).optional(), insecure: z.boolean().optional() }),
    response: null as unknown as RegistryView,
  },
  'registries.remove': { request: z.object({ host }), response: null as unknown as { removed: boolean } },
  'registries.login': {
    // remember: where the checked credentials are kept; `session` is memory only, for machines without a keychain.
    request: z.object({ host, username: z.string().min(1).max(300), password: z.string().min(1).max(10_000), remember: z.enum(['keychain', 'session']).default('keychain') }),
    response: null as unknown as RegistryView,
  },
  /** Removes what regdesk keeps (session and keychain); `remaining` names credentials still found elsewhere (a file, a variable). */
  'registries.logout': { request: z.object({ host }), response: null as unknown as { removed: boolean; remaining: CredentialsView | null } },
  'registries.ping': { request: z.object({ host }), response: null as unknown as { ok: true } },
  'registries.remember': { request: z.object({ host, repository }), response: null as unknown as RegistryView },
  // fresh: read the registry, not the engine's short-lived cache (the UI keeps its own and refreshes on request).
  'catalog.list': { request: z.object({ registry: host, fresh: z.boolean().optional() }), response: null as unknown as { repositories: string[] } },
  'tags.list': { request: z.object({ registry: host, repository, fresh: z.boolean().optional() }), response: null as unknown as { tags: string[] } },
  /** Digest, platforms, size and age of a few tags (the rows in view); a tag that cannot be read answers its own error. */
  'tags.details': {
    request: z.object({ registry: host, repository, tags: z.array(reference).min(1).max(MAX_TAG_DETAILS) }),
    response: null as unknown as { details: TagDetailResult[] },
  },
  'image.get': { request: Target.extend({ platform: platform.optional() }), response: null as unknown as ImageView },
  'image.referrers': {
    request: z.object({ registry: host, repository, digest: z.string().min(1).max(200) }),
    response: null as unknown as { source: 'api' | 'tag-schema' | 'none'; referrers: Array<{ digest: string; mediaType: string; size: number; artifactType?: string; annotations?: Record<string, string> }> },
  },
  'copy.plan': { request: CopyRequestSchema, response: null as unknown as PlannedCopy },
  // planId: run the plan `copy.plan` answered (what the user saw), not a new one; the request must be the plan's.
  'copy.start': { request: CopyRequestSchema.extend({ planId: z.string().uuid().optional() }), response: null as unknown as { id: string } },
  'copy.cancel': { request: z.object({ id: z.string().min(1).max(100) }), response: null as unknown as { cancelled: boolean } },
  'copy.list': { request: z.object({}), response: null as unknown as CopyJobView[] },
  /** Forgets finished jobs: the one named, or every finished one. Running jobs stay. */
  'copy.clear': { request: z.object({ id: z.string().min(1).max(100).optional() }), response: null as unknown as { cleared: number } },
  'watch.list': { request: z.object({}), response: null as unknown as WatchView[] },
  'watch.add': {
    request: z.object({ image: z.string().min(1).max(600), platform: platform.optional(), rule: WatchRule.default('both') }),
    response: null as unknown as WatchView,
  },
  /** Changes what a watch compares; a new platform (or null: the whole index) takes a new baseline digest. */
  'watch.update': {
    request: z.object({ id: z.string().min(1).max(100), rule: WatchRule.optional(), platform: platform.nullable().optional() }),
    response: null as unknown as WatchView,
  },
  'watch.remove': { request: z.object({ id: z.string().min(1).max(100) }), response: null as unknown as { removed: boolean } },
  /** Acknowledge what changed: the current digest and versions become the new baseline. */
  'watch.dismiss': { request: z.object({ id: z.string().min(1).max(100) }), response: null as unknown as WatchView },
  'watch.snooze': { request: z.object({ id: z.string().min(1).max(100), hours: z.number().int().min(1).max(24 * 30) }), response: null as unknown as WatchView },
  'updates.check': { request: z.object({}), response: null as unknown as WatchView[] },
  /** Registries with credentials in Docker's or Podman's files that regdesk does not list yet. */
  'credentials.importable': { request: z.object({}), response: null as unknown as Array<{ registry: string; username?: string; from: string }> },
  /** Copies those credentials into the keychain and adds the registries. */
  'credentials.import': { request: z.object({}), response: null as unknown as RegistryView[] },
} as const;

export type Channel = keyof typeof CHANNELS;
export type RequestOf<C extends Channel> = z.input<(typeof CHANNELS)[C]['request']>;
export type ParsedRequestOf<C extends Channel> = z.output<(typeof CHANNELS)[C]['request']>;
export type ResponseOf<C extends Channel> = (typeof CHANNELS)[C]['response'];

export function isChannel(name: string): name is Channel {
  return Object.prototype.hasOwnProperty.call(CHANNELS, name);
}

/** Events pushed from the main side, beside the channels: the table is in events.ts, which the preload bundles without zod. */
export { EVENTS, isEventName, type EventMap, type EventName } from './events';

/** What every call answers: a result or one serialised error, never a thrown object across the boundary. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: WireError };

export interface CallOptions {
  /** Cancels the call on the main side too (the renderer left the query that asked). */
  signal?: AbortSignal;
}

/** How the renderer calls the main side, whatever the transport (preload or HTTP). */
export interface RegdeskApi {
  call<C extends Channel>(channel: C, request: RequestOf<C>, options?: CallOptions): Promise<ResponseOf<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
}

export interface WatchView {
  id: string;
  image: string;
  /** The image's parts, for opening it in the UI. */
  registry: string;
  repository: string;
  tag: string | null;
  platform: string | null;
  rule: 'digest' | 'version' | 'both';
  /** The digest acknowledged last. */
  digest: string | null;
  lastCheckAt: string | null;
  /** What changed since the acknowledged state, when something did. */
  update: { digestChanged: boolean; remoteDigest: string | null; newerVersions: string[]; latestVersion: string | null } | null;
  error: string | null;
  /** Updates are hidden until then. */
  snoozedUntil: string | null;
}

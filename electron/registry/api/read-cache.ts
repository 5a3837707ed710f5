/**
 * The engine's read cache. Content addressed by digest never changes, so
 * manifests and configs are kept in a bounded LRU; what can change (catalog,
 * tag lists, tag → digest) is kept briefly and dropped on any write through
 * the engine to that repository.
 */

export interface ReadCacheOptions {
  /** Total bytes of immutable content kept. */
  maxBytes: number;
  /** Lifetime of mutable entries (ms). */
  ttlMs: number;
  now: () => number;
}

export const DEFAULT_READ_CACHE: ReadCacheOptions = { maxBytes: 32 * 1024 * 1024, ttlMs: 5 * 60_000, now: Date.now };

interface Mutable<T> {
  value: T;
  expiresAt: number;
}

export class ReadCache {
  private readonly options: ReadCacheOptions;
  private readonly immutable = new Map<string, { value: unknown; bytes: number }>();
  private immutableBytes = 0;
  private readonly mutable = new Map<string, Mutable<unknown>>();

  constructor(options: Partial<ReadCacheOptions> = {}) {
    this.options = { ...DEFAULT_READ_CACHE, ...options };
  }

  /** Content by digest, per registry and repository (a digest in one repository says nothing of another's access). */
  getByDigest<T>(scope: string, digest: string): T | undefined {
    const key = `${scope}@${digest}`;
    const hit = this.immutable.get(key);
    if (!hit) return undefined;
    this.immutable.delete(key); // re-insert: Map order is the LRU order
    this.immutable.set(key, hit);
    return hit.value as T;
  }

  putByDigest<T>(scope: string, digest: string, value: T, bytes: number): void {
    if (bytes > this.options.maxBytes / 4) return;
    const key = `${scope}@${digest}`;
    const old = this.immutable.get(key);
    if (old) this.immutableBytes -= old.bytes;
    this.immutable.set(key, { value, bytes });
    this.immutableBytes += bytes;
    for (const [k, v] of this.immutable) {
      if (this.immutableBytes <= this.options.maxBytes) break;
      this.immutable.delete(k);
      this.immutableBytes -= v.bytes;
    }
  }

  get<T>(key: string): T | undefined {
    const hit = this.mutable.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.options.now()) {
      this.mutable.delete(key);
      return undefined;
    }
    return hit.value as T;
  }

  set<T>(key: string, value: T): void {
    this.mutable.set(key, { value, expiresAt: this.options.now() + this.options.ttlMs });
  }

  /** Drops mutable entries of a repository (and the registry's catalog): called on every write. */
  invalidate(registry: string, repository?: string): void {
    for (const key of [...this.mutable.keys()]) {
      if (key.startsWith(`catalog|${registry}|`) || (repository ? key.startsWith(`repo|${registry}|${repository}|`) : key.includes(`|${registry}|`))) {
        this.mutable.delete(key);
      }
    }
  }

  clear(): void {
    this.immutable.clear();
    this.immutableBytes = 0;
    this.mutable.clear();
  }
}

export const catalogKey = (registry: string): string => `catalog|${registry}|`;
export const tagsKey = (registry: string, repository: string): string => `repo|${registry}|${repository}|tags`;
export const tagDigestKey = (registry: string, repository: string, tag: string): string => `repo|${registry}|${repository}|tag:${tag}`;

/**
 * What a dialect profile says about a registry: how it authenticates, how it
 * lists (order, page size, Link style, what it refuses), how it answers a
 * repository that does not exist, what it does to headers, uploads and blobs.
 * The dialect proxy (proxy.ts) reads nothing else, so a new registry is a new
 * profile file, not a change to the proxy.
 *
 * Each field says what the real registry does and the DIALECTS.md row it comes
 * from; leave a field out to keep distribution's own behaviour.
 */

/** A canned answer: status, headers, body. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export type DialectAuth =
  | { kind: 'none' }
  /** `WWW-Authenticate: Basic …` and nothing else (ECR). `challenge` may use `{url}` for the proxy's own URL. */
  | { kind: 'basic'; challenge: string; username: string; password: string }
  | {
      kind: 'bearer';
      /** The `service` of the challenge. */
      service: string;
      username: string;
      password: string;
      /** The fields the token JSON carries the token in. */
      fields: 'both' | 'token' | 'access_token';
      /** `expires_in` in the token JSON; absent: the field is left out (clients must assume 60 s). */
      expiresIn?: number;
      /** How the token endpoint answers a POST (GitLab: an HTML 404); absent: POST works like GET. */
      postAnswer?: Answer;
      /** Anonymous clients get a pull token (public images). */
      anonymousPull: boolean;
      /** The `scope` of the `/v2/` challenge (Gitea: `*`, Zot: `repository::pull`); absent: none. */
      pingScope?: string;
    };

export type Cursor =
  /** `last=<the last entry sent>` (distribution). */
  | 'last'
  /** `last=<an opaque token>` (ECR): only the registry can read it. */
  | 'opaque-last'
  /** `next_page=<an opaque token>` (Quay before 2024). */
  | 'next_page';

export interface ListingDialect {
  /** `lexical` (distribution) or `push` (oldest first, GHCR). */
  order: 'lexical' | 'push';
  /** Entries per page when the client sends no `n` (or it is ignored); absent: everything in one page. */
  pageSize?: number;
  /** Whether `n` is honoured (up to `maxN`). */
  honoursN: boolean;
  /** The largest `n` accepted; a larger one gets `refusedN`. */
  maxN?: number;
  refusedN?: Answer;
  /** `relative` (`</v2/…>`) or `absolute` (`<http://host/v2/…>`). */
  link: 'relative' | 'absolute';
  cursor: Cursor;
  /** Send a next Link on the last page too (Gitea): it leads to an empty page, with a Link again. */
  linkOnLastPage?: boolean;
  /** Content-Type of the page (ECR: text/plain). */
  contentType?: string;
  /** Every entry in one page without a Link, whatever `n` or the proxy's page cap (Artifact Registry's tag lists). */
  unpaged?: boolean;
  /** The Link leaves out the first part of the repository name, the virtual repository's key (Artifactory): a 404 there. */
  linkDropsRepositoryKey?: boolean;
  /** Fields added to each page beside the list (Artifact Registry: `manifest`, `child`). */
  extraFields?: Record<string, unknown>;
}

export interface DialectProfile {
  /** Short name, used in test titles and the README table. */
  name: string;
  /** The registry it plays, for messages. */
  plays: string;
  auth: DialectAuth;
  /**
   * How `/v2/_catalog` is answered: listed like tags, refused with this answer (Docker Hub, GitLab, Harbor),
   * or always an empty list (Artifact Registry).
   */
  catalog: { refused: Answer | ((auth: { withCredentials: boolean }) => Answer) } | { alwaysEmpty: true } | ListingDialect;
  tags: ListingDialect;
  /**
   * A request about a repository that does not exist: distribution's 404 NAME_UNKNOWN when absent; GHCR answers
   * 401 DENIED (anonymous) or 403 DENIED (signed in).
   */
  missingRepository?: (request: { withCredentials: boolean; repository: string }) => Answer;
  /** Repositories are created on first push (false on ECR: 404 NAME_UNKNOWN until created). */
  createOnPush: boolean;
  /** Headers left out of manifest answers (ECR, Nexus: Docker-Content-Digest). */
  dropManifestHeaders?: string[];
  /** Headers added to manifest answers (Docker Hub's rate-limit headers); `{remaining}` counts down per GET. */
  manifestHeaders?: Record<string, string>;
  /** The answer of a request the registry throttles (`DialectProxy.throttle`). */
  tooManyRequests: Answer;
  uploads?: {
    /** Location of upload sessions given as a path (GHCR). */
    relativeLocation?: boolean;
    /** Status of a PATCH that took the chunk (ECR: 201 instead of 202). */
    patchStatus?: number;
    /**
     * A cross-repository mount (`POST …/uploads/?mount=…&from=…`) is not done but answered with a new upload
     * session, 202 (ECR unless a manifest in the source repository references the blob; ECR Public always).
     */
    mountOpensSession?: boolean;
  };
  /** Blob GETs redirected to the storage origin (S3, Cloudflare, Azure), which refuses HEAD and Authorization. */
  blobRedirect?: { status: number; head: boolean };
  /** `/v2/<name>/referrers/<digest>`: served (distribution 2.8 has none, so the proxy answers 404 as it does) or this answer. */
  referrers?: Answer;
  /**
   * Accept compared entry by entry, whole (Artifact Registry, GitLab): a manifest GET or HEAD whose Accept has a
   * q-value, or lacks the exact type of the manifest, gets this answer (its media type given) instead.
   */
  strictAccept?: (mediaType: string) => Answer;
  /** A GET of an absent `sha256-<hex>` tag answers the manifest of that digest, the subject itself (GitLab). */
  referrersTagIsSubject?: boolean;
  /** Tags that may not be pushed over once they exist (Harbor's immutability rules): a PUT gets this answer. */
  immutableTags?: { match: RegExp; answer: Answer };
}

/**
 * Image references: `[host[:port]/]repository[:tag][@digest]`, parsed once at
 * the boundary into a value every other part can trust (hosts and names end up
 * in URLs, cache keys and credential lookups). Docker Hub names are normalised
 * the way Docker does (`nginx` → `registry-1.docker.io/library/nginx`).
 * Each bad reference gets an error naming the part at fault.
 *
 * No regex here has nested quantifiers: the grammar is scanned by hand or with
 * single-quantifier patterns, and input is length-capped first, so hostile
 * strings cost linear time.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { RegistryError } from '../../shared/errors';
import { canonicalRegistry, DOCKER_HUB_HOST, formatReference } from '../../shared/names';
import { parseDigest, type Digest } from './digest';

export { DOCKER_HUB_HOST };

/** Longest input looked at: a valid reference is at most 255 + 1 + 128 + 1 + 135 characters. */
const MAX_INPUT = 1024;
/** distribution's limit on the full name, host included. */
const MAX_NAME = 255;
const MAX_TAG = 128;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

type Part = 'host' | 'repository' | 'tag' | 'digest';

declare const TAG_BRAND: unique symbol;
declare const REPOSITORY_BRAND: unique symbol;
/** A tag that passed the tag grammar: only this module's parsers make one (it goes into URLs). */
export type Tag = string & { readonly [TAG_BRAND]: true };
/** A repository path that passed the distribution grammar: only this module's parsers make one. */
export type RepositoryName = string & { readonly [REPOSITORY_BRAND]: true };

export interface ImageReference {
  /** `host[:port]` the requests go to (Docker Hub: `registry-1.docker.io`). */
  readonly registry: string;
  /** Full repository path on that registry (Docker Hub official images: `library/nginx`). */
  readonly repository: RepositoryName;
  readonly tag?: Tag;
  readonly digest?: Digest;
  /** Canonical full form: `registry-1.docker.io/library/nginx:1.25`. Parses back to the same reference. */
  toString(): string;
  /** Short display form as Docker shows it: `nginx:1.25`, `user/app@sha256:…`, `ghcr.io/o/r:t`. */
  familiar(): string;
}

export interface RepositoryReference {
  readonly registry: string;
  readonly repository: RepositoryName;
  toString(): string;
  familiar(): string;
}

export interface ParseReferenceOptions {
  /**
   * Tag filled in when neither tag nor digest is given. Default `latest`;
   * `false` leaves both empty (a repository-level reference).
   */
  defaultTag?: string | false;
}

const HINTS: Record<Part, string> = {
  host: 'A registry is host[:port], e.g. ghcr.io, localhost:5000 or [::1]:5000.',
  repository: 'A reference looks like [host[:port]/]repository[:tag][@digest], e.g. ghcr.io/owner/app:1.0; '
    + 'repository path components are lower-case letters and digits separated by ".", "_", "__" or "-", joined by single "/".',
  tag: 'A tag is 1 to 128 letters, digits, "_", "." and "-", not starting with "." or "-".',
  digest: 'A digest is "sha256:" followed by 64 lower-case hex digits.',
};

/** Quotes user input for an error message: bounded, control characters made visible. */
function quote(input: string): string {
  const cut = input.length > 100 ? `${input.slice(0, 100)}…` : input;
  return cut.replace(/[^\x20-\x7e…]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function invalid(part: Part, message: string, hint: string = HINTS[part]): RegistryError {
  return new RegistryError('invalid_reference', message, { part }, hint);
}

/** Describes the first character outside printable ASCII, or undefined when there is none. */
function badChar(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x20 && c < 0x7f) continue;
    const code = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    if (c === 0x20) return `a space at position ${i + 1}`;
    return `${c < 0x20 || c === 0x7f ? 'a control character' : 'a non-ASCII character'} (${code}) at position ${i + 1}`;
  }
  return undefined;
}

function isLowerAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a);
}

/** `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` from the distribution spec, scanned in one pass. */
function isPathComponent(s: string): boolean {
  let i = 0;
  for (;;) {
    const start = i;
    while (i < s.length && isLowerAlnum(s.charCodeAt(i))) i++;
    if (i === start) return false;
    if (i === s.length) return true;
    const c = s.charCodeAt(i);
    if (c === 0x2e) i++; // .
    else if (c === 0x5f) i += s.charCodeAt(i + 1) === 0x5f ? 2 : 1; // _ or __
    else if (c === 0x2d) while (s.charCodeAt(i) === 0x2d) i++; // -+
    else return false;
  }
}

/** A DNS label: letters, digits and inner hyphens, 1 to 63 characters. */
function isDnsLabel(s: string): boolean {
  if (s.length < 1 || s.length > 63 || s.startsWith('-') || s.endsWith('-')) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20; // fold ASCII upper case
    if (!isLowerAlnum(c) && s.charCodeAt(i) !== 0x2d) return false;
  }
  return true;
}

/** Validates `host[:port]` (DNS name, IPv4 or bracketed IPv6) and returns its key (canonicalRegistry: lower case, no `:443`, Docker Hub's aliases folded). */
export function parseRegistryHost(input: string): string {
  const text = typeof input === 'string' ? input : '';
  if (!text) throw invalid('host', 'empty registry host');
  if (text.length > 300) throw invalid('host', `registry host too long (${text.length} characters)`);
  // Never echo userinfo: it may hold a password.
  if (text.includes('@')) {
    throw invalid('host', 'registry host must not contain user credentials (user@host)', 'Give only host[:port] and log in with `regdesk login` instead.');
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    throw invalid('host', `registry host "${quote(text)}" must not include a scheme`, 'Give only host[:port], e.g. ghcr.io; use the registry settings to choose http or https.');
  }
  if (/[/?#\\]/.test(text)) throw invalid('host', `registry host "${quote(text)}" must not include a path`);
  const bad = badChar(text);
  if (bad) throw invalid('host', `registry host "${quote(text)}" contains ${bad}`);

  let host: string;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) throw invalid('host', `registry host "${quote(text)}" has no closing "]"`);
    host = text.slice(0, end + 1);
    const rest = text.slice(end + 1);
    if (rest && !rest.startsWith(':')) throw invalid('host', `unexpected "${quote(rest)}" after the IPv6 address in registry host "${quote(text)}"`);
    if (rest) port = rest.slice(1);
    if (!isIPv6(host.slice(1, -1))) throw invalid('host', `invalid IPv6 address in registry host "${quote(text)}"`);
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
      throw invalid('host', `registry host "${quote(text)}" has more than one ":"`, 'Put an IPv6 address in brackets, e.g. [::1]:5000.');
    }
    host = colon >= 0 ? text.slice(0, colon) : text;
    if (colon >= 0) port = text.slice(colon + 1);
    const labels = host.split('.');
    // An all-digit last label cannot be a DNS name, so it must be a dotted IPv4 address.
    const numeric = /^[0-9]+$/.test(labels[labels.length - 1] ?? '');
    if (!host || host.length > 253 || (numeric ? !isIPv4(host) : !labels.every(isDnsLabel))) {
      throw invalid('host', `invalid registry host name "${quote(host)}"`);
    }
  }
  if (port !== undefined && (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535)) {
    throw invalid('host', `invalid port "${quote(port)}" in registry host "${quote(text)}"`, 'A port is a number from 1 to 65535 without leading zeros.');
  }
  return canonicalRegistry(host + (port !== undefined ? `:${port}` : ''));
}

/**
 * Like parseRegistryHost, but also accepts `https://host[:port]` and `http://…`
 * (a URL the user pasted, optionally with one trailing `/`) and says which
 * scheme was given. Any other scheme, a path, query or userinfo is an error.
 */
export function parseRegistryUrl(input: string): { host: string; scheme?: 'http' | 'https' } {
  const text = (typeof input === 'string' ? input : '').trim();
  if (text.length > 300) throw invalid('host', `registry URL too long (${text.length} characters)`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (!scheme) return { host: parseRegistryHost(text) };
  const name = scheme[1]!.toLowerCase();
  if (name !== 'http' && name !== 'https') {
    throw invalid('host', `unsupported scheme "${quote(name)}" in registry URL`, 'Use host[:port], or an https:// or http:// URL without a path.');
  }
  let rest = text.slice(scheme[0].length);
  if (rest.endsWith('/') && rest.indexOf('/') === rest.length - 1) rest = rest.slice(0, -1);
  if (/[/?#]/.test(rest) && !rest.includes('@')) {
    throw invalid('host', `registry URL "${quote(text)}" must not include a path, query or fragment`, 'Use just the scheme and host, e.g. https://ghcr.io.');
  }
  return { host: parseRegistryHost(rest), scheme: name };
}

/** Docker's rule: the first segment is a host only if it could not be a Docker Hub user name. */
function looksLikeHost(segment: string): boolean {
  return segment.includes('.') || segment.includes(':') || segment === 'localhost' || segment.startsWith('[');
}

function checkRepository(repository: string): void {
  if (!repository) throw invalid('repository', 'missing repository name');
  const bad = badChar(repository);
  if (bad) throw invalid('repository', `repository "${quote(repository)}" contains ${bad}`);
  for (const component of repository.split('/')) {
    if (isPathComponent(component)) continue;
    if (!component) {
      throw invalid('repository', `repository "${quote(repository)}" has an empty path component (leading, trailing or doubled "/")`);
    }
    if (isPathComponent(component.toLowerCase())) {
      throw invalid('repository', `repository "${quote(repository)}" must be lower case`, `Use "${quote(repository.toLowerCase())}": repository names are lower case.`);
    }
    throw invalid('repository', `invalid path component "${quote(component)}" in repository "${quote(repository)}"`);
  }
}

function splitName(name: string): { registry: string; repository: RepositoryName } {
  const slash = name.indexOf('/');
  let registry = DOCKER_HUB_HOST;
  let given = 'docker.io';
  let repository = name;
  if (slash > 0 && looksLikeHost(name.slice(0, slash))) {
    given = name.slice(0, slash);
    registry = parseRegistryHost(given);
    repository = name.slice(slash + 1);
  }
  checkRepository(repository);
  if (given.length + 1 + repository.length > MAX_NAME) {
    throw invalid('repository', `image name too long (${given.length + 1 + repository.length} characters, limit ${MAX_NAME} including the host)`);
  }
  if (registry === DOCKER_HUB_HOST && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository: repository as RepositoryName };
}

function familiarName(registry: string, repository: string): string {
  if (registry !== DOCKER_HUB_HOST) return formatReference({ registry, repository });
  const rest = repository.startsWith('library/') ? repository.slice('library/'.length) : undefined;
  return rest !== undefined && !rest.includes('/') ? rest : repository;
}

function precheck(input: unknown, what: string): string {
  const text = typeof input === 'string' ? input : '';
  if (!text) throw invalid('repository', `empty ${what}`);
  if (text.length > MAX_INPUT) throw invalid('repository', `${what} too long (${text.length} characters, limit ${MAX_INPUT})`);
  return text;
}

function checkTag(tag: string): Tag {
  if (!tag) throw invalid('tag', 'empty tag after ":"');
  if (tag.length > MAX_TAG) throw invalid('tag', `tag "${quote(tag)}" is longer than ${MAX_TAG} characters`);
  const bad = badChar(tag);
  if (bad) throw invalid('tag', `tag "${quote(tag)}" contains ${bad}`);
  if (!TAG.test(tag)) throw invalid('tag', `invalid tag "${quote(tag)}"`);
  return tag as Tag;
}

/** Parses `[host[:port]/]repository[:tag][@digest]`; see ParseReferenceOptions for the default tag. */
export function parseReference(input: string, options: ParseReferenceOptions = {}): ImageReference {
  const text = precheck(input, 'image reference');
  // Split first (indexOf only), then validate left to right so the error names the first part at fault.
  const at = text.indexOf('@');
  let name = at >= 0 ? text.slice(0, at) : text;
  const digestText = at >= 0 ? text.slice(at + 1) : undefined;
  let tagText: string | undefined;
  const lastColon = name.lastIndexOf(':');
  if (lastColon > name.lastIndexOf('/')) {
    tagText = name.slice(lastColon + 1);
    name = name.slice(0, lastColon);
  }
  const { registry, repository } = splitName(name);
  let tag = tagText !== undefined ? checkTag(tagText) : undefined;
  const digest = digestText !== undefined ? parseDigest(digestText) : undefined;
  if (tag === undefined && digest === undefined && options.defaultTag !== false) tag = checkTag(options.defaultTag ?? 'latest');

  const suffix = `${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  const canonical = `${formatReference({ registry, repository })}${suffix}`;
  const familiar = `${familiarName(registry, repository)}${suffix}`;
  return Object.freeze({
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
    toString: () => canonical,
    familiar: () => familiar,
  });
}

/**
 * A repository path given apart from its host (`library/nginx`, `team/app`), as
 * the IPC contract and the UI carry it: checked like the path of a reference,
 * with no Docker Hub shorthand applied (it is the registry's own name).
 */
export function checkRepositoryName(input: string): RepositoryName {
  const text = precheck(input, 'repository');
  checkRepository(text);
  if (text.length > MAX_NAME) throw invalid('repository', `repository name too long (${text.length} characters, limit ${MAX_NAME})`);
  return text as RepositoryName;
}

/** A tag given on its own (a copy's destination tag). */
export function parseTag(input: string): Tag {
  return checkTag(typeof input === 'string' ? input : '');
}

/** The reference part of a manifest URL given on its own: a tag, or a digest (which holds a ":"). */
export function parseTagOrDigest(input: string): Tag | Digest {
  const text = typeof input === 'string' ? input : '';
  if (!text) throw invalid('tag', 'empty tag or digest');
  if (text.length > MAX_INPUT) throw invalid('tag', `tag or digest too long (${text.length} characters)`);
  return text.includes(':') ? parseDigest(text) : checkTag(text);
}

/** `[host[:port]/]repository` only: a tag or digest here is an error. */
export function parseRepository(input: string): RepositoryReference {
  const text = precheck(input, 'repository');
  if (text.includes('@')) throw invalid('digest', `"${quote(text)}" includes a digest; a repository was expected`, 'Give [host[:port]/]repository without :tag or @digest.');
  if (text.lastIndexOf(':') > text.lastIndexOf('/')) {
    throw invalid('tag', `"${quote(text)}" includes a tag; a repository was expected`, 'Give [host[:port]/]repository without :tag or @digest.');
  }
  const { registry, repository } = splitName(text);
  const canonical = formatReference({ registry, repository });
  const familiar = familiarName(registry, repository);
  return Object.freeze({ registry, repository, toString: () => canonical, familiar: () => familiar });
}

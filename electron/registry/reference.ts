/**
 * Image references: `[host[:port]/]repository[:tag][@digest]`, parsed once at
 * the boundary into a value every other part can trust. Docker Hub names are
 * normalised the way Docker does (`nginx` → `registry-1.docker.io/library/nginx`).
 * Each bad reference gets an error naming the part at fault.
 */
import { RegistryError } from '../../shared/errors';
import { parseDigest } from './digest';

export const DOCKER_HUB_HOST = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Longest input considered at all: real references are far shorter. */
const MAX_INPUT = 4096;
/** distribution's limit on the full name, host included. */
const MAX_NAME = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DOMAIN_LABEL = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;

export interface ImageReference {
  /** `host[:port]` the requests go to. */
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** Canonical full form: `registry-1.docker.io/library/nginx:1.25`. */
  toString(): string;
  /** Short display form as Docker shows it: `nginx:1.25`, `user/app@sha256:…`, `ghcr.io/o/r:t`. */
  familiar(): string;
}

export interface RepositoryReference {
  readonly registry: string;
  readonly repository: string;
  toString(): string;
  familiar(): string;
}

function quote(input: string): string {
  const printable = input.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 100 ? `${printable.slice(0, 100)}…` : printable;
}

function invalid(part: 'host' | 'repository' | 'tag' | 'digest', message: string, hint?: string): RegistryError {
  return new RegistryError('invalid_reference', message, { part }, hint);
}

/** Validates `host[:port]` and maps Docker Hub aliases. */
export function parseRegistryHost(input: string): string {
  const text = String(input);
  if (!text || text.length > 300 || /[\s/@?#\\]/.test(text) || /[^\x21-\x7e]/.test(text)) {
    throw invalid('host', `invalid registry host "${quote(text)}"`, 'A registry is host[:port], e.g. ghcr.io or 127.0.0.1:5000.');
  }
  let host = text;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    host = text.slice(0, end + 1);
    const rest = text.slice(end + 1);
    if (end < 0 || (rest && !rest.startsWith(':'))) throw invalid('host', `invalid registry host "${quote(text)}"`);
    port = rest ? rest.slice(1) : undefined;
    if (!IPV6.test(host)) throw invalid('host', `invalid IPv6 registry host "${quote(text)}"`);
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      port = text.slice(colon + 1);
    }
    const labels = host.split('.');
    if (!host || host.length > 253 || !labels.every((l) => DOMAIN_LABEL.test(l))) {
      throw invalid('host', `invalid registry host "${quote(text)}"`, 'A registry is host[:port], e.g. ghcr.io or 127.0.0.1:5000.');
    }
  }
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw invalid('host', `invalid port in registry "${quote(text)}"`, 'A port is a number from 1 to 65535.');
  }
  const normalised = host.toLowerCase() + (port !== undefined ? `:${port}` : '');
  return DOCKER_HUB_ALIASES.has(normalised) ? DOCKER_HUB_HOST : normalised;
}

/** Accepts `https://host[:port]` and `http://…` too (a URL the user pasted), and says which scheme was given. */
export function parseRegistryUrl(input: string): { host: string; scheme?: 'http' | 'https' } {
  const text = String(input).trim();
  const match = /^(https?):\/\/([^/]+)\/?$/i.exec(text);
  if (match) return { host: parseRegistryHost(match[2]!), scheme: match[1]!.toLowerCase() as 'http' | 'https' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw invalid('host', `unsupported registry URL "${quote(text)}"`, 'Use host[:port] or an http(s):// URL without a path.');
  }
  return { host: parseRegistryHost(text) };
}

function looksLikeHost(segment: string): boolean {
  return segment.includes('.') || segment.includes(':') || segment === 'localhost' || segment.startsWith('[');
}

function checkRepository(registry: string, repository: string): void {
  if (!repository) throw invalid('repository', 'missing repository name', 'A reference looks like host/repository:tag.');
  const components = repository.split('/');
  for (const component of components) {
    if (PATH_COMPONENT.test(component)) continue;
    if (component && PATH_COMPONENT.test(component.toLowerCase())) {
      throw invalid('repository', `repository "${quote(repository)}" must be lower case`, `Use "${quote(repository.toLowerCase())}".`);
    }
    throw invalid('repository', `invalid repository name "${quote(repository)}"`,
      'Repository path components are lower-case letters and digits, separated by ".", "_", "__" or "-", joined by "/".');
  }
  if (registry.length + 1 + repository.length > MAX_NAME) {
    throw invalid('repository', `repository name too long (${registry.length + 1 + repository.length} characters, limit ${MAX_NAME})`);
  }
}

function splitName(name: string): { registry: string; repository: string; explicitHost: boolean } {
  const slash = name.indexOf('/');
  let registry = DOCKER_HUB_HOST;
  let repository = name;
  let explicitHost = false;
  if (slash > 0 && looksLikeHost(name.slice(0, slash))) {
    registry = parseRegistryHost(name.slice(0, slash));
    repository = name.slice(slash + 1);
    explicitHost = true;
  }
  if (registry === DOCKER_HUB_HOST && repository && !repository.includes('/')) repository = `library/${repository}`;
  checkRepository(registry, repository);
  return { registry, repository, explicitHost };
}

function familiarName(registry: string, repository: string): string {
  if (registry !== DOCKER_HUB_HOST) return `${registry}/${repository}`;
  return repository.startsWith('library/') && repository.split('/').length === 2 ? repository.slice(8) : repository;
}

function precheck(input: unknown): string {
  const text = typeof input === 'string' ? input : '';
  if (!text) throw invalid('repository', 'empty image reference', 'A reference looks like host/repository:tag.');
  if (text.length > MAX_INPUT) throw invalid('repository', `image reference too long (${text.length} characters)`);
  if (/[^\x21-\x7e]/.test(text)) throw invalid('repository', `image reference "${quote(text)}" contains spaces or control characters`);
  return text;
}

export interface ParseReferenceOptions {
  /** Tag used when neither tag nor digest is given; `false` leaves both empty. Default `latest`. */
  defaultTag?: string | false;
}

export function parseReference(input: string, options: ParseReferenceOptions = {}): ImageReference {
  const text = precheck(input);
  let name = text;
  let digest: string | undefined;
  const at = text.indexOf('@');
  if (at >= 0) {
    digest = parseDigest(text.slice(at + 1)).toString();
    name = text.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = name.lastIndexOf('/');
  const lastColon = name.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = name.slice(lastColon + 1);
    name = name.slice(0, lastColon);
    if (!TAG.test(tag)) {
      throw invalid('tag', `invalid tag "${quote(tag)}"`, 'A tag is up to 128 letters, digits, "_", "." and "-", not starting with "." or "-".');
    }
  }
  const { registry, repository } = splitName(name);
  if (tag === undefined && digest === undefined && options.defaultTag !== false) tag = options.defaultTag ?? 'latest';
  const suffix = `${tag !== undefined ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return Object.freeze({
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest ? { digest } : {}),
    toString: () => `${registry}/${repository}${suffix}`,
    familiar: () => `${familiarName(registry, repository)}${suffix}`,
  });
}

/** `host/repo` only: a tag or digest here is an error. */
export function parseRepository(input: string): RepositoryReference {
  const text = precheck(input);
  if (text.includes('@')) throw invalid('digest', `"${quote(text)}" names a digest; a repository was expected`, 'Give host/repository without :tag or @digest.');
  const lastSlash = text.lastIndexOf('/');
  const lastColon = text.lastIndexOf(':');
  if (lastColon > lastSlash) throw invalid('tag', `"${quote(text)}" names a tag; a repository was expected`, 'Give host/repository without :tag or @digest.');
  const { registry, repository } = splitName(text);
  return Object.freeze({ registry, repository, toString: () => `${registry}/${repository}`, familiar: () => familiarName(registry, repository) });
}

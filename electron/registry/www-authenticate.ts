/**
 * WWW-Authenticate (RFC 7235): several challenges in one header, parameters in
 * any order, quoted strings holding commas, `=` and backslash escapes, token68.
 * Hostile headers are bounded: over 16 KiB is refused, garbage yields what
 * could be read, and the scan always moves forward (no loops, no backtracking).
 */
import { RegistryError } from '../../shared/errors';

export interface Challenge {
  /** Lower-cased: `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lower-cased; values unquoted. */
  params: Record<string, string>;
  token68?: string;
}

export const MAX_WWW_AUTHENTICATE = 16 * 1024;

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

export function parseWwwAuthenticate(header: string | undefined): Challenge[] {
  const text = header ?? '';
  if (text.length > MAX_WWW_AUTHENTICATE) {
    throw new RegistryError('protocol', `WWW-Authenticate header too long (${text.length} bytes)`, {}, 'The registry sent an abnormal authentication challenge.');
  }
  let i = 0;
  const challenges: Challenge[] = [];
  const skipSpaces = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < text.length && TCHAR.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let out = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      out += text[i];
      i++;
    }
    i++; // closing quote (or end)
    return out;
  };
  /** True when what follows is `token BWS =` (a parameter), without consuming it. */
  const paramAhead = (): boolean => {
    let j = i;
    while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === ',')) j++;
    const start = j;
    while (j < text.length && TCHAR.test(text[j]!)) j++;
    if (j === start) return false;
    while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
    return text[j] === '=' && text[j + 1] !== '=';
  };

  while (i < text.length) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++;
    const scheme = readToken();
    if (!scheme) {
      i++; // unreadable character: skip it and go on
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    skipSpaces();
    // token68: `Basic dXNlcg==` (a run of token68 characters, optional '=' padding, then end or comma)
    if (!paramAhead()) {
      const start = i;
      while (i < text.length && TOKEN68_CHAR.test(text[i]!)) i++;
      while (i < text.length && text[i] === '=') i++;
      if (i > start) challenge.token68 = text.slice(start, i);
      continue;
    }
    while (paramAhead()) {
      while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++;
      const name = readToken().toLowerCase();
      skipSpaces();
      i++; // '='
      skipSpaces();
      const value = text[i] === '"' ? readQuoted() : readToken();
      if (!(name in challenge.params)) challenge.params[name] = value;
      skipSpaces();
    }
  }
  return challenges;
}

/** The scopes a Bearer challenge asks for (space-separated in one `scope` parameter). */
export function bearerScopes(challenge: Challenge): string[] {
  return (challenge.params.scope ?? '').split(' ').filter(Boolean);
}

export function insufficientScope(challenge: Challenge): boolean {
  return challenge.params.error === 'insufficient_scope';
}

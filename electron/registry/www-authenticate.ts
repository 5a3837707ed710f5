/**
 * WWW-Authenticate (RFC 7235): several challenges in one header, parameters in
 * any order, quoted strings holding commas, `=` and backslash escapes, token68.
 * The header comes from a server we do not trust, so the parser is bounded:
 * over 16 KiB is refused, garbage yields whatever challenges could be read
 * (never an exception), and every step moves the cursor forward, so there is no
 * backtracking and no endless loop.
 */
import { RegistryError } from '../../shared/errors';

export interface Challenge {
  /** Lower-cased: `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lower-cased, values unquoted; the first of duplicate names wins. Has no prototype. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge used it instead of parameters. */
  token68?: string;
}

export const MAX_WWW_AUTHENTICATE = 16 * 1024;

const TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";
const TOKEN68_SYMBOLS = '-._~+/';

function isAlnum(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
const isTchar = (c: string): boolean => isAlnum(c) || TCHAR_SYMBOLS.includes(c);
const isToken68Char = (c: string): boolean => isAlnum(c) || TOKEN68_SYMBOLS.includes(c);
const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** Parses every challenge in the header. Throws only for a header over 16 KiB (a `protocol` error). */
export function parseWwwAuthenticate(header: string | undefined): Challenge[] {
  const text = typeof header === 'string' ? header : '';
  if (text.length > MAX_WWW_AUTHENTICATE) {
    throw new RegistryError('protocol', `WWW-Authenticate header too long (${text.length} characters, limit ${MAX_WWW_AUTHENTICATE})`, {},
      'The registry sent an abnormal authentication challenge; check the registry address, or report it to the registry operator.');
  }
  const n = text.length;
  const challenges: Challenge[] = [];
  let current: Challenge | undefined;
  let i = 0;

  const skipWs = (): void => {
    while (i < n && isWs(text[i])) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && isTchar(text[i]!)) i++;
    return text.slice(start, i);
  };
  /** At an opening quote: reads to the closing quote (or the end), undoing backslash escapes. */
  const readQuoted = (): string => {
    i++;
    const parts: string[] = [];
    let start = i;
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < n) {
        parts.push(text.slice(start, i));
        start = i + 1;
        i += 2;
      } else {
        i++;
      }
    }
    parts.push(text.slice(start, i));
    if (i < n) i++;
    return parts.join('');
  };
  /** Skips unreadable input up to the next list comma (commas inside quotes do not count). Always advances. */
  const skipElement = (): void => {
    if (i < n && text[i] !== ',') i += text[i] === '"' ? 0 : 1;
    while (i < n && text[i] !== ',') {
      if (text[i] === '"') readQuoted();
      else i++;
    }
  };
  /** True when `token BWS "="` starts at the cursor, i.e. an auth-param rather than a new challenge. */
  const paramAhead = (): boolean => {
    let j = i;
    while (j < n && isTchar(text[j]!)) j++;
    if (j === i) return false;
    while (j < n && isWs(text[j])) j++;
    return text[j] === '=';
  };
  /** The end of a token68 starting at the cursor (`abc`, `dXNlcg==`), or -1 when what follows is not one. */
  const token68End = (): number => {
    let j = i;
    while (j < n && isToken68Char(text[j]!)) j++;
    if (j === i) return -1;
    while (j < n && text[j] === '=') j++;
    const end = j;
    while (j < n && isWs(text[j])) j++;
    return j >= n || text[j] === ',' ? end : -1;
  };
  /** Reads `name BWS = BWS value`, and more of them if a broken server separated them with spaces only. */
  const readParams = (challenge: Challenge): void => {
    while (paramAhead()) {
      const name = readToken().toLowerCase();
      skipWs();
      i++; // '='
      skipWs();
      let value: string;
      if (text[i] === '"') {
        value = readQuoted();
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && !isWs(text[i]) && text[i] !== '"') i++;
        value = text.slice(start, i);
      }
      if (!Object.hasOwn(challenge.params, name)) challenge.params[name] = value;
      skipWs();
      if (i >= n || text[i] === ',') return;
    }
    skipElement();
  };

  while (i < n) {
    while (i < n && (isWs(text[i]) || text[i] === ',')) i++;
    if (i >= n) break;
    // After a comma: `token =` continues the current challenge's parameters; a bare token starts a new challenge.
    if (paramAhead()) {
      if (current) readParams(current);
      else skipElement();
      continue;
    }
    const scheme = readToken();
    if (!scheme) {
      skipElement();
      continue;
    }
    current = { scheme: scheme.toLowerCase(), params: Object.create(null) as Record<string, string> };
    challenges.push(current);
    const afterScheme = i;
    skipWs();
    if (i >= n || text[i] === ',') continue;
    if (i === afterScheme) {
      // Something glued to the scheme (`Bearer"x"`): not a challenge we can read further.
      skipElement();
      continue;
    }
    const end68 = token68End();
    if (end68 >= 0) {
      current.token68 = text.slice(i, end68);
      i = end68;
      continue;
    }
    readParams(current);
  }
  return challenges;
}

/** The scopes a Bearer challenge asks for (space-separated in one `scope` parameter). */
export function bearerScopes(challenge: Challenge): string[] {
  const scope = Object.hasOwn(challenge.params, 'scope') ? challenge.params.scope : undefined;
  return (scope ?? '').split(' ').filter(Boolean);
}

/** RFC 6750: the token was valid but lacks a scope the request needs; a token for more scopes may succeed. */
export function insufficientScope(challenge: Challenge): boolean {
  return Object.hasOwn(challenge.params, 'error') && challenge.params.error === 'insufficient_scope';
}

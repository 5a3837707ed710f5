/**
 * Secrets never reach a log line or an error message. URLs lose their user
 * info and query (signed storage URLs carry credentials there), and known
 * secret values are scrubbed from text.
 */

/** A private copy of the URL (we edit it), or undefined when it does not parse. */
function copyOf(url: URL | string): URL | undefined {
  try {
    return new URL(url.toString());
  } catch {
    return undefined;
  }
}

export function redactUrl(url: URL | string): string {
  const parsed = copyOf(url);
  if (!parsed) return '<invalid url>';
  parsed.username = '';
  parsed.password = '';
  const hadQuery = parsed.search !== '';
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString() + (hadQuery ? '?<redacted>' : '');
}

/** Keeps the query of registry API URLs whose parameters are not secret (`n`, `last`, `mount`, `from`, `digest`). */
export function redactApiUrl(url: URL | string): string {
  const parsed = copyOf(url);
  if (!parsed) return '<invalid url>';
  const safe = new Set(['n', 'last', 'mount', 'from', 'digest', 'artifactType', 'scope', 'service']);
  const keys = [...parsed.searchParams.keys()];
  if (keys.every((k) => safe.has(k)) && !parsed.username && !parsed.password) return parsed.toString();
  return redactUrl(parsed);
}

/** Replaces every occurrence of the given secrets (and their encoded forms) in `text`. */
export function scrubSecrets(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    // As sent (a Basic header's base64, a query or form body) or as echoed back (inside a JSON string).
    const forms = [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)];
    for (const form of forms) {
      out = out.split(form).join('<redacted>');
    }
  }
  return out;
}

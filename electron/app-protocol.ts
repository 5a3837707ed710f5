/**
 * The app's own scheme (regdesk-app://ui/), which serves the built renderer in
 * the Electron window: which file a URL names, the headers every answer carries,
 * and which requests the window may make at all. Pure, so unit tests cover it;
 * main.ts only wires it to protocol.handle and the session.
 */
import { join, normalize, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from './ipc/serve';
import { APP_SCHEME, isAppUrl } from './window-options';

/** The file under `root` that an app URL names, or undefined: not our UI's URL, a malformed escape, or a path leaving `root`. */
export function rendererFile(url: string, root: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  const { pathname } = new URL(url);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return undefined;
  }
  if (relative.includes('\0')) return undefined;
  const path = normalize(join(root, relative));
  return path.startsWith(normalize(root) + sep) ? path : undefined;
}

/**
 * The same answer with the app's security headers. The CSP goes in a header as
 * well as the page's <meta>: a header applies before any markup is parsed, and
 * frame-ancestors works only from a header.
 */
export function withAppHeaders(response: Response): Response {
  // A fetched Response's headers are immutable: copy them into a new answer.
  const headers = new Headers(response.headers);
  headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
  headers.set('x-content-type-options', 'nosniff');
  headers.set('referrer-policy', 'no-referrer');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** The window's own network requests: only the app scheme; DevTools' pages too, but only where DevTools exist (not packaged). */
export function isAllowedWindowRequest(url: string, packaged: boolean): boolean {
  if (url.startsWith(`${APP_SCHEME}://`)) return true;
  return !packaged && url.startsWith('devtools://');
}

/**
 * The BrowserWindow options of regdesk and the links it lets out, kept apart
 * from main.ts so a unit test can assert them: the Electron binary does not
 * run on our build machines.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

export const APP_SCHEME = 'regdesk-app';
export const APP_ORIGIN = `${APP_SCHEME}://ui`;

/** `packaged`: an installed build (app.isPackaged), where DevTools cannot be opened at all. */
export function windowOptions(preloadPath: string, packaged: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'regdesk',
    webPreferences: {
      preload: preloadPath,
      // Set explicitly, not left to defaults that differ between Electron versions.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !packaged,
    },
  };
}

/** True for our own UI's URLs: what an IPC sender frame must be. Parsed, never matched as a string prefix. */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === 'ui' && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

/**
 * The only hosts whose pages the app hands to the OS browser: where image source
 * labels (org.opencontainers.image.source) and registry pages usually point.
 * Matched exactly: a subdomain or a look-alike (github.com.evil.example) is another host.
 */
export const EXTERNAL_HOSTS: readonly string[] = Object.freeze(['github.com', 'gitlab.com', 'hub.docker.com', 'docs.docker.com', 'quay.io']);

/** Links the app may hand to the OS browser: https on the default port, an allowed host, no credentials in them. */
export function isAllowedExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && !parsed.port && !parsed.username && !parsed.password && EXTERNAL_HOSTS.includes(parsed.hostname);
  } catch {
    return false;
  }
}

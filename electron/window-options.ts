/**
 * The BrowserWindow options of regdesk, kept apart from main.ts so a unit test
 * can assert them: the Electron binary does not run on our build machines.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

export const APP_SCHEME = 'regdesk-app';
export const APP_ORIGIN = `${APP_SCHEME}://ui`;

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
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

/** Links the app may hand to the OS browser: https only, no credentials in them. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && !parsed.username && !parsed.password && parsed.hostname.length > 0;
  } catch {
    return false;
  }
}

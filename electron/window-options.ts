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

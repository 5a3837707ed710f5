import { describe, expect, it } from 'vitest';
import { APP_ORIGIN, isAppUrl, isSafeExternalUrl, windowOptions } from '../../electron/window-options';

describe('windowOptions', () => {
  it('isolates and sandboxes the renderer explicitly', () => {
    const prefs = windowOptions('/app/preload.cjs').webPreferences!;
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('serves the UI from a custom scheme, not file://', () => {
    expect(new URL(APP_ORIGIN).protocol).toBe('regdesk-app:');
  });
});

describe('isAppUrl', () => {
  it.each([
    ['regdesk-app://ui/index.html', true],
    ['regdesk-app://ui/', true],
    ['regdesk-app://evil/index.html', false],
    ['regdesk-app://ui.evil/index.html', false],
    ['regdesk-app://user:pw@ui/', false],
    ['https://ui/index.html', false],
    ['file:///app/index.html', false],
    ['http://127.0.0.1:5173/', false],
    ['regdesk-app:ui', false],
    ['', false],
    [undefined, false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isAppUrl(url)).toBe(expected);
  });
});

describe('isSafeExternalUrl', () => {
  it.each([
    ['https://github.com/acme/app', true],
    ['http://github.com/acme/app', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['https://user:token@github.com/', false],
    ['vscode://open', false],
    ['smb://host/share', false],
  ])('%s → %s', (url, expected) => {
    expect(isSafeExternalUrl(url)).toBe(expected);
  });
});

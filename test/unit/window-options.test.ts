import { describe, expect, it } from 'vitest';
import { APP_ORIGIN, EXTERNAL_HOSTS, isAllowedExternalUrl, isAppUrl, windowOptions } from '../../electron/window-options';

describe('windowOptions', () => {
  it('isolates and sandboxes the renderer explicitly', () => {
    const prefs = windowOptions('/app/preload.cjs', true).webPreferences!;
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

  it('has DevTools only in a development run, never in an installed build', () => {
    expect(windowOptions('/app/preload.cjs', true).webPreferences!.devTools).toBe(false);
    expect(windowOptions('/app/preload.cjs', false).webPreferences!.devTools).toBe(true);
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

describe('isAllowedExternalUrl', () => {
  it.each([
    ['https://github.com/acme/app', true],
    ['https://gitlab.com/acme/app/-/tree/main', true],
    ['https://hub.docker.com/_/alpine', true],
    ['https://GitHub.com/acme/app', true],
    ['http://github.com/acme/app', false],
    ['https://github.com:8443/acme/app', false],
    ['https://github.com./acme/app', false],
    ['https://gist.github.com/acme', false],
    ['https://github.com.evil.example/acme', false],
    ['https://evil.example/github.com', false],
    ['https://evil.example/?u=https://github.com/', false],
    ['https://xn--gthub-n4a.com/acme', false],
    ['https://gíthub.com/acme', false],
    ['https://registry.example.com/', false],
    ['https://127.0.0.1/', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['https://user:token@github.com/', false],
    ['https://user@github.com/', false],
    ['vscode://open', false],
    ['smb://host/share', false],
    ['not a url', false],
    ['', false],
  ])('%s → %s', (url, expected) => {
    expect(isAllowedExternalUrl(url)).toBe(expected);
  });

  it('lets out every listed host over https, and the list cannot be extended at run time', () => {
    for (const host of EXTERNAL_HOSTS) expect(isAllowedExternalUrl(`https://${host}/x`), host).toBe(true);
    expect(() => (EXTERNAL_HOSTS as string[]).push('evil.example')).toThrow(TypeError);
    expect(isAllowedExternalUrl('https://evil.example/')).toBe(false);
  });
});

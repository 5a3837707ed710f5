import { describe, expect, it } from 'vitest';
import { APP_ORIGIN, windowOptions } from '../../electron/window-options';

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

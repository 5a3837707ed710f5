/**
 * Electron main process. Deliberately thin: everything testable lives in the
 * engine, the handler table and the option builders, which run under plain Node.
 */
import { app, BrowserWindow, net, protocol, session } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_ORIGIN, APP_SCHEME, windowOptions } from './window-options';

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false } }]);

const rendererRoot = join(__dirname, 'renderer');

/** Serves the built renderer from our own scheme, never from file://, and never outside its folder. */
function serveRenderer(): void {
  protocol.handle(APP_SCHEME, (request) => {
    const url = new URL(request.url);
    const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const path = normalize(join(rendererRoot, relative));
    if (url.host !== 'ui' || !path.startsWith(rendererRoot + sep)) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(path).toString());
  });
}

function createWindow(): void {
  const win = new BrowserWindow(windowOptions(join(__dirname, 'preload.cjs')));
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    serveRenderer();
    createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}

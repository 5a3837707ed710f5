/**
 * Electron main process. Deliberately thin: the engine, the handler table and
 * the option builders run (and are tested) under plain Node; this file only
 * wires them to Electron: the window, the app protocol, IPC with sender checks,
 * and the guards on navigation, new windows, permissions and network access.
 */
import { app, BrowserWindow, ipcMain, Menu, nativeImage, net, Notification, protocol, session, shell, Tray, type WebFrameMain } from 'electron';
import ElectronStore from 'electron-store';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RegistryError } from '../shared/errors';
import { keytarStore } from './credentials/keychain';
import { createCallRegistry } from './ipc/call-registry';
import { createHandlers, dispatch } from './ipc/handlers';
import { encodeEnvelope, encodeEventPayload } from './ipc/wire';
import { openSettings, settingsDir, type ConfLike } from './settings/settings-file';
import { createAppServices, type AppServices } from './services';
import { menuTemplate } from './app-menu';
import { isAllowedWindowRequest, rendererFile, withAppHeaders } from './app-protocol';
import { APP_ORIGIN, APP_SCHEME, isAllowedExternalUrl, isAppUrl, windowOptions } from './window-options';

// Chromium's remote-debugging switches would let a DevTools client into the window: an installed build refuses to start with them.
const debuggingRefused = app.isPackaged && ['remote-debugging-port', 'remote-debugging-pipe'].some((name) => app.commandLine.hasSwitch(name));

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false } }]);

const rendererRoot = join(__dirname, 'renderer');
// A copy's cancel signal fans out to every request in flight (up to 32 blobs, a plan's many HEADs): by design, not a leak.
setMaxListeners(256);

/** Serves the built renderer from our own scheme, never from file://, never outside its folder, always with the app's CSP header. */
function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const path = rendererFile(request.url, rendererRoot);
    // A missing file is a network error from net.fetch: answer it as not found, like a path outside the folder.
    const file = path ? await net.fetch(pathToFileURL(path).toString()).catch(() => undefined) : undefined;
    return withAppHeaders(file ?? new Response('not found', { status: 404 }));
  });
}

function trusted(frame: WebFrameMain | null): boolean {
  return Boolean(frame) && isAppUrl(frame!.url);
}

function createServices(): AppServices {
  const dir = settingsDir();
  const settings = openSettings({ dir, createStore: (cwd, name) => new ElectronStore({ cwd, name }) as unknown as ConfLike });
  const services = createAppServices({ settings, dir, store: keytarStore(), userAgent: `regdesk/${app.getVersion()}` });
  // Registry settings follow the user's edits (in the app, or registries.json by hand) while the app runs.
  services.live.watch();
  return services;
}

function createWindow(services: AppServices): BrowserWindow {
  const state = services.settings.get().window;
  const win = new BrowserWindow({
    ...windowOptions(join(__dirname, 'preload.cjs'), app.isPackaged),
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
  });
  if (state.maximized) win.maximize();
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links (an image's org.opencontainers.image.source) open in the OS browser: https, allowed hosts only.
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.on('close', () => {
    const bounds = win.getNormalBounds();
    services.settings.update((s) => {
      s.window = { width: bounds.width, height: bounds.height, x: bounds.x, y: bounds.y, maximized: win.isMaximized() };
    });
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

/** A 16×16 tray icon, inline so packaging needs no extra file. */
const TRAY_ICON = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAHElEQVR4nGNgGDRAP//1f1LwqAGjBgxXAwYMAADA/WyQyV83lAAAAABJRU5ErkJggg==';

function start(): void {
  const services = createServices();
  const windows = (): BrowserWindow[] => BrowserWindow.getAllWindows();
  const showWindow = (): void => {
    const win = windows()[0] ?? createWindow(services);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  const tray = new Tray(nativeImage.createFromDataURL(TRAY_ICON));
  tray.setToolTip('regdesk');
  tray.on('click', showWindow);
  const setPending = (count: number): void => {
    tray.setToolTip(count ? `regdesk: ${count} image update${count === 1 ? '' : 's'}` : 'regdesk');
    if (process.platform === 'darwin') tray.setTitle(count ? String(count) : '');
    tray.setContextMenu(Menu.buildFromTemplate([
      { label: count ? `${count} pending update${count === 1 ? '' : 's'}` : 'No pending updates', enabled: false },
      { label: 'Open regdesk', click: showWindow },
      { label: 'Check now', click: () => void handlers.updates.checkNow().catch(() => undefined) },
      { type: 'separator' },
      { role: 'quit' },
    ]));
  };
  const handlers = createHandlers({
    ...services,
    emit: (event, payload) => {
      const data = encodeEventPayload(payload);
      if (data !== undefined) for (const win of windows()) win.webContents.send('regdesk:event', event, data);
      if (event === 'updates.changed') setPending((payload as Array<{ update: unknown }>).filter((v) => v.update).length);
    },
    notify: (count, fresh) => {
      if (!services.settings.get().notifications.enabled || !Notification.isSupported()) return;
      // One notification per check run, not per image; clicking it opens the window, whose sidebar lists what changed.
      const first = fresh[0]!.image;
      const notification = new Notification({ title: 'regdesk', body: count === 1 ? `${first} has an update` : `${count} watched images have updates` });
      notification.on('click', showWindow);
      notification.show();
    },
  });
  setPending(handlers.updates.list().filter((v) => v.update).length);
  handlers.updates.start();

  // Calls in flight per window: the renderer cancels what it left; a closed window cancels all it asked.
  const calls = createCallRegistry();
  const knownSenders = new Set<number>();
  ipcMain.handle('regdesk:call', async (event, channel: unknown, request: unknown, id: unknown) => {
    if (!trusted(event.senderFrame)) {
      return JSON.stringify({ ok: false, error: new RegistryError('authorization', 'call from an untrusted frame refused', {}).toWire() });
    }
    if (typeof channel !== 'string') return JSON.stringify({ ok: false, error: new RegistryError('usage', 'channel must be a string', {}).toWire() });
    const sender = event.sender.id;
    if (!knownSenders.has(sender)) {
      knownSenders.add(sender);
      const contents = event.sender;
      // A reload or a crashed renderer leaves its calls behind: nobody waits for their answers.
      contents.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) calls.cancelAll(sender);
      });
      contents.on('render-process-gone', () => calls.cancelAll(sender));
      contents.once('destroyed', () => {
        calls.cancelAll(sender);
        knownSenders.delete(sender);
      });
    }
    const call = calls.begin(sender, id);
    try {
      // JSON text, as serve sends it: a value nested too deeply to clone is a typed error, not a rejected invoke.
      return encodeEnvelope(channel, await dispatch(handlers, channel, request, call.signal));
    } finally {
      call.end();
    }
  });
  ipcMain.on('regdesk:cancel', (event, id: unknown) => {
    if (trusted(event.senderFrame)) calls.cancel(event.sender.id, id);
  });

  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // The renderer talks only through IPC: its own network requests are blocked.
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedWindowRequest(details.url, app.isPackaged) });
  });

  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, app.isPackaged)));

  serveRenderer();
  createWindow(services);
  app.on('activate', () => {
    if (windows().length === 0) createWindow(services);
  });
}

if (debuggingRefused) {
  console.error('regdesk: remote debugging is not available in an installed build');
  app.exit(1);
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  void app.whenReady().then(start);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}

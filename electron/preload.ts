/**
 * Preload: the only bridge between the sandboxed renderer and the main process.
 * It will expose the typed IPC contract from shared/ and nothing else (no raw ipcRenderer).
 */
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('regdesk', Object.freeze({ transport: 'electron' as const }));

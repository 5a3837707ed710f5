/**
 * Preload: the only bridge between the sandboxed renderer and the main
 * process. It exposes the typed contract's verbs, `call` (with `cancel`) and
 * `on`, and nothing else (no raw ipcRenderer). The main side validates every call.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isEventName } from '../shared/events';

type Listener = (payload: unknown) => void;

const api = {
  transport: 'electron' as const,
  /** Answers and events arrive as JSON text (electron/ipc/wire.ts). */
  async call(channel: string, request: unknown, id: number): Promise<unknown> {
    return JSON.parse(String(await ipcRenderer.invoke('regdesk:call', String(channel), request, Number(id))));
  },
  cancel(id: number): void {
    ipcRenderer.send('regdesk:cancel', Number(id));
  },
  on(event: string, listener: Listener): () => void {
    if (!isEventName(event)) throw new Error(`no event "${String(event).slice(0, 100)}" in the contract`);
    const wrapped = (_e: IpcRendererEvent, name: unknown, payload: unknown): void => {
      if (name === event) listener(JSON.parse(String(payload)));
    };
    ipcRenderer.on('regdesk:event', wrapped);
    return () => {
      ipcRenderer.removeListener('regdesk:event', wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('regdeskBridge', Object.freeze(api));

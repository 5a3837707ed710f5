/**
 * How the renderer reaches the main side, picked once at start-up: the preload
 * bridge inside Electron, or `regdesk serve`'s HTTP API in a browser. Nothing
 * else differs. Over HTTP the token travels only in a header: the page takes it
 * (or a one-time code it exchanges for it) from the URL's fragment, takes it out
 * of the address bar at once, and keeps it in memory and in this tab's
 * sessionStorage, so a reload works. Events are read from a fetch stream
 * (EventSource cannot send a header), reconnected when it drops.
 */
import { isEventName, type CallOptions, type Channel, type Envelope, type EventMap, type EventName, type RegdeskApi, type RequestOf, type ResponseOf } from '../../shared/contract';
import { RegistryError, type WireError } from '../../shared/errors';

/** The API, plus a signal that events may have been missed (the event stream came back after a drop). */
export interface RendererApi extends RegdeskApi {
  onReconnect(listener: () => void): () => void;
}

interface Bridge {
  transport: 'electron';
  call(channel: string, request: unknown, id: number): Promise<unknown>;
  cancel(id: number): void;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

const cancelled = (): RegistryError => new RegistryError('cancelled', 'cancelled', {});
const unknownEvent = (event: string): RegistryError => new RegistryError('internal', `no event "${event.slice(0, 100)}" in the contract`, {});

function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.result;
  throw RegistryError.fromWire(envelope.error);
}

function bridgeApi(bridge: Bridge): RendererApi {
  let lastId = 0;
  return {
    // IPC events do not drop: nothing to catch up on.
    onReconnect: () => () => undefined,
    async call(channel, request, options: CallOptions = {}) {
      const { signal } = options;
      if (signal?.aborted) throw cancelled();
      const id = ++lastId;
      const cancel = (): void => bridge.cancel(id);
      signal?.addEventListener('abort', cancel, { once: true });
      try {
        return unwrap((await bridge.call(channel, request, id)) as Envelope<never>);
      } finally {
        signal?.removeEventListener('abort', cancel);
      }
    },
    on(event, listener) {
      if (!isEventName(event)) throw unknownEvent(event);
      return bridge.on(event, (payload) => listener(payload as never));
    },
  };
}

const TOKEN_HEADER = 'x-regdesk-token';
const TOKEN_KEY = 'regdesk.serve.token';
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 15_000;

const notReachable = (): RegistryError => new RegistryError('network', 'regdesk serve is not reachable; is it still running?', {});
const refused = (wire: WireError | undefined): RegistryError =>
  new RegistryError('authorization', wire?.message ?? 'refused by regdesk serve', {}, 'Open the exact URL regdesk serve printed.');

const CREDENTIAL_KEYS = ['token', 'code'];

/**
 * The token or one-time code in the URL's fragment (`#token=` printed, `#code=` from --open),
 * taken out of the address bar at once (from the query too, where a hand-edited URL may put
 * it) so it stays out of history, bookmarks and screen shares. The rest of the fragment, what
 * is open (url-state.ts), stays.
 */
export function takeCredentialFromUrl(): { token?: string; code?: string } {
  const { hash, search, pathname } = window.location;
  const fragment = new URLSearchParams(hash.slice(1));
  const query = new URLSearchParams(search);
  const token = fragment.get('token');
  const code = fragment.get('code');
  if (CREDENTIAL_KEYS.some((k) => fragment.has(k) || query.has(k))) {
    for (const k of CREDENTIAL_KEYS) {
      fragment.delete(k);
      query.delete(k);
    }
    const [rest, kept] = [query.toString(), fragment.toString()];
    window.history.replaceState(null, '', `${pathname}${rest ? `?${rest}` : ''}${kept ? `#${kept}` : ''}`);
  }
  return { ...(token ? { token } : {}), ...(code ? { code } : {}) };
}

function storedToken(): string | undefined {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined; // Storage disabled: the token lives in memory only, and a reload needs the printed URL again.
  }
}

function storeToken(token: string): void {
  try {
    window.sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Memory only, as above.
  }
}

/** The session token: from the fragment, from an earlier load of this tab, or by exchanging a one-time code. */
async function sessionToken(): Promise<string> {
  const given = takeCredentialFromUrl();
  if (given.token) {
    storeToken(given.token);
    return given.token;
  }
  if (!given.code) return storedToken() ?? '';
  let res: Response;
  try {
    res = await fetch('/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: given.code }), cache: 'no-store' });
  } catch {
    throw notReachable();
  }
  const envelope = (await res.json().catch(() => undefined)) as Envelope<{ token: string }> | undefined;
  if (!envelope?.ok) throw refused(envelope?.error);
  storeToken(envelope.result.token);
  return envelope.result.token;
}

/**
 * Splits a server-sent event stream into events, as chunks arrive. Only the
 * fields regdesk sends (`event`, `data`) are read; comments are skipped.
 */
export function eventStreamParser(onEvent: (event: string, data: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
      if (data.length) onEvent(event, data.join('\n'));
    }
  };
}

/**
 * Reads `/events` with the token header until stopped, reconnecting with backoff when the
 * stream drops; a refused token ends it. Stopped when the page is left, restarted when
 * it is shown again from the back-forward cache.
 */
function eventStream(token: Promise<string>, onEvent: (event: string, data: string) => void, onReconnect: () => void): void {
  let controller: AbortController | undefined;
  const wait = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const timer = window.setTimeout(resolve, ms);
      signal.addEventListener('abort', () => { window.clearTimeout(timer); resolve(); }, { once: true });
    });
  const run = async (signal: AbortSignal, first: boolean): Promise<void> => {
    const sessionToken = await token.catch(() => undefined);
    if (sessionToken === undefined) return; // No session (the one-time code was refused): the calls say so.
    let delay = RECONNECT_FIRST_MS;
    let connected = !first;
    while (!signal.aborted) {
      try {
        const res = await fetch('/events', { headers: { [TOKEN_HEADER]: sessionToken }, cache: 'no-store', signal });
        if (res.status === 401 || res.status === 403) return;
        if (res.ok && res.body) {
          if (connected) onReconnect();
          connected = true;
          delay = RECONNECT_FIRST_MS;
          const parse = eventStreamParser(onEvent);
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          for (let read = await reader.read(); !read.done; read = await reader.read()) parse(read.value);
        }
      } catch {
        // Dropped, refused by the network, or stopped: try again below unless stopped.
      }
      await wait(delay, signal);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    }
  };
  const start = (first: boolean): void => {
    controller = new AbortController();
    void run(controller.signal, first);
  };
  window.addEventListener('pagehide', () => controller?.abort());
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) start(false);
  });
  start(true);
}

function httpApi(): RendererApi {
  const token = sessionToken();
  // A failed exchange is reported by each call; nobody else waits on this promise.
  token.catch(() => undefined);
  const listeners = new Map<string, Set<(payload: never) => void>>();
  const reconnectListeners = new Set<() => void>();
  let streaming = false;
  const deliver = (event: string, data: string): void => {
    if (!isEventName(event)) return;
    const set = listeners.get(event);
    if (!set?.size) return;
    let payload: never;
    try {
      payload = JSON.parse(data) as never;
    } catch {
      return;
    }
    set.forEach((l) => l(payload));
  };
  return {
    async call<C extends Channel>(channel: C, request: RequestOf<C>, options: CallOptions = {}): Promise<ResponseOf<C>> {
      const { signal } = options;
      if (signal?.aborted) throw cancelled();
      const sessionToken = await token;
      let res: Response;
      try {
        // Aborting closes the request; serve then cancels the call (and the registry requests under it).
        res = await fetch(`/rpc/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: sessionToken },
          body: JSON.stringify(request ?? {}),
          cache: 'no-store',
          signal,
        });
      } catch {
        if (signal?.aborted) throw cancelled();
        throw notReachable();
      }
      if (res.status === 401 || res.status === 403) {
        throw refused(((await res.json().catch(() => ({}))) as { error?: WireError }).error);
      }
      const envelope = await res.json().catch((err: unknown) => {
        throw signal?.aborted ? cancelled() : err;
      });
      return unwrap(envelope as Envelope<ResponseOf<C>>);
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void) {
      if (!isEventName(event)) throw unknownEvent(event);
      if (!streaming) {
        streaming = true;
        eventStream(token, deliver, () => reconnectListeners.forEach((l) => l()));
      }
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: never) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (payload: never) => void);
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
  };
}

export function createApi(): RendererApi {
  const bridge = (window as unknown as { regdeskBridge?: Bridge }).regdeskBridge;
  if (bridge) return bridgeApi(bridge);
  return httpApi();
}

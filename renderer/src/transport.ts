/**
 * How the renderer reaches the main side, picked once at start-up: the preload
 * bridge inside Electron, or `regdesk serve`'s HTTP API in a browser (token
 * from the page URL, events over EventSource). Nothing else differs.
 */
import type { CallOptions, Channel, Envelope, EventMap, EventName, RegdeskApi, RequestOf, ResponseOf } from '../../shared/contract';
import { RegistryError, type WireError } from '../../shared/errors';

interface Bridge {
  transport: 'electron';
  call(channel: string, request: unknown, id: number): Promise<unknown>;
  cancel(id: number): void;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

const cancelled = (): RegistryError => new RegistryError('cancelled', 'cancelled', {});

function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.result;
  throw RegistryError.fromWire(envelope.error);
}

function bridgeApi(bridge: Bridge): RegdeskApi {
  let lastId = 0;
  return {
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
      return bridge.on(event, (payload) => listener(payload as never));
    },
  };
}

function httpApi(token: string): RegdeskApi {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let source: EventSource | undefined;
  const connect = (): void => {
    if (source) return;
    source = new EventSource(`/events?token=${encodeURIComponent(token)}`);
    for (const name of ['copy.updated'] as EventName[]) {
      source.addEventListener(name, (e) => {
        const payload = JSON.parse((e as MessageEvent<string>).data) as never;
        listeners.get(name)?.forEach((l) => l(payload));
      });
    }
  };
  return {
    async call<C extends Channel>(channel: C, request: RequestOf<C>, options: CallOptions = {}): Promise<ResponseOf<C>> {
      const { signal } = options;
      let res: Response;
      try {
        // Aborting closes the request; serve then cancels the call (and the registry requests under it).
        res = await fetch(`/rpc/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-regdesk-token': token },
          body: JSON.stringify(request ?? {}),
          ...(signal ? { signal } : {}),
        });
      } catch {
        if (signal?.aborted) throw cancelled();
        throw new RegistryError('network', 'regdesk serve is not reachable; is it still running?', {});
      }
      if (res.status === 401 || res.status === 403) {
        const wire = ((await res.json().catch(() => ({}))) as { error?: WireError }).error;
        throw new RegistryError('authorization', wire?.message ?? 'refused by regdesk serve', {}, 'Open the exact URL regdesk serve printed.');
      }
      const envelope = await res.json().catch((err: unknown) => {
        throw signal?.aborted ? cancelled() : err;
      });
      return unwrap(envelope as Envelope<ResponseOf<C>>);
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void) {
      connect();
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: never) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (payload: never) => void);
    },
  };
}

export function createApi(): RegdeskApi {
  const bridge = (window as unknown as { regdeskBridge?: Bridge }).regdeskBridge;
  if (bridge) return bridgeApi(bridge);
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  return httpApi(token);
}

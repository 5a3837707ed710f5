/**
 * Every event of the contract reaches the page over `regdesk serve`: the real
 * server's event stream, read by the renderer's own HTTP transport. A
 * transport that listed its events by hand and missed one fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from '../../electron/ipc/serve';
import type { Handlers } from '../../electron/ipc/handlers';
import { createApi, type RendererApi } from '../../renderer/src/transport';
import { EVENTS, type EventMap, type EventName } from '../../shared/contract';

let server: Server;
let api: RendererApi;
let streamOpened: Promise<void>;

beforeAll(async () => {
  // No call is made: the events need no handler.
  server = await startServer({ handlers: {} as Handlers });
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(server.url);
  // The page's own fetch, watched: once /events has answered, the server holds the stream and no event is lost.
  const pageFetch = window.fetch.bind(window);
  streamOpened = new Promise((resolve) => {
    window.fetch = async (input, init) => {
      const res = await pageFetch(input, init);
      if (String(input) === '/events' && res.ok) resolve();
      return res;
    };
  });
  api = createApi();
});

afterAll(async () => {
  await server?.close();
});

const samples: EventMap = {
  'copy.updated': { id: 'job-1', state: 'running' } as EventMap['copy.updated'],
  'updates.changed': [{ id: 'w1', image: 'ghcr.io/team/app:1.0' }] as EventMap['updates.changed'],
};

describe('events over serve', () => {
  it.each(Object.keys(EVENTS) as EventName[])('%s reaches a listener of the browser transport', async (name) => {
    const received = new Promise((resolve) => {
      const stop = api.on(name, (payload) => {
        stop();
        resolve(payload);
      });
    });
    await streamOpened;
    server.emit(name, samples[name]);
    expect(await received).toEqual(samples[name]);
  });
});

/**
 * A scheduled update check reaches a page over `regdesk serve`: the services,
 * handlers and server wired as serve wires them, a watched image whose
 * repository gains a newer version, and the check the schedule starts (not
 * one asked for) arriving as `updates.changed` on the event stream.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionStore } from '../../electron/credentials/session-store';
import { buildImage } from '../../electron/demo/images';
import { createHandlers, dispatch, type Handlers } from '../../electron/ipc/handlers';
import { startServer, type Server } from '../../electron/ipc/serve';
import { createAppServices, type AppServices } from '../../electron/services';
import { openSettings } from '../../electron/settings/settings-file';
import { openEvents } from '../helpers/events';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';

let registry: RigRegistry;
let pusher: RigPusher;
let dir: string;
let services: AppServices;
let handlers: ReturnType<typeof createHandlers>;
let server: Server;

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RigPusher(registry);
  await pusher.push('watch/app', buildImage(), ['1.0']);
  dir = await mkdtemp(join(tmpdir(), 'regdesk-update-events-'));
  services = createAppServices({ settings: openSettings({ dir }), dir, store: sessionStore(), userAgent: 'regdesk-test', env: {} });
  const bound: { server?: Server } = {};
  handlers = createHandlers({ ...services, emit: (event, payload) => bound.server?.emit(event, payload) });
  server = bound.server = await startServer({ handlers: handlers as Handlers });
});

afterAll(async () => {
  handlers?.updates.stop();
  await server?.close();
  await services?.close();
  await registry?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('updates over serve', () => {
  it('a scheduled check that finds a newer version reaches the event stream as updates.changed', async () => {
    const added = await dispatch(handlers, 'watch.add', { image: `${registry.host}/watch/app:1.0`, rule: 'version' }, new AbortController().signal);
    expect(added).toMatchObject({ ok: true, result: { update: null } });
    await pusher.push('watch/app', buildImage(), ['1.1']);
    // Opened after the watch was added: what arrives comes from the scheduled check.
    const events = await openEvents({ origin: `http://127.0.0.1:${server.port}`, token: server.token });
    try {
      const seen = events.next('updates.changed', (views) => views.some((v) => v.update !== null));
      handlers.updates.start(0);
      const views = await seen;
      expect(views).toHaveLength(1);
      expect(views[0]).toMatchObject({ image: `${registry.host}/watch/app:1.0`, update: { newerVersions: ['1.1'], latestVersion: '1.1' } });
      expect(views[0]!.lastCheckAt).not.toBeNull();
    } finally {
      events.close();
    }
  });
});

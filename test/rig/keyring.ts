/**
 * A private D-Bus session with an unlocked gnome-keyring, so tests use the
 * real Secret Service through keytar without touching the machine's keyring.
 * Every process started with `session.env` talks to this keyring only.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, waitUntil } from './process';

export interface KeyringSession {
  /** Environment for child processes: the session bus, and a private HOME and XDG folders. */
  env: NodeJS.ProcessEnv;
  home: string;
  stop(): Promise<void>;
}

const SESSION_SCRIPT = `
printf '%s' "$KEYRING_UNLOCK_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1
echo "BUS=$DBUS_SESSION_BUS_ADDRESS"
exec sleep 86400
`;

export async function startKeyring(): Promise<KeyringSession> {
  const home = await mkdtemp(join(tmpdir(), 'regdesk-keyring-'));
  const runtime = join(home, 'run');
  await mkdir(runtime, { mode: 0o700 });
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: runtime,
    LANG: 'C.UTF-8',
  };
  const service = startService('dbus-run-session with gnome-keyring', 'dbus-run-session', ['--', 'sh', '-c', SESSION_SCRIPT], {
    ...base,
    KEYRING_UNLOCK_PASSWORD: randomBytes(8).toString('hex'),
  });
  let bus = '';
  await waitUntil(service, async () => {
    bus = /BUS=(\S+)/.exec(service.output())?.[1] ?? '';
    return bus !== '';
  }, 10_000).catch((err: Error) => {
    throw new Error(`${err.message}\n(needs the dbus-daemon and gnome-keyring packages)`);
  });
  return {
    env: { ...base, DBUS_SESSION_BUS_ADDRESS: bus },
    home,
    async stop() {
      await service.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * Child processes that can never outlive the test run.
 *
 * Each service runs under a tiny shell watchdog that polls the parent Node
 * process and kills the service when that parent is gone, so even a SIGKILLed
 * vitest worker leaves nothing behind. Normal shutdown kills them at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Service {
  readonly name: string;
  readonly pid: number;
  /** Everything the service printed so far (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would: no chance to finish anything. */
  crash(): void;
}

const running = new Set<ChildProcess>();

function killAllSync(): void {
  for (const child of running) {
    try {
      // The watchdog stops and reaps its service on TERM, after we are gone.
      if (child.pid) process.kill(child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  running.clear();
}

// A clean exit kills at once; any other death is covered by the watchdog.
process.once('exit', killAllSync);

export const WATCHDOG_SCRIPT = `
"$@" &
child=$!
trap 'kill $child 2>/dev/null; wait $child 2>/dev/null; exit 0' TERM INT
while kill -0 "$RIG_PARENT_PID" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5; done
kill $child 2>/dev/null
wait $child 2>/dev/null
`;

/** Start `command args` under the watchdog, in its own process group. */
export function startService(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Service {
  const child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'rig-watchdog', command, ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, RIG_PARENT_PID: String(process.pid) },
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  running.add(child);
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit');
  const pid = child.pid;
  return {
    name,
    pid,
    output: () => log,
    crash() {
      running.delete(child);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
    async stop() {
      if (!running.has(child)) return;
      running.delete(child);
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      // Negative pid: the whole process group, if the polite way did not work.
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 3000);
      await exited;
      clearTimeout(timer);
      // Whatever the service left in its group (dbus-run-session's bus, say) goes too.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* nothing left */
      }
    },
  };
}

/** Resolves when `probe` succeeds, or throws after `timeoutMs` with the service's output. */
export async function waitUntil(service: Service, probe: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${service.name} did not become ready in ${timeoutMs} ms:\n${service.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

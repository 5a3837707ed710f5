/**
 * A loopback forwarding proxy that holds the requests matching a pattern until
 * the test releases them, so a test can line up concurrent callers behind one
 * request in flight (without sleeping) and see whether that request was given up.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenTracked } from '../rig/listen';

export interface Gate {
  url: string;
  host: string;
  /** Every request that reached the gate, as `METHOD path`. */
  requests: string[];
  /** Resolves once `count` requests have been held (released or not). */
  held(count: number): Promise<void>;
  /** Resolves once `count` held requests were closed by their client before release. */
  abandoned(count: number): Promise<void>;
  abandonedCount(): number;
  /** Lets the held requests through, and every later one. */
  release(): void;
  close(): Promise<void>;
}

/** `hold`: the paths to hold, or a test of the whole request (to hold one method only). */
export async function startGate(target: string, hold: RegExp | ((req: IncomingMessage) => boolean)): Promise<Gate> {
  const holds = typeof hold === 'function' ? hold : (req: IncomingMessage) => hold.test(req.url ?? '');
  const upstream = new URL(target);
  const requests: string[] = [];
  const queue: Array<() => void> = [];
  const checks = new Set<() => void>();
  let released = false;
  let heldCount = 0;
  let abandonedCount = 0;
  const changed = (): void => checks.forEach((check) => check());
  const until = (ready: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!ready()) return;
        checks.delete(check);
        resolve();
      };
      checks.add(check);
      check();
    });

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.socket?.destroy());
    req.pipe(out);
  };

  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (released || !holds(req)) return forward(req, res);
    heldCount++;
    let gone = false;
    res.on('close', () => {
      if (released || res.writableEnded) return;
      gone = true;
      abandonedCount++;
      changed();
    });
    queue.push(() => {
      if (!gone) forward(req, res);
    });
    changed();
  });
  const { port, close } = await listenTracked(server);
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    held: (count) => until(() => heldCount >= count),
    abandoned: (count) => until(() => abandonedCount >= count),
    abandonedCount: () => abandonedCount,
    release: () => {
      released = true;
      queue.splice(0).forEach((go) => go());
    },
    close,
  };
}

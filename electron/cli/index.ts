/**
 * `regdesk` entry point under plain Node. Ctrl-C cancels the running command
 * cleanly (uploads deleted, no tag written); a second Ctrl-C exits at once.
 */
import { setMaxListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runCli } from './main';

// undici parses HTTP with a WebAssembly llhttp. V8 would recompile its hot functions
// with TurboFan in the background and, at exit, wait for that: about 50 ms added to
// every short command. Baseline code is plenty for parsing headers (bodies pass through).
// Set before the engine loads (it is imported lazily, after this line).
setFlagsFromString('--liftoff-only');
// One cancel signal fans out to every request of a copy (up to 32 blobs in flight, and
// a plan's many HEADs), each listening on it: that is the design, not a leak.
setMaxListeners(256);

const controller = new AbortController();
/**
 * A second signal this soon after the first is the same Ctrl-C delivered twice (npm and
 * npx forward the terminal's SIGINT to a child that already got it), not the user asking
 * to quit at once: it must not skip the clean cancel.
 */
const ECHO_MS = 500;
let interruptedAt: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interruptedAt === undefined) {
      interruptedAt = Date.now();
      controller.abort();
    } else if (Date.now() - interruptedAt > ECHO_MS) process.exit(130);
  });
}

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }, controller.signal).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`regdesk: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

/**
 * `regdesk` entry point under plain Node. Ctrl-C cancels the running command
 * cleanly (uploads deleted, no tag written); see below for quitting at once.
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
 * The first signal cancels cleanly (upload sessions deleted, nothing tagged). Under
 * npm or npx one Ctrl-C arrives twice: the terminal signals the whole foreground
 * group and npm forwards its copy to us, at no fixed interval apart (a busy machine
 * delays the echo as long as it likes). So a second signal only says how to quit at
 * once, and a third quits: under npm that is the second Ctrl-C, run directly the third,
 * and the note printed at the second tells the user which.
 */
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupts++;
    if (interrupts === 1) controller.abort();
    else if (interrupts === 2) process.stderr.write('regdesk: cancelling; press Ctrl-C again to quit at once, without cleaning up\n');
    else process.exit(130);
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

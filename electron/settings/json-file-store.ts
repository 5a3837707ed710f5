/**
 * The CLI's settings store: the same file, format and atomic replace as conf /
 * electron-store (which the app uses), without loading them: the CLI reads
 * settings on every run, and conf's JSON-schema machinery (ajv) cost more
 * start-up time than the rest of a short command.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfLike } from './settings-file';

export function jsonFileStore(dir: string, name: string): ConfLike {
  const path = join(dir, `${name}.json`);
  let current: Record<string, unknown> = {};
  return {
    path,
    get store() {
      return current;
    },
    set store(value) {
      mkdirSync(dir, { recursive: true });
      // Write aside, then rename over: a crash mid-write never leaves half a file.
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(value, undefined, '\t')}\n`);
      renameSync(temporary, path);
      current = value;
    },
  };
}

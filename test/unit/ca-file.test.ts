/**
 * CA files are read only when they are regular files of bounded size, without
 * blocking: real named pipes, devices, sockets, directories and oversized files
 * in a temporary folder, each refused at once with a usage error naming the file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_CA_FILE_BYTES, readCaFile } from '../../electron/settings/ca-file';
import { RegistryError } from '../../shared/errors';
import { rejectionOf } from '../helpers/errors';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const HINT = 'Give the path of a PEM file with --ca-file.';

let dir: string;
let server: Server | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'regdesk-ca-'));
});
afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

async function refusal(path: string, registry?: string): Promise<RegistryError> {
  const err = await rejectionOf(readCaFile(path, { hint: HINT, ...(registry ? { registry } : {}) }));
  expect(err).toBeInstanceOf(RegistryError);
  expect(err.code).toBe('usage');
  expect(err.hint).toBe(HINT);
  expect(err.message).toContain(path);
  return err;
}

describe('readCaFile', () => {
  it('reads a regular file, also through a symbolic link', async () => {
    const path = file('ca.pem', PEM);
    expect((await readCaFile(path, { hint: HINT })).toString()).toBe(PEM);
    symlinkSync(path, join(dir, 'link.pem'));
    expect((await readCaFile(join(dir, 'link.pem'), { hint: HINT })).toString()).toBe(PEM);
  });

  it('reads a file of exactly the limit', async () => {
    const path = file('big.pem', Buffer.alloc(MAX_CA_FILE_BYTES, 0x41));
    expect((await readCaFile(path, { hint: HINT })).length).toBe(MAX_CA_FILE_BYTES);
  });

  it('a named pipe is refused at once, without waiting for a writer', async () => {
    const path = join(dir, 'pipe.pem');
    execFileSync('mkfifo', [path]);
    expect((await refusal(path)).message).toMatch(/cannot be used: it is a named pipe \(FIFO\), not a regular file$/);
  });

  it('/dev/zero (endless) and /dev/null are devices: refused', async () => {
    expect((await refusal('/dev/zero')).message).toMatch(/it is a device, not a regular file$/);
    expect((await refusal('/dev/null')).message).toMatch(/it is a device, not a regular file$/);
  });

  it('a symbolic link to a device is refused like the device', async () => {
    symlinkSync('/dev/zero', join(dir, 'zero.pem'));
    expect((await refusal(join(dir, 'zero.pem'))).message).toMatch(/it is a device/);
  });

  it('a directory is refused', async () => {
    mkdirSync(join(dir, 'certs'));
    expect((await refusal(join(dir, 'certs'))).message).toMatch(/it is a directory, not a regular file$/);
  });

  it('a socket is refused', async () => {
    const path = join(dir, 'ca.sock');
    server = createServer();
    await new Promise<void>((listening) => server!.listen(path, listening));
    expect((await refusal(path)).message).toMatch(/cannot be used: it is a socket, not a regular file$/);
  });

  it('a file over the limit is refused without being read (a sparse file of 2 GiB)', async () => {
    const path = file('huge.pem', '');
    truncateSync(path, 2 * 1024 * 1024 * 1024);
    expect((await refusal(path)).message).toMatch(new RegExp(`it is 2147483648 bytes, more than a CA file's limit of ${MAX_CA_FILE_BYTES} bytes$`));
    const over = file('over.pem', Buffer.alloc(MAX_CA_FILE_BYTES + 1, 0x41));
    expect((await refusal(over)).message).toMatch(/more than a CA file's limit/);
  });

  it('a missing or empty file, or no path at all, gets a plain reason', async () => {
    expect((await refusal(join(dir, 'nope.pem'))).message).toMatch(/cannot be used: no such file$/);
    expect((await refusal(join(dir, 'nope', 'ca.pem'))).message).toMatch(/no such file$/);
    expect((await refusal(file('empty.pem', ''))).message).toMatch(/it is empty$/);
    const err = await rejectionOf(readCaFile('', { hint: HINT }));
    expect(err).toMatchObject({ code: 'usage', message: expect.stringMatching(/no path given/) });
  });

  it('says which registry the file is for, when it is for one', async () => {
    const err = await refusal('/dev/zero', 'registry.corp:5000');
    expect(err.message).toBe('registry.corp:5000: the CA file /dev/zero cannot be used: it is a device, not a regular file');
    expect(err.context).toEqual({ registry: 'registry.corp:5000' });
  });
});

// electron-builder.yml as the pinned electron-builder reads and validates it at
// `npm run dist`: a misspelt fuse would otherwise surface only when packaging.
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';

// Loading electron-builder and compiling its schema takes seconds on a busy machine.
describe('electron-builder.yml', { timeout: 60_000 }, () => {
  it('passes the pinned electron-builder schema and flips every security fuse', async () => {
    const config = await getConfig(process.cwd(), 'electron-builder.yml', null);
    await validateConfiguration(config, new DebugLogger(false));
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('refuses a fuse name it does not know, so the check above can fail', async () => {
    const config = await getConfig(process.cwd(), 'electron-builder.yml', null);
    const misspelt = { ...config, electronFuses: { ...config.electronFuses, grantFileProtocolExtraPrivilege: false } };
    await expect(validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });
});

import { describe, expect, it } from 'vitest';
import { toRegistryError } from '../../electron/registry/transport/network-errors';
import { withRetry } from '../../electron/registry/transport/retry';
import { RegistryError } from '../../shared/errors';

describe('toRegistryError', () => {
  it('a TimeoutError (AbortSignal.timeout) is a timeout, a plain abort is a cancel', () => {
    expect(toRegistryError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'r.example').code).toBe('timeout');
    expect(toRegistryError(new DOMException('This operation was aborted', 'AbortError'), 'r.example').code).toBe('cancelled');
  });
});

describe('withRetry and a request whose signal fired', () => {
  it('does not retry, and keeps the original error', async () => {
    let calls = 0;
    const failure = new RegistryError('timeout', 'r.example: the request took too long', { registry: 'r.example' });
    const fetch = withRetry({ attempts: 5, baseDelayMs: 1, sleep: async () => undefined })(async () => {
      calls++;
      throw failure;
    });
    const err = await fetch({ registry: 'r.example', method: 'GET', target: 'https://r.example/v2/', signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toBe(failure);
    expect(calls).toBe(1);
  });
});

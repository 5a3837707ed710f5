/**
 * Before a registry is added: does the address answer as a registry, with the
 * settings it is being added with (plain HTTP, a CA)? It is asked once, not
 * retried: the user is waiting, and a typo should say so at once. A registry
 * that asks for a sign-in answers: that is a registry, not a wrong address.
 */
import { RegistryError, isRegistryError } from '../../shared/errors';
import { RegistryClient, type RegistryClientOptions } from '../registry/client';
import type { RegistryHostConfig } from '../registry/transport/types';

export async function checkRegistryAnswers(
  registry: string,
  config: RegistryHostConfig,
  options: { transport?: Omit<RegistryClientOptions, 'credentials'> | undefined; signal?: AbortSignal },
): Promise<void> {
  const base = options.transport?.hostConfig;
  const hostConfig = Object.assign((host: string) => (host === registry ? { ...base?.(host), ...config } : base?.(host)), base?.ready ? { ready: base.ready } : {});
  const probe = new RegistryClient({ ...options.transport, hostConfig, retry: { attempts: 1 }, cache: false });
  try {
    await probe.ping(registry, options.signal ? { signal: options.signal } : {});
  } catch (err) {
    if (isRegistryError(err, 'cancelled')) throw err;
    if (isRegistryError(err, 'authentication') || isRegistryError(err, 'authorization')) return;
    const cause = isRegistryError(err) ? err : new RegistryError('network', String(err), { registry });
    throw new RegistryError(cause.code, `${registry} did not answer as a registry: ${cause.message}`, { ...cause.context, registry },
      `Nothing was added. Check the address and port${config.insecure ? '' : ', and allow plain HTTP for a registry without TLS'}; or add it anyway and try again later.`, { cause: err });
  } finally {
    await probe.close();
  }
}

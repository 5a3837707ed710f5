/**
 * Chooses http or https per registry. HTTPS always comes first; loopback and
 * registries marked insecure fall back to plain HTTP when the HTTPS attempt
 * fails at the connection level, as Docker does for localhost, and the answer
 * is remembered. A registry with its own CA never falls back, nor does one whose
 * certificate was not trusted: it speaks TLS, and the certificate error is the answer.
 */
import { hostnameOf, isLoopbackHost } from './hosts';
import { isConnectionLevel, isUntrustedCertificate } from './network-errors';
import { isReplayable, type Fetch, type Layer, type RegistryHostConfig, type RegistryRequest } from './types';

export interface SchemeOptions {
  hostConfig?: (registry: string) => RegistryHostConfig | undefined;
}

export function mayUseHttp(registry: string, config: RegistryHostConfig | undefined): boolean {
  if (config?.ca) return false;
  return Boolean(config?.insecure) || isLoopbackHost(hostnameOf(registry));
}

export function withScheme(options: SchemeOptions = {}): Layer & { schemeOf(registry: string): 'http' | 'https' | undefined; forget(registry: string): void } {
  const known = new Map<string, 'http' | 'https'>();

  const layer = (next: Fetch): Fetch => {
    const send = (req: RegistryRequest, scheme: 'http' | 'https') => next({ ...req, target: `${scheme}://${req.registry}${req.target}` });

    const probe = async (req: RegistryRequest): Promise<void> => {
      const res = await send({ registry: req.registry, method: 'GET', target: '/v2/', signal: req.signal }, 'https').catch(
        async (err: unknown) => {
          if (!isConnectionLevel(err) || isUntrustedCertificate(err)) throw err;
          const plain = await send({ registry: req.registry, method: 'GET', target: '/v2/', signal: req.signal }, 'http');
          known.set(req.registry, 'http');
          return plain;
        },
      );
      await res.body.dump();
      if (!known.has(req.registry)) known.set(req.registry, 'https');
    };

    return async (req) => {
      if (/^https?:\/\//i.test(req.target)) return next(req);
      if (!req.target.startsWith('/')) throw new TypeError(`request target must be a path or an absolute URL: ${req.target.slice(0, 60)}`);
      const remembered = known.get(req.registry);
      if (remembered) return send(req, remembered);
      if (!mayUseHttp(req.registry, options.hostConfig?.(req.registry))) return send(req, 'https');
      if (!isReplayable(req.body)) {
        await probe(req);
        return send(req, known.get(req.registry)!);
      }
      try {
        const res = await send(req, 'https');
        known.set(req.registry, 'https');
        return res;
      } catch (err) {
        if (!isConnectionLevel(err) || isUntrustedCertificate(err)) {
          // It answered over https and failed otherwise; a cancel proves nothing either way.
          if ((err as { code?: string }).code !== 'cancelled') known.set(req.registry, 'https');
          throw err;
        }
      }
      try {
        const res = await send(req, 'http');
        known.set(req.registry, 'http');
        return res;
      } catch (err) {
        if (!isConnectionLevel(err) && (err as { code?: string }).code !== 'cancelled') known.set(req.registry, 'http');
        throw err;
      }
    };
  };
  return Object.assign(layer, {
    schemeOf: (registry: string) => known.get(registry),
    /** Learn the scheme again (the registry's settings changed). */
    forget: (registry: string) => void known.delete(registry),
  });
}

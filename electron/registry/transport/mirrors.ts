/**
 * Read-through mirrors: reads marked `mirrorable` try each configured mirror
 * of the registry first (a pull-through cache for docker.io, say) and fall back
 * to the origin on any error or non-success answer. Writes always go to the origin,
 * and so does every question asked on behalf of a destination (does it hold this
 * blob or manifest?): those requests are not `mirrorable`, since a mirror's "yes"
 * would make a copy skip what the destination lacks.
 */
import type { Fetch, Layer, RegistryHostConfig } from './types';

/** `https://mirror.example:5000/` or `mirror.example:5000` → `mirror.example:5000`. */
export function mirrorHost(mirror: string): string {
  const trimmed = mirror.trim().replace(/\/+$/, '');
  return /^https?:\/\//i.test(trimmed) ? new URL(trimmed).host : trimmed;
}

export function withMirrors(hostConfig: (registry: string) => RegistryHostConfig | undefined): Layer {
  return (next: Fetch): Fetch =>
    async (req) => {
      const read = req.method === 'GET' || req.method === 'HEAD';
      const mirrors = req.mirrorable && read && !/^https?:/i.test(req.target) ? (hostConfig(req.registry)?.mirrors ?? []) : [];
      for (const mirror of mirrors) {
        try {
          const res = await next({ ...req, registry: mirrorHost(mirror) });
          if (res.status >= 200 && res.status < 300) return res;
          await res.body.dump();
        } catch (err) {
          if ((err as { code?: string }).code === 'cancelled') throw err;
          // A mirror that fails is skipped; the origin is the source of truth.
        }
      }
      return next(req);
    };
}

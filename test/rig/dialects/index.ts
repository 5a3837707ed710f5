/**
 * Every registry dialect the rig plays, each a profile (profile.ts) that the
 * dialect proxy (proxy.ts) serves in front of a real distribution registry.
 *
 * Adding a dialect:
 * 1. Write `test/rig/dialects/<name>.ts` exporting a DialectProfile: fill in the
 *    fields its DIALECTS.md rows describe (a comment per field naming the row),
 *    leave out what it does like distribution. A quirk no field covers is a new
 *    optional field in profile.ts, read in proxy.ts (or pages.ts, auth.ts,
 *    storage.ts), so every other profile keeps its behaviour.
 * 2. Add it to DIALECTS below: test/integration/dialects.test.ts then runs the
 *    CLI's browse, check and copy (both directions) against it.
 * 3. Add its own quirks' tests beside the others, and a row to the README's
 *    "Registry dialects" table.
 */
import { acr } from './acr';
import { artifactory } from './artifactory';
import { distribution3 } from './distribution3';
import { dockerHub } from './docker-hub';
import { ecr } from './ecr';
import { gar } from './gar';
import { ghcr } from './ghcr';
import { gitea } from './gitea';
import { gitlab } from './gitlab';
import { harbor } from './harbor';
import { nexus } from './nexus';
import type { DialectProfile } from './profile';
import { quay } from './quay';
import { zot } from './zot';

export type { DialectProfile } from './profile';
export { startDialectProxy, type DialectProxy } from './proxy';

export const DIALECTS: DialectProfile[] = [dockerHub, ghcr, ecr, gar, gitlab, quay, harbor, acr, artifactory, nexus, gitea, zot, distribution3];

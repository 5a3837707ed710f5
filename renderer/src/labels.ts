/** Short texts the UI shows in several places. */
import type { CredentialsView } from '../../shared/contract';

/** `1,056 repositories`, or `12 of 10,000 tags` while a filter hides some. */
export function countLabel(shown: number, total: number, singular: string, plural = `${singular}s`): string {
  const all = `${total.toLocaleString('en')} ${total === 1 ? singular : plural}`;
  return shown === total ? all : `${shown.toLocaleString('en')} of ${all}`;
}

/** Where a registry's credentials come from, and how to remove them where regdesk cannot. */
export function credentialsSource(credentials: CredentialsView, host: string): { from: string; remove?: string } {
  const where = credentials.detail ? ` (${credentials.detail})` : '';
  switch (credentials.origin) {
    case 'session': return { from: 'this session only: regdesk asks again after it restarts' };
    case 'keychain': return { from: 'the OS keychain' };
    case 'env-registry':
    case 'env-docker': return { from: `the environment${where}`, remove: `unset ${credentials.detail ?? 'the variable'} and its user name variable, then restart regdesk` };
    case 'docker-config':
    case 'docker-helper': return { from: `Docker's login${where}`, remove: `docker logout ${host}` };
    case 'containers-auth': return { from: `Podman's login${where}`, remove: `podman logout ${host}` };
    case 'kubernetes-secret': return { from: `a Kubernetes secret${where}`, remove: 'remove the mounted secret' };
    default: return { from: credentials.origin };
  }
}

/**
 * What the engine needs to know about credentials: a value, and a one-method
 * source that finds it for a registry (the keychain, Docker config, env, a form).
 */

export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (Docker's `identitytoken`): used with grant_type=refresh_token. */
  refreshToken?: string;
}

/** Finds credentials for `host[:port]`; undefined when none are known (the engine then goes anonymous). */
export type CredentialSource = (registry: string) => Promise<Credential | undefined>;

export const anonymous: CredentialSource = async () => undefined;

export function hasSecret(c: Credential | undefined): c is Credential {
  return Boolean(c && ((c.username && c.password) || c.refreshToken));
}

/** Every secret value of a credential, for scrubbing text before it is shown or logged. */
export function secretsOf(c: Credential | undefined): string[] {
  // `user:password` too: its base64 form is a Basic header, which a server may echo back.
  const pair = c?.username && c.password ? `${c.username}:${c.password}` : undefined;
  return [pair, c?.password, c?.refreshToken].filter((s): s is string => Boolean(s));
}

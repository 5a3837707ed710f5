/** Keychain service under which registry secrets are stored. */
export const KEYCHAIN_SERVICE = 'regdesk';

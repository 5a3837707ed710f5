/** Names used on both sides of the IPC boundary. */
export const APP_NAME = 'regdesk';
/** Keychain service under which registry secrets are stored. */
export const KEYCHAIN_SERVICE = 'regdesk';

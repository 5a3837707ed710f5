/**
 * The one error catalogue of regdesk. The engine throws RegistryError, the IPC
 * layer sends its `toWire()` shape, the renderer and the CLI read `code`.
 * No Node or DOM APIs here: this file is part of the IPC contract.
 */

export const ERROR_CODES = [
  'network',
  'timeout',
  'authentication',
  'authorization',
  'not_found',
  'rate_limited',
  'unsupported',
  'invalid_reference',
  'digest_mismatch',
  'protocol',
  'cancelled',
  'keychain',
  'usage',
  /** What the user reviewed has changed (a destination tag moved since the copy was planned). */
  'conflict',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Where an error happened; every field optional so parsers can use it too. */
export interface ErrorContext {
  registry?: string;
  repository?: string;
  /** For invalid_reference: which part of the input is at fault (host, repository, tag, digest, platform). */
  part?: string;
  /** For not_found: what was missing. */
  kind?: 'manifest' | 'blob' | 'repository' | 'tag' | 'upload';
  /** For rate_limited: milliseconds after which a retry makes sense. */
  retryAfterMs?: number;
  /** HTTP status that caused the error, when there was one. */
  status?: number;
  /** The registry's own error code (e.g. MANIFEST_UNKNOWN), when it sent one. */
  registryCode?: string;
}

/** The serialised form that crosses IPC and is printed by `--json`. */
export interface WireError extends ErrorContext {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export class RegistryError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryError';
    this.code = code;
    this.context = context;
    this.hint = hint;
  }

  toWire(): WireError {
    const wire: WireError = { code: this.code, message: this.message, ...this.context };
    if (this.hint !== undefined) wire.hint = this.hint;
    return wire;
  }

  static fromWire(wire: WireError): RegistryError {
    const { code, message, hint, ...context } = wire;
    return new RegistryError(code, message, context, hint);
  }
}

export function isRegistryError(value: unknown, code?: ErrorCode): value is RegistryError {
  return value instanceof RegistryError && (code === undefined || value.code === code);
}

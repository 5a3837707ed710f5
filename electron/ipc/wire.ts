/**
 * What crosses to the renderer, as JSON text, for both transports (Electron IPC
 * and `regdesk serve`): one encoding, so a value the page cannot receive fails
 * the same typed way in the app and in a browser. Electron's structured clone
 * and JSON.stringify both overflow their stack on a value a registry nested
 * thousands of levels deep; text crosses IPC in one piece.
 */
import type { Envelope } from '../../shared/contract';
import { RegistryError } from '../../shared/errors';

/** The envelope as JSON, or a typed error when it cannot be written. */
export function encodeEnvelope(channel: string, envelope: Envelope<unknown>): string {
  try {
    return JSON.stringify(envelope);
  } catch (err) {
    const error = err instanceof RangeError
      ? new RegistryError('protocol', `the answer to ${channel} is nested too deeply to send`, {}, 'A registry sent a value (a label, an annotation) nested thousands of levels deep; regdesk cannot show it.')
      : new RegistryError('internal', `the answer to ${channel} could not be encoded`, {});
    return JSON.stringify({ ok: false, error: error.toWire() });
  }
}

/** An event's payload as JSON; undefined when it cannot be written (the update is dropped, the sender carries on). */
export function encodeEventPayload(payload: unknown): string | undefined {
  try {
    return JSON.stringify(payload);
  } catch {
    return undefined;
  }
}

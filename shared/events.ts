/**
 * The events the main side pushes to the UI: the one list. The Electron main
 * process and `regdesk serve` send only these, the preload and both renderer
 * transports pass on only these, so a new event is added here and nowhere
 * else. Kept apart from the channels' schemas so the preload bundles no zod;
 * shared/contract.ts exports it beside CHANNELS.
 */
import type { CopyJobView, WatchView } from './contract';

/** Event name → its payload (the values stand for the types; nothing reads them). */
export const EVENTS = {
  /** A copy job changed: planned, progressed, ended. */
  'copy.updated': null as unknown as CopyJobView,
  /** An update check (scheduled or asked for) changed the watched images. */
  'updates.changed': null as unknown as WatchView[],
} as const;

export type EventName = keyof typeof EVENTS;
export type EventMap = { [E in EventName]: (typeof EVENTS)[E] };

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(EVENTS, name);
}

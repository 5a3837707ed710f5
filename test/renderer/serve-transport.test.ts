/** The browser side of `regdesk serve`'s token: out of the address bar at once; events parsed from a fetch stream. */
import { afterEach, describe, expect, it } from 'vitest';
import { eventStreamParser, takeCredentialFromUrl } from '../../renderer/src/transport';

afterEach(() => {
  window.history.replaceState(null, '', '/');
});

describe('takeCredentialFromUrl', () => {
  it('takes the token or the one-time code from the fragment and clears the address bar, query included', () => {
    window.history.replaceState(null, '', `/#token=${'a'.repeat(48)}`);
    expect(takeCredentialFromUrl()).toEqual({ token: 'a'.repeat(48) });
    expect(window.location.href).not.toContain('a'.repeat(48));
    expect(window.location.hash).toBe('');

    window.history.replaceState(null, '', `/?token=${'b'.repeat(48)}#code=${'c'.repeat(32)}`);
    expect(takeCredentialFromUrl()).toEqual({ code: 'c'.repeat(32) });
    expect(window.location.search).toBe('');
    expect(window.location.hash).toBe('');

    expect(takeCredentialFromUrl()).toEqual({});
  });

  it('keeps the rest of the fragment (what is open) and drops only the credential', () => {
    window.history.replaceState(null, '', `/#registry=r.example&token=${'d'.repeat(48)}&tag=1.0`);
    expect(takeCredentialFromUrl()).toEqual({ token: 'd'.repeat(48) });
    expect(window.location.href).not.toContain('d'.repeat(48));
    expect(window.location.hash).toBe('#registry=r.example&tag=1.0');
  });
});

describe('eventStreamParser', () => {
  it('yields each event once its frame is complete, across chunk boundaries and line endings; comments are skipped', () => {
    const seen: Array<[string, string]> = [];
    const feed = eventStreamParser((event, data) => seen.push([event, data]));
    feed(': regdesk events\n\n');
    feed('event: copy.updated\ndata: {"id":');
    expect(seen).toEqual([]);
    feed('"1"}\n\nevent: copy.updated\r\ndata: {"id":"2"}\r\n\r\n: keep-alive\n\n');
    feed('data:line one\ndata: line two\n\n');
    expect(seen).toEqual([
      ['copy.updated', '{"id":"1"}'],
      ['copy.updated', '{"id":"2"}'],
      ['message', 'line one\nline two'],
    ]);
  });
});

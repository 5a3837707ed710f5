/** What crosses to the renderer (Electron IPC and serve alike) is JSON text, or a typed error when a value cannot be written. */
import { describe, expect, it } from 'vitest';
import { encodeEnvelope, encodeEventPayload } from '../../electron/ipc/wire';

/** An array nested `depth` levels: deeper than JSON.stringify's stack at 200,000. */
function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('the wire to the renderer', () => {
  it('writes an answer as JSON', () => {
    expect(JSON.parse(encodeEnvelope('tags.list', { ok: true, result: { tags: ['v1'] } }))).toEqual({ ok: true, result: { tags: ['v1'] } });
  });

  it('turns an answer nested too deeply to write into a typed protocol error naming the channel', () => {
    const answer = JSON.parse(encodeEnvelope('image.get', { ok: true, result: { labels: nested(200_000) } }));
    expect(answer).toMatchObject({ ok: false, error: { code: 'protocol', message: 'the answer to image.get is nested too deeply to send' } });
  });

  it('turns any other failure to write into an internal error', () => {
    expect(JSON.parse(encodeEnvelope('tags.list', { ok: true, result: { size: 1n } }))).toMatchObject({ ok: false, error: { code: 'internal', message: 'the answer to tags.list could not be encoded' } });
  });

  it('drops an event it cannot write, and writes the others', () => {
    expect(encodeEventPayload(nested(200_000))).toBeUndefined();
    expect(encodeEventPayload({ id: 1 })).toBe('{"id":1}');
  });
});
